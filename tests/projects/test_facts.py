"""The rules read a project's meetings, documents, change requests and notices through
projects.facts. Loaded in bulk for a page (the inbox) or by the rule itself, they must give the
same verdict — and once loaded, asking the rules costs no further query."""

from __future__ import annotations

import pytest

from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from projects import scenario
from projects.actions import offered_actions
from projects.facts import FACTS, facts_read_in, load_facts, with_facts
from projects.models import Project, Status
from tests.projects.helpers import Clock, new_project


def _verdicts(project, people, precheck=True):
    return {
        (role, offered.spec.name): (offered.verdict.allowed, offered.verdict.reason)
        for role, person in people.items()
        for offered in offered_actions(project, person, precheck=precheck)
    }


def _bulk(project):
    return load_facts(list(with_facts(Project.objects.filter(pk=project.pk).select_related("community__committee"))))[0]


def _single(project):
    return Project.objects.select_related("community__committee").get(pk=project.pk)


@pytest.mark.parametrize("pays_by_invoice", [True, False], ids=["invoice", "no-invoice"])
def test_bulk_loaded_facts_give_the_same_verdicts_in_every_state(
    fund_year, people, time_machine, django_assert_num_queries, pays_by_invoice
):
    from projects.models import ContractorKind

    clock = Clock(time_machine)
    kind = ContractorKind.ORGANISATION if pays_by_invoice else ContractorKind.INDIVIDUAL
    project = new_project(people, fund_year, contractor_kind=kind)
    seen = set()
    while True:
        status = Status(project.status)
        seen.add(status)
        for person in people.values():  # the users' grants, loaded once per request in real life
            person.__dict__.pop("_fundadmin_grants", None)
        expected = _verdicts(_single(project), people)
        bulk = _bulk(project)
        # Same answers whichever way the facts were loaded...
        assert _verdicts(bulk, people) == expected, status
        # ...and with the facts loaded, asking the rules again reads nothing more (the money
        # prechecks read the ledger; the inbox leaves them out).
        with django_assert_num_queries(0):
            _verdicts(bulk, people, precheck=False)
        if status == Status.CLOSED:
            break
        scenario.take_step(project, people)
        step = scenario.STEPS.get(status)
        if step and step.wait_working_days:
            clock.to(scenario.next_day(clock.day, step, WorkingCalendar()))
        project.refresh_from_db()
    assert {Status.PUBLICITY, Status.EXECUTING, Status.COMPLETION_NOTICE} <= seen


def test_every_fact_a_rule_reads_is_known():
    """A rule that declares a fact projects.facts cannot load would fall back to a query a project."""
    read = set().union(*(facts_read_in(s) for s in Status.values))
    assert read == set(FACTS), read


def test_the_notice_fact_is_read_while_on_notice_and_not_after():
    assert "notices" in facts_read_in(Status.PUBLICITY)
    assert "notices" in facts_read_in(Status.COMPLETION_NOTICE)
    assert "notices" not in facts_read_in(Status.CLOSED)


def test_a_step_reads_its_facts_once_though_its_rules_are_asked_twice(fund_year, people, time_machine):
    """projects.services._transition asks the rules for the reason, then django-fsm asks them
    again: the facts (here the plan notice and its objections) are read once for both."""
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
