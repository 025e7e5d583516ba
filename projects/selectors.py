"""Reads about projects that several pages and rules share."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce

from fundadmin.models import FundYear
from fundadmin.permissions import visible_communities
from fundadmin.workdays import Deadline, WorkingCalendar
from ledger.selectors import SmallGroupShare, fund_balances, small_group_amounts, small_group_cap

from . import process
from .models import BudgetLine, Project
from .process import Status, Within

ZERO = Decimal("0.00")
APPROVAL_STATES = process.APPROVAL_STATES
APPROVAL_CLOCK: Within = process.STATE[Status.SUBMITTED].clock
APPROVAL_DAYS = APPROVAL_CLOCK.days  # Art. 11: the leadership meeting within 5 working days of receipt
# Small-group projects on their way to approval: counted against the 20% cap at their budget
# total, before they hold a commitment in the ledger (Art. 7(2)). Once approved, the ledger counts
# them (``ledger.selectors.small_group_amounts``).
SMALL_GROUP_PENDING_STATES = tuple(
    s
    for s in process.SMALL_GROUP_COUNTED_STATES
    if s not in process.COMMITTED_STATES and s not in process.PAID_STATES and s not in process.ENDED_STATES
)


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


def small_group_pending(fund_year_ids: list[int], *, exclude_project_id: int | None = None) -> dict[int, Decimal]:
    """Per year, the budget totals of the small-group projects still on their way to approval
    (Art. 7(2)), without ``exclude_project_id``. One query."""
    budget = (
        BudgetLine.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rows = (
        Project.objects.filter(fund_year__in=fund_year_ids, is_small_group=True, status__in=SMALL_GROUP_PENDING_STATES)
        .exclude(pk=exclude_project_id)
        .annotate(amount=Subquery(budget, output_field=DecimalField(max_digits=14, decimal_places=2)))
        .values_list("fund_year", "amount")
    )
    totals: dict[int, Decimal] = {}
    for fund_year_id, amount in rows:
        totals[fund_year_id] = totals.get(fund_year_id, ZERO) + (amount or ZERO).quantize(Decimal("0.01"))
    return totals


def small_group_used(fund_year: FundYear, *, exclude_project_id: int | None = None) -> Decimal:
    """What the year's small-group projects count against the cap (Art. 7(2)): what the approved
    ones hold in the ledger, plus the budgets of those on their way to approval."""
    approved = small_group_amounts([fund_year.pk], exclude_project_id=exclude_project_id)[fund_year.pk]
    pending = small_group_pending([fund_year.pk], exclude_project_id=exclude_project_id).get(fund_year.pk, ZERO)
    return approved + pending


def small_group_usage(fund_year: FundYear, *, exclude: Project | None = None) -> SmallGroupShare:
    """The 20% cap of Art. 7(2) for one fund year, without ``exclude`` (the project being checked):
    the ledger's approved small-group money and the budgets still on their way to approval."""
    used = small_group_used(fund_year, exclude_project_id=exclude.pk if exclude else None)
    return SmallGroupShare(used=used, cap=small_group_cap(fund_balances(fund_year)))


def stepper(project: Project) -> list[tuple[str, str]]:
    """(label, 'done' | 'current' | 'todo') per stage; a withdrawn or rejected project shows none done."""
    current = project.state.stage
    steps = []
    for stage in process.Stage:
        if current is None:
            state = "todo"
        elif process.STAGE_INDEX[stage] < process.STAGE_INDEX[current] or project.status == Status.CLOSED:
            state = "done"
        else:
            state = "current" if stage == current else "todo"
        steps.append((stage.label, state))
    return steps


def visible_projects(user) -> QuerySet[Project]:
    return Project.objects.filter(community__in=visible_communities(user))


def approval_deadline(project: Project, calendar: WorkingCalendar | None = None) -> Deadline | None:
    """When the working committee's decision is due (Art. 11), or None if the form has not been received."""
    if project.received_on is None:
        return None
    return (calendar or WorkingCalendar()).add_working_days(project.received_on, APPROVAL_DAYS)


def approval_overdue(project: Project, today: datetime.date, calendar: WorkingCalendar | None = None) -> bool:
    if project.status not in APPROVAL_STATES:
        return False
    deadline = approval_deadline(project, calendar)
    return deadline is not None and today > deadline.date


def last_receipt_overdue_by(today: datetime.date, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The latest receipt date whose approval is overdue on ``today``: a form received on that
    day or before and still awaiting a decision is overdue (Art. 11). The deadline never moves
    earlier for a later receipt, so walking back from today finds it — a SQL filter on
    ``received_on`` instead of a deadline computed row by row."""
    calendar = calendar or WorkingCalendar()
    day = today - datetime.timedelta(days=1)
    while calendar.add_working_days(day, APPROVAL_DAYS).date >= today:
        day -= datetime.timedelta(days=1)
    return day
