"""Balances of a community's fund year — the one source the workflow's money rules read.

CONTRACT (used by projects.services; keep the names and meanings):
    fund_balances(fund_year) -> FundBalances with Decimal fields
        allocation   the year's annual allocation (Art. 5)
        carry_over   carried in from the previous year (Art. 13)
        fund         allocation + carry_over: "the year's total fund" of Art. 7(2)
        received     appropriations received from the city budget
        committed    approved and not yet paid (projects in COMMITTED_STATES, at their approved amount)
        spent        net payments (payments less their reversals)
        available    fund - committed - spent: what can still be approved
        cash         carry_over + received - spent: what is in the subject now (no overdraft below 0)

Beyond the contract: ``carried_out`` (the 结余转下年 entry of a closed year; the book's balance is
``cash - carried_out``), ``committee_summary`` for the committee view, ``small_group_share``
(Art. 7(2)) and ``account_book`` (明细账).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from fundadmin.models import MONEY, Community, FundYear, WorkingCommittee

from .models import JournalEntry, Kind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Art. 7(2): small-group projects together use at most 20% of the year's total fund.
SMALL_GROUP_CAP_RATE = Decimal("0.20")


@dataclass(frozen=True)
class FundBalances:
    allocation: Decimal
    carry_over: Decimal
    received: Decimal
    committed: Decimal
    spent: Decimal
    carried_out: Decimal = ZERO

    @property
    def fund(self) -> Decimal:
        return self.allocation + self.carry_over

    @property
    def available(self) -> Decimal:
        return self.fund - self.committed - self.spent

    @property
    def cash(self) -> Decimal:
        return self.carry_over + self.received - self.spent

    @property
    def book_balance(self) -> Decimal:
        """The balance the account book ends on: 0 once a year's surplus has been carried out."""
        return self.cash - self.carried_out


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENT)


def _journal_sums() -> dict:
    """Conditional sums over the journal that give the CONTRACT's numbers. A reversal counts
    against what it reverses (a reversed receipt lowers ``received``, a reversed payment lowers
    ``spent``), in the year the reversal is booked."""
    out = DecimalField(**MONEY)
    receipt = Q(kind=Kind.APPROPRIATION) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.APPROPRIATION)
    payment = Q(kind=Kind.PAYMENT) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.PAYMENT)
    return {
        "carry_over": Sum(F("credit") - F("debit"), filter=Q(kind=Kind.CARRY_IN), output_field=out),
        "received": Sum(F("credit") - F("debit"), filter=receipt, output_field=out),
        "spent": Sum(F("debit") - F("credit"), filter=payment, output_field=out),
        "carried_out": Sum(F("debit"), filter=Q(kind=Kind.CARRY_OUT), output_field=out),
    }


def committed_amount(fund_year: FundYear) -> Decimal:
    from projects.models import Project

    return Project.objects.for_fund_year(fund_year).committed().aggregate(s=Sum("approved_amount"))["s"] or ZERO


def fund_balances(fund_year: FundYear) -> FundBalances:
    """The year's balances from the journal (one query) and the workflow (one query)."""
    sums = JournalEntry.objects.filter(fund_year=fund_year).aggregate(**_journal_sums())
    return FundBalances(
        allocation=fund_year.allocation,
        carry_over=_money(sums["carry_over"]),
        received=_money(sums["received"]),
        committed=committed_amount(fund_year),
        spent=_money(sums["spent"]),
        carried_out=_money(sums["carried_out"]),
    )


def fund_balances_many(fund_years: list[FundYear]) -> dict[int, FundBalances]:
    """``fund_balances`` for many years at once, in two queries whatever their number."""
    from projects.models import Project

    ids = [fy.pk for fy in fund_years]
    sums = {
        row["fund_year"]: row
        for row in JournalEntry.objects.filter(fund_year__in=ids)
        .values("fund_year")
        .order_by()
        .annotate(**_journal_sums())
    }
    committed = dict(
        Project.objects.filter(fund_year__in=ids)
        .committed()
        .values("fund_year")
        .order_by()
        .annotate(s=Sum("approved_amount"))
        .values_list("fund_year", "s")
    )
    result = {}
    for fy in fund_years:
        row = sums.get(fy.pk, {})
        result[fy.pk] = FundBalances(
            allocation=fy.allocation,
            carry_over=_money(row.get("carry_over")),
            received=_money(row.get("received")),
            committed=_money(committed.get(fy.pk)),
            spent=_money(row.get("spent")),
            carried_out=_money(row.get("carried_out")),
        )
    return result


