"""Reads about projects that several pages and rules share."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Sum, When
from django.db.models.functions import Coalesce
from django_fsm import Transition

from fundadmin.models import FundYear
from fundadmin.permissions import Verdict

from .models import STAGE_INDEX, STAGES, Project, Status

ZERO = Decimal("0.00")


def with_current_amount(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate ``amount_now``: the approved (or changed) amount, else the budget total."""
    return qs.annotate(
        budget_sum=Coalesce(
            Sum("budget_lines__amount"), ZERO, output_field=DecimalField(max_digits=14, decimal_places=2)
        ),
    ).annotate(
        amount_now=Case(
            When(approved_amount__isnull=False, then=F("approved_amount")),
            default=F("budget_sum"),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )


def small_group_usage(fund_year: FundYear, *, exclude: Project | None = None):
    """The 20% cap of Art. 7(2) for one fund year, without ``exclude`` (the project being checked).
    Computed by the ledger, the one source of the year's money."""
    from ledger.selectors import SmallGroupShare, fund_balances, small_group_amounts, small_group_cap

    used = small_group_amounts([fund_year.pk], exclude_project_id=exclude.pk if exclude else None)[fund_year.pk]
    return SmallGroupShare(used=used, cap=small_group_cap(fund_balances(fund_year)))


def explain(project: Project, transition: Transition, user) -> Verdict:
    """Why this user may or may not take this transition now: permission first, then rules."""
    verdict = transition.permission(project, user) if transition.permission else Verdict(True)
    if not verdict:
        return verdict if isinstance(verdict, Verdict) else Verdict(False, "您没有办理此事项的权限。")
    for condition in transition.conditions:
        if not condition(project):
            return Verdict(False, _condition_message(project, condition))
    return Verdict(True)


def _condition_message(project: Project, condition) -> str:
    from publicity.selectors import completion_notice_clearance, plan_notice_clearance

    # The notice rules know the exact date they end; say it rather than the general sentence.
    if condition.__name__ == "plan_notice_cleared":
        return plan_notice_clearance(project).reason
    if condition.__name__ == "completion_notice_cleared":
        return completion_notice_clearance(project).reason
    return getattr(condition, "message", "条件尚不满足。")


def stepper(project: Project) -> list[tuple[str, str]]:
    """(label, 'done' | 'current' | 'todo') per stage; a withdrawn or rejected project shows none done."""
    current = STAGE_INDEX.get(project.stage)
    steps = []
    for i, (_, label, _) in enumerate(STAGES):
        if current is None:
            state = "todo"
        elif i < current or project.status == Status.CLOSED:
            state = "done"
        else:
            state = "current" if i == current else "todo"
        steps.append((label, state))
    return steps


def visible_projects(user) -> QuerySet[Project]:
    from fundadmin.permissions import visible_communities

    return Project.objects.filter(community__in=visible_communities(user))


APPROVAL_DAYS = 5  # Art. 11: the leadership meeting within 5 working days of receiving the form
APPROVAL_STATES = (Status.SUBMITTED, Status.COMMITTEE_APPROVED, Status.CONSTRUCTION_APPROVED)


def approval_deadline(project: Project, calendar=None):
    """When the working committee's decision is due, or None if the form has not been received."""
    from fundadmin.workdays import WorkingCalendar

    if project.received_on is None:
        return None
    return (calendar or WorkingCalendar()).add_working_days(project.received_on, APPROVAL_DAYS)


def approval_overdue(project: Project, today, calendar=None) -> bool:
    if project.status not in APPROVAL_STATES:
        return False
    deadline = approval_deadline(project, calendar)
    return deadline is not None and today > deadline.date


def last_receipt_overdue_by(today, calendar=None):
    """The latest receipt date whose approval is overdue on ``today``: a form received on that
    day or before and still awaiting a decision is overdue (Art. 11). The deadline never moves
    earlier for a later receipt, so walking back from today finds it — a SQL filter on
    ``received_on`` instead of a deadline computed row by row."""
    from fundadmin.workdays import WorkingCalendar

    calendar = calendar or WorkingCalendar()
    day = today - datetime.timedelta(days=1)
    while calendar.add_working_days(day, APPROVAL_DAYS).date >= today:
        day -= datetime.timedelta(days=1)
    return day
