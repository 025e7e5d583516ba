"""What a decision screen shows beside its form: the thing being decided (UX.md "Decide with the
thing in view").

Whoever approves sees the plan and its budget lines, the year's money before and after this
approval and the 20% cap's use, the notice's dates and every objection with its answer, the day
the form was received and the deadline; whoever signs an invoice sees the invoice, its scan and
the signatures before theirs; whoever pays gets the form filled from what the system knows and
sees what remains of the approved amount; whoever asks for a change sees what the year can bear.

Read-only. Which steps show which panel is derived from the table (``projects.process``): the
steps taken in the approval states, the steps that ask for a signature or a settlement.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from fundadmin.workdays import Deadline, WorkingCalendar
from publicity.models import Notice, Objection

from . import process
from .facts import Facts
from .models import Document, Invoice, Project
from .process import Step
from .selectors import approval_deadline

ZERO = Decimal("0.00")

APPROVAL_STEPS = frozenset(
    go.step
    for state in process.STATES
    if state.status in process.APPROVAL_STATES
    for go in state.leaves
    if go.step is not process.WITHDRAW
)
# The approvals proper (not a return or a rejection): the ones that commit the money.
APPROVING_STEPS = frozenset({process.APPROVE_FOR_COMMITTEE, process.APPROVE_FOR_CONSTRUCTION})
SIGNATURE_STEPS = frozenset(step for step in process.STEPS if step.asks == "signature")
SETTLEMENT_STEPS = frozenset(step for step in process.STEPS if step.asks == "settlement")
CHANGE_STEPS = frozenset({process.REQUEST_CHANGE, process.DECIDE_CHANGE})


def kinds_for(step: Step) -> set[str]:
    """The facts the step's rules read, and what its panel shows."""
    kinds = set().union(*(rule.reads for rule in step.all_rules))
    if step in APPROVAL_STEPS:
        kinds |= {"budget", "money", "notices", "reviews"}
    if step in SIGNATURE_STEPS or step in SETTLEMENT_STEPS:
        kinds |= {"documents", "signatures"}
    if step in CHANGE_STEPS:
        kinds |= {"money", "change_requests"}
    return kinds


@dataclass(frozen=True)
class Deadline11:
    """The working committee's clock (Art. 11): received on, due by, and how late today is."""

    received_on: datetime.date
    due: Deadline
    late_working_days: int  # 0 while on time

    @property
    def overdue(self) -> bool:
        return self.late_working_days > 0


def approval_clock(project: Project, today: datetime.date, calendar: WorkingCalendar) -> Deadline11 | None:
    due = approval_deadline(project, calendar)
    if due is None:
        return None
    late = calendar.working_days_between(due.date, today).days if today > due.date else 0
    return Deadline11(project.received_on, due, late)


@dataclass(frozen=True)
class YearMoney:
    """The year's money before and after this project takes its amount (Art. 7(2), 13)."""

    fund: Decimal
    committed: Decimal
    spent: Decimal
    available: Decimal
    amount: Decimal  # what this decision commits
    small_group: bool
    small_group_used: Decimal  # by the year's other small-group projects
    cap: Decimal

    @property
    def available_after(self) -> Decimal:
        return self.available - self.amount

    @property
    def cap_headroom(self) -> Decimal:
        return max(self.cap - self.small_group_used, ZERO)

    @property
    def cap_after(self) -> Decimal:
        return self.cap - self.small_group_used - self.amount

    @property
    def cap_percent_after(self) -> Decimal | None:
        """The year's small-group projects, with this one, as a share of the fund (the cap is 20)."""
        if not self.fund:
            return None
        return ((self.small_group_used + self.amount) * 100 / self.fund).quantize(Decimal("0.1"))

    @property
    def fits(self) -> bool:
        return self.available_after >= ZERO and (not self.small_group or self.cap_after >= ZERO)


def year_money(project: Project, facts: Facts, amount: Decimal) -> YearMoney:
    m = facts.money
    b = m.balances
    return YearMoney(
        fund=b.fund,
        committed=b.committed,
        spent=b.spent,
        available=b.available,
        amount=amount,
        small_group=project.is_small_group,
        small_group_used=m.small_group_used,
        cap=m.cap,
    )


@dataclass(frozen=True)
class ChangeLimits:
    """What a change to the project's amount may reach this year: the money left plus what the
    project holds, and under the 20% cap for a small-group project (Art. 7(2), 11, 13)."""

    current: Decimal
    available: Decimal
    by_money: Decimal
    small_group: bool
    cap: Decimal
    small_group_used: Decimal
    by_cap: Decimal | None

    @property
    def limit(self) -> Decimal:
        return min(self.by_money, self.by_cap) if self.by_cap is not None else self.by_money


def change_limits(project: Project, facts: Facts) -> ChangeLimits:
    m = facts.money
    current = project.current_amount
    by_cap = max(m.cap - m.small_group_used, ZERO) if project.is_small_group else None
    return ChangeLimits(
        current=current,
        available=m.balances.available,
        by_money=max(current + m.balances.available, ZERO),
        small_group=project.is_small_group,
        cap=m.cap,
        small_group_used=m.small_group_used,
        by_cap=by_cap,
    )


def change_problems(project: Project, facts: Facts, amount: Decimal) -> list[str]:
    """Every reason the year could not bear the project at ``amount`` — the money and the cap
    each with the figure missing — as the committee's consent would find them today
    (``projects.services.change_money_problem`` stops at the first)."""
    found = []
    for answer in (
        facts.money.shortfall(amount, replacing=project.approved_amount or ZERO),
        facts.money.small_group_problem(project, amount),
    ):
        if answer is not True:
            found.append(answer)
    return found


@dataclass
class PlanNotice:
    notice: Notice
    ends: Deadline
    objections: list[Objection] = field(default_factory=list)


def plan_notice(project: Project, facts: Facts) -> PlanNotice | None:
    """The plan's notice that stands (the latest current version) and every objection raised to
    any version of the plan's notices, with its answer and the committee's decision (Art. 10)."""
    plans = [n for n in facts.notices if n.kind == Notice.Kind.PLAN]
    standing = max((n for n in plans if n.is_current), key=lambda n: (n.posted_on, n.pk), default=None)
    if standing is None:
        return None
    objections = list(
        Objection.objects.filter(notice__in=[n.pk for n in plans])
        .select_related("notice", "answered_by", "decided_by")
        .order_by("submitted_at", "pk")
    )
    return PlanNotice(standing, facts.notice_end(standing), objections)


@dataclass(frozen=True)
class Scan:
    document: Document

    @property
    def is_image(self) -> bool:
        return self.document.content_type.startswith("image/")


def current_documents(facts: Facts, kinds) -> list[Scan]:
    kinds = {str(k) for k in kinds}
    return [Scan(d) for d in facts.documents if d.kind in kinds and d.superseded_by_id is None]


def invoice_of(project: Project) -> Invoice | None:
    return Invoice.objects.filter(project=project).select_related("recorded_by").first()


def settlement_initial(project: Project, invoice: Invoice | None, today: datetime.date) -> dict:
    """What the settlement form starts with: the signed invoice's amount and issuer, else the
    approved amount and the contractor named in the plan (Art. 13)."""
    initial = {"paid_on": today, "method": "transfer" if project.pays_by_invoice else "cash"}
    if invoice is not None:
        initial |= {"amount": invoice.amount, "payee": invoice.issuer}
    else:
        initial |= {"amount": project.approved_amount, "payee": project.contractor_name}
    return {k: v for k, v in initial.items() if v not in (None, "")}
