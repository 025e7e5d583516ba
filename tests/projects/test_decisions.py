"""What the decision pages show of the year's money is the ledger's (Art. 7(2), 13): the balances
with the commitments approvals make and payments consume, and the same limits the services check
under the account lock (projects.decisions beside projects.services.change_money_problem)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundadmin.roles import Role
from ledger.selectors import fund_balances
from projects import decisions, services
from projects import facts as project_facts
from projects.models import Project, Status

from .helpers import Clock, lines, new_project, walk

pytestmark = pytest.mark.django_db

D = Decimal
CENT = D("0.01")


def _facts(project):
    return project_facts.load([Project.objects.get(pk=project.pk)], kinds={"budget", "money"})[0]


def _small(people, fund_year, total, title):
    project = new_project(people, fund_year, title=title, is_small_group=True, small_group_justification="独居老人")
    services.project_update(project=project, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines(total))
    return project


def test_the_approval_page_reads_the_ledger_and_its_after_is_what_the_ledger_holds_after(
    people, fund_year, time_machine
):
    clock = Clock(time_machine)
    paid = walk(new_project(people, fund_year, title="已付款的项目"), people, Status.PAID, clock)
    held = _small(people, fund_year, "5000.00", "已批准未付款的项目")
    walk(held, people, Status.APPROVED, clock)
    project = _small(people, fund_year, "8000.00", "待审批的项目")
    walk(project, people, Status.COMMITTEE_APPROVED, clock)

    before = fund_balances(fund_year)
    assert before.committed == D("5000.00") and before.spent == paid.settlement.amount  # the ledger's own
    shown = decisions.year_money(Project.objects.get(pk=project.pk), _facts(project), D("8000.00"))
    assert (shown.fund, shown.committed, shown.spent, shown.available) == (
        before.fund,
        before.committed,
        before.spent,
        before.available,
    )
    assert shown.small_group_used == D("5000.00") and shown.cap == D("20000.00")
    assert shown.cap_after == D("7000.00") and shown.cap_percent_after == D("13.0")

    walk(project, people, Status.APPROVED)
    after = fund_balances(fund_year)
    assert after.available == shown.available_after and after.committed == before.committed + D("8000.00")


def test_the_change_page_s_limit_is_the_one_the_committee_s_consent_checks(people, fund_year, time_machine):
    """Up to the limit the page shows, the service finds nothing to refuse; a cent more and both
    refuse, naming the cent — the money, then the 20% cap."""
    clock = Clock(time_machine)
    other = new_project(people, fund_year, title="另一个项目")
    services.project_update(project=other, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("90000.00"))
    walk(other, people, Status.APPROVED, clock)  # 10,000 left of 100,000
    project = walk(new_project(people, fund_year), people, Status.EXECUTING, clock)  # holds 6,000
    project = Project.objects.get(pk=project.pk)
    limits = decisions.change_limits(project, _facts(project))
    assert limits.available == fund_balances(fund_year).available == D("4000.00")
    assert limits.by_money == limits.limit == D("10000.00") and limits.by_cap is None

    assert decisions.change_problems(project, _facts(project), limits.limit) == []
    assert services.change_money_problem(project, limits.limit) is None
    problems = decisions.change_problems(project, _facts(project), limits.limit + CENT)
    assert len(problems) == 1 and "不足 0.01 元" in problems[0]
    assert services.change_money_problem(project, limits.limit + CENT).messages == problems


def test_a_small_group_change_names_the_cap_s_figure(people, fund_year, time_machine):
    clock = Clock(time_machine)
    _other = _small(people, fund_year, "15000.00", "其他受益群体较小的项目")
    walk(_other, people, Status.APPROVED, clock)
    project = walk(_small(people, fund_year, "3000.00", "助餐"), people, Status.EXECUTING, clock)
    project = Project.objects.get(pk=project.pk)
    limits = decisions.change_limits(project, _facts(project))
    assert limits.by_cap == D("5000.00") == limits.limit  # 20,000 cap less the other's 15,000
    assert decisions.change_problems(project, _facts(project), limits.limit) == []
    problems = decisions.change_problems(project, _facts(project), D("7000.00"))
    assert problems == services.change_money_problem(project, D("7000.00")).messages
    assert "超出上限 2,000.00 元" in problems[0]