def small_group_amounts(fund_year_ids: list[int], *, exclude_project_id: int | None = None) -> dict[int, Decimal]:
    """Art. 7(2): per year, the approved amount (or, before approval, the budget total) of the
    small-group projects that count against the cap — the one place this sum is computed. One
    query. ``exclude_project_id`` leaves out the project being checked against the cap."""
    from projects.models import BudgetLine, Project

    budget = (
        BudgetLine.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rows = (
        Project.objects.filter(fund_year__in=fund_year_ids)
        .small_group_counted()
        .exclude(pk=exclude_project_id)
        .annotate(amount=Coalesce(F("approved_amount"), Subquery(budget), output_field=DecimalField(**MONEY)))
        .values_list("fund_year", "amount")
    )
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for fund_year_id, amount in rows:
        totals[fund_year_id] += _money(amount)
    return totals


@dataclass(frozen=True)
class SmallGroupShare:
    used: Decimal
    cap: Decimal

    @property
    def within_cap(self) -> bool:
        return self.used <= self.cap

    @property
    def headroom(self) -> Decimal:
        return self.cap - self.used

    @property
    def percent_of_fund(self) -> Decimal | None:
        """The share of the year's fund, in percent (the cap is 20)."""
        fund = self.cap / SMALL_GROUP_CAP_RATE if self.cap else ZERO
        return (self.used * 100 / fund).quantize(Decimal("0.1")) if fund else None


def small_group_cap(balances: FundBalances) -> Decimal:
    return (balances.fund * SMALL_GROUP_CAP_RATE).quantize(CENT)


def small_group_share(fund_year: FundYear, balances: FundBalances | None = None) -> SmallGroupShare:
    balances = balances or fund_balances(fund_year)
    return SmallGroupShare(used=small_group_amounts([fund_year.pk])[fund_year.pk], cap=small_group_cap(balances))


@dataclass(frozen=True)
class CommunitySummary:
    community: Community
    fund_year: FundYear | None
    balances: FundBalances | None
    small_group: SmallGroupShare | None


@dataclass(frozen=True)
class CommitteeSummary:
    committee: WorkingCommittee
    year: int
    rows: list[CommunitySummary]

    def total(self, name: str) -> Decimal:
        return sum((getattr(r.balances, name) for r in self.rows if r.balances), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        names = ("allocation", "carry_over", "fund", "received", "spent", "committed", "available", "cash")
        return {name: self.total(name) for name in names}


def committee_summary(*, committee: WorkingCommittee, year: int) -> CommitteeSummary:
    """Every community of ``committee`` side by side for ``year`` — five queries in all."""
    communities = list(Community.objects.filter(committee=committee).order_by("code"))
    fund_years = {fy.community_id: fy for fy in FundYear.objects.filter(community__committee=committee, year=year)}
    balances = fund_balances_many(list(fund_years.values()))
    small = small_group_amounts([fy.pk for fy in fund_years.values()])
    rows = []
    for community in communities:
        fy = fund_years.get(community.pk)
        if fy is None:
            rows.append(CommunitySummary(community, None, None, None))
            continue
        fy.community = community
        b = balances[fy.pk]
        rows.append(CommunitySummary(community, fy, b, SmallGroupShare(used=small[fy.pk], cap=small_group_cap(b))))
    return CommitteeSummary(committee, year, rows)


# -- the account book (明细账) ---------------------------------------------------------------------


@dataclass(frozen=True)
class BookLine:
    entry: object
    balance: Decimal


@dataclass
class Book:
    fund_year: FundYear
    lines: list[BookLine] = field(default_factory=list)
    opening: Decimal = ZERO
    filtered: bool = False

    @property
    def total_debit(self) -> Decimal:
        return sum((line.entry.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.entry.credit for line in self.lines), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening


def account_book(
    *,
    fund_year: FundYear,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    kind: str | None = None,
    project_id: int | None = None,
) -> Book:
    """The year's entries in book order with the running (credit) balance after each, in two
    queries. The balance is the account's after that entry, whatever the filter: filters choose
    rows to show, they do not invent a different account. ``opening`` is the balance before the
    first row shown when filtering by date."""
    entries = (
        JournalEntry.objects.for_fund_year(fund_year)
        .in_book_order()
        .select_related("project", "reversed_entry__fund_year", "fund_year", "created_by")
        .prefetch_related("vouchers")
    )
    balance, opening, lines = ZERO, ZERO, []
    for entry in entries:
        entry.fund_year = fund_year
        balance += entry.credit - entry.debit
        if date_from and entry.entry_date < date_from:
            opening = balance
            continue
        if date_to and entry.entry_date > date_to:
            continue
        if kind and entry.kind != kind:
            continue
        if project_id and entry.project_id != project_id:
            continue
        lines.append(BookLine(entry, balance))
    return Book(fund_year, lines, opening, filtered=bool(date_from or date_to or kind or project_id))
