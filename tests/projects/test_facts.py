"""The rules read a project's notices, documents, change requests, reviews, signatures, budget and
money through projects.facts. Loaded for a page of many projects (the inbox) or for one, they must
give the same verdict — and once loaded, asking the rules again costs no further query."""

from __future__ import annotations

import pytest

from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from projects import facts as project_facts
from projects import machine, scenario
from projects.facts import KINDS, FactNotLoaded, reads_in
from projects.models import Project, Status
from tests.projects.helpers import Clock, new_project


def _verdicts(project, facts, people, money=True):
    return {
        (role, step.verb): (v.allowed, v.reason)
        for role, person in people.items()
        for step in project.state.steps
        for v in [machine.verdict(step, project, person, facts, money=money)]
    }


def _fresh(project):
    return Project.objects.select_related("community__committee", "fund_year").get(pk=project.pk)


def _among_others(project, others):
    """The project's facts loaded in one batch with other projects, as the inbox loads them."""
    batch = list(
        Project.objects.filter(pk__in=[project.pk, *(o.pk for o in others)])
        .select_related("community__committee", "fund_year")
        .with_budget_total()
        .order_by("pk")
    )
    loaded = project_facts.load(batch)
    return next((p, f) for p, f in zip(batch, loaded, strict=True) if p.pk == project.pk)


@pytest.mark.parametrize("pays_by_invoice", [True, False], ids=["invoice", "no-invoice"])
def test_bulk_loaded_facts_give_the_same_verdicts_in_every_state(
    fund_year, people, time_machine, django_assert_num_queries, pays_by_invoice
):
    from projects.models import ContractorKind

    clock = Clock(time_machine)
    kind = ContractorKind.ORGANISATION if pays_by_invoice else ContractorKind.INDIVIDUAL
    project = new_project(people, fund_year, contractor_kind=kind)
    others = [new_project(people, fund_year, title=f"另一个项目{i}") for i in range(2)]
    seen = set()
    while True:
        status = Status(project.status)
        seen.add(status)
        for person in people.values():  # the users' grants, loaded once per request in real life
            person.__dict__.pop("_fundadmin_grants", None)
        single = _fresh(project)
        expected = _verdicts(single, project_facts.load([single])[0], people, money=False)
        bulk, facts = _among_others(project, others)
        # Same answers whichever way the facts were loaded...
        assert _verdicts(bulk, facts, people, money=False) == expected, status
        # ...and with the facts loaded, asking the rules again reads nothing more (the money
        # rules read the ledger; the inbox leaves them out).
        with django_assert_num_queries(0):
            _verdicts(bulk, facts, people, money=False)
        if status == Status.CLOSED:
            break
        scenario.take_step(project, people)
        step = scenario.STEPS.get(status)
        if step and step.wait_working_days:
            clock.to(scenario.next_day(clock.day, step, WorkingCalendar()))
        project.refresh_from_db()
    assert {Status.PUBLICITY, Status.EXECUTING, Status.COMPLETION_NOTICE} <= seen


def test_every_fact_a_rule_reads_is_known():
    """A rule that declares a fact projects.facts cannot load would fail on every page."""
    read = set().union(*(reads_in(s) for s in Status.values))
    assert read == set(KINDS), read


def test_a_fact_not_declared_is_not_read_silently(fund_year, people):
    project = new_project(people, fund_year)
    facts = project_facts.load([project], kinds={"budget"})[0]
    with pytest.raises(FactNotLoaded):
        _ = facts.notices


def test_the_notice_fact_is_read_while_on_notice_and_not_after():
    assert "notices" in reads_in(Status.PUBLICITY)
    assert "notices" in reads_in(Status.COMPLETION_NOTICE)
    assert "notices" not in reads_in(Status.CLOSED)


def test_a_step_reads_its_facts_once_though_its_rules_are_asked_twice(fund_year, people, time_machine):
    """projects.services.steps asks the rules for the reason, then django-fsm asks them again as
    the transition's conditions: the facts (here the plan notice and its objections) are read once
    for both, and each rule is computed once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects import services
    from tests.projects.helpers import walk

    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year), people, Status.PUBLICITY, clock)
    clock.after(10)  # the notice period is over
    with CaptureQueriesContext(connection) as queries:
        services.project_submit_for_approval(project=project, by=people[Role.COMMUNITY_SECRETARY])
    notice_facts = [q for q in queries.captured_queries if "open_objection_count" in q["sql"]]
    assert len(notice_facts) == 1, [q["sql"][:120] for q in notice_facts]
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_a_transition_called_without_its_facts_is_refused(fund_year, people):
    """Steps are taken through the services, which hand the rules' facts to django-fsm: calling a
    transition method directly (past the rules) is refused by the state machine itself."""
    from django_fsm import TransitionNotAllowed

    project = new_project(people, fund_year)
    with pytest.raises(TransitionNotAllowed):
        project.request_consent()
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT
