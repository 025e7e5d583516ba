"""The inbox reads only the projects where a step can wait (issue 17): a step that waits only in
some cases (a payment reversed, no follow-up person yet, a change pending) narrows its state's
candidates by an SQL form of its rule. Each SQL form must hold wherever its rule holds, or the
inbox would silently miss work; and it must narrow, or the finance inbox reads every closed
project of its committee again."""

from __future__ import annotations

from decimal import Decimal

from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from ledger.models import JournalEntry, Kind
from ledger.services import entry_reverse
from projects import facts as project_facts
from projects import process, services
from projects.inbox import _candidates, _holds_where, inbox_items
from projects.models import Project, Status

from .helpers import Clock, new_project, walk


def _world(people, fund_year, clock):
    made = {}
    for status in (Status.APPROVED, Status.EXECUTING, Status.PAID, Status.CLOSED):
        made[status] = walk(new_project(people, fund_year, title=f"项目{status}"), people, status, clock)
    # A pending change, a reversed payment, and one approved project with its follow-up person.
    made["changing"] = walk(new_project(people, fund_year, title="变更中"), people, Status.EXECUTING, clock)
    services.change_request_submit(
        project=made["changing"],
        by=people[Role.COMMUNITY_SECRETARY],
        reason="材料涨价",
        description="调整",
        new_amount=Decimal("7000.00"),
    )
    made["reversed"] = walk(new_project(people, fund_year, title="冲销"), people, Status.PAID, clock)
    payment = JournalEntry.objects.get(kind=Kind.PAYMENT, project=made["reversed"])
    entry_reverse(entry=payment, reason="收款账号录错", by=people[Role.FINANCE], entry_date=clock.day)
    return made


def test_each_sql_form_holds_wherever_its_rule_holds(people, fund_year, time_machine):
    # Art. 11 (follow-up person, changes), Art. 13 and 17 (a reversed payment posted again).
    _world(people, fund_year, Clock(time_machine))
    projects = list(Project.objects.order_by("pk"))
    facts = project_facts.load(projects, calendar=WorkingCalendar(), kinds=project_facts.KINDS - {"money"})
    for rule, where in _holds_where().items():
        holds = {p.pk for p, f in zip(projects, facts, strict=True) if rule.reason(p, f) is None}
        selected = set(Project.objects.filter(where).values_list("pk", flat=True))
        assert holds, rule  # the world has a project where each rule holds …
        assert holds <= selected, (rule, holds - selected)  # … and the SQL keeps every one of them
        assert set(p.pk for p in projects) - selected, rule  # and it narrows


def test_the_finance_inbox_reads_the_reversed_payment_not_every_closed_project(people, fund_year, time_machine):
    made = _world(people, fund_year, Clock(time_machine))
    finance = people[Role.FINANCE]
    read = set(_candidates(finance).values_list("pk", flat=True))
    assert made["reversed"].pk in read
    assert made[Status.CLOSED].pk not in read and made[Status.PAID].pk not in read
    items = [i for i in inbox_items(finance, WorkingCalendar()) if "冲销" in i.title]
    assert [i.action for i in items] == [process.REPOST_PAYMENT.label]
    # The committee: the follow-up to assign and the change to decide, not every executing project.
    member = people[Role.COMMITTEE_MEMBER]
    read = set(_candidates(member).values_list("pk", flat=True))
    assert made["changing"].pk in read and made[Status.APPROVED].pk in read
    actions = {i.action for i in inbox_items(member, WorkingCalendar()) if "变更中" in i.title}
    assert process.DECIDE_CHANGE.label in actions
