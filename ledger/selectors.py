"""Balances of a community's fund year — the one source the workflow's money rules read.

CONTRACT (used by projects.services; keep the names and meanings):
    fund_balances(fund_year) -> FundBalances with Decimal fields
        allocation   the year's annual allocation (Art. 5)
        carry_over   carried in from the previous year (Art. 13)
        fund         allocation + carry_over: "the year's total fund" of Art. 7(2)
        received     appropriations received from the city budget
        committed    approved and not yet paid: the year's open commitments (指标占用,
                     ``CommitmentEntry``: approvals − payments − releases, ± what the close carried)
        spent        net payments (payments less their reversals)
        available    fund - committed - spent: what can still be approved
        cash         carry_over + received - spent: what is in the subject now (no overdraft below 0)

Beyond the contract: ``carried_out`` (the 结余转下年 entry of a closed year; the book's balance is
``cash - carried_out``), ``commitments_carried_in`` / ``commitments_carried_out`` (what the
year-end close carried), ``committee_summary`` for the committee view, ``small_group_share``
(Art. 7(2)), ``year_commitments`` (each project's commitment in a year), ``net_payments`` and
``account_book`` (明细账).

Everything here reads the ledger's own tables: the projects' states are the workflow's business,
what they hold of the fund is the ledger's (docs/architecture.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, Q, Sum

from fundadmin.models import MONEY, Community, FundYear, WorkingCommittee

from .models import (
    COMMITMENT_MINUS,
    COMMITMENT_PLUS,
    SMALL_GROUP_MINUS,
    SMALL_GROUP_PLUS,
    CommitmentEntry,
    CommitmentKind,
    JournalEntry,
    Kind,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Art. 7(2): small-group projects together use at most 20% of the year's total fund.
SMALL_GROUP_CAP_RATE = Decimal("0.20")
_OUT = DecimalField(**MONEY)


@dataclass(frozen=True)
class FundBalances:
    allocation: Decimal
    carry_over: Decimal
    received: Decimal
    committed: Decimal
    spent: Decimal
    carried_out: Decimal = ZERO
    commitments_carried_in: Decimal = ZERO  # part of ``committed``, brought in by last year's close
    commitments_carried_out: Decimal = ZERO  # carried into next year with the surplus (Art. 13)

    @property
    def fund(self) -> Decimal:
        return self.allocation + self.carry_over

    @property
    def available(self) -> Decimal:
        return self.fund - self.committed - self.spent

    @property
    def carry_forward(self) -> Decimal:
        """What is not spent of the year's fund: it carries over to the next year (Art. 13)."""
        return self.fund - self.spent

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
    receipt = Q(kind=Kind.APPROPRIATION) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.APPROPRIATION)
    payment = Q(kind=Kind.PAYMENT) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.PAYMENT)
    return {
        "carry_over": Sum(F("credit") - F("debit"), filter=Q(kind=Kind.CARRY_IN), output_field=_OUT),
        "received": Sum(F("credit") - F("debit"), filter=receipt, output_field=_OUT),
        "spent": Sum(F("debit") - F("credit"), filter=payment, output_field=_OUT),
        "carried_out": Sum(F("debit"), filter=Q(kind=Kind.CARRY_OUT), output_field=_OUT),
    }


def _commitment_sums() -> dict:
    """What approved projects hold of a year (Art. 11, 13), from the commitments alone."""
    return {
        "plus": Sum("amount", filter=Q(kind__in=COMMITMENT_PLUS), output_field=_OUT),
        "minus": Sum("amount", filter=Q(kind__in=COMMITMENT_MINUS), output_field=_OUT),
        "carried_in": Sum("amount", filter=Q(kind=CommitmentKind.CARRY_IN), output_field=_OUT),
        "carried_out": Sum("amount", filter=Q(kind=CommitmentKind.CARRY_OUT), output_field=_OUT),
    }


def _balances(fund_year: FundYear, journal: dict, commitments: dict) -> FundBalances:
    return FundBalances(
        allocation=fund_year.allocation,
        carry_over=_money(journal.get("carry_over")),
        received=_money(journal.get("received")),
        committed=_money(commitments.get("plus")) - _money(commitments.get("minus")),
        spent=_money(journal.get("spent")),
        carried_out=_money(journal.get("carried_out")),
        commitments_carried_in=_money(commitments.get("carried_in")),
        commitments_carried_out=_money(commitments.get("carried_out")),
    )


def committed_amount(fund_year: FundYear) -> Decimal:
    """The year's open commitments (approved, not yet paid)."""
    return fund_balances(fund_year).committed


def fund_balances(fund_year: FundYear) -> FundBalances:
    """The year's balances from the journal (one query) and the commitments (one query)."""
    journal = JournalEntry.objects.filter(fund_year=fund_year).aggregate(**_journal_sums())
    commitments = CommitmentEntry.objects.filter(fund_year=fund_year).aggregate(**_commitment_sums())
    return _balances(fund_year, journal, commitments)


def fund_balances_many(fund_years: list[FundYear]) -> dict[int, FundBalances]:
    """``fund_balances`` for many years at once, in two queries whatever their number."""
    ids = [fy.pk for fy in fund_years]
    journal = {
        row["fund_year"]: row
        for row in JournalEntry.objects.filter(fund_year__in=ids)
        .values("fund_year")
        .order_by()
        .annotate(**_journal_sums())
    }
    commitments = {
        row["fund_year"]: row
        for row in CommitmentEntry.objects.filter(fund_year__in=ids)
        .values("fund_year")
        .order_by()
        .annotate(**_commitment_sums())
    }
    return {fy.pk: _balances(fy, journal.get(fy.pk, {}), commitments.get(fy.pk, {})) for fy in fund_years}


def small_group_amounts(fund_year_ids: list[int], *, exclude_project_id: int | None = None) -> dict[int, Decimal]:
    """Art. 7(2): per year, what the approved small-group projects count against the cap — what
    each was approved for in that year (or carried into it by the year-end close), less what it
    released — the one place the ledger computes this sum. One query. ``exclude_project_id``
    leaves out the project being checked against the cap.

    Projects still on their way to approval hold no commitment yet; the workflow adds their
    budgets where its rules check the cap (``projects.selectors.small_group_usage``)."""
    rows = (
        CommitmentEntry.objects.filter(fund_year__in=fund_year_ids, small_group=True)
        .exclude(project_id=exclude_project_id)
        .values("fund_year")
        .order_by()
        .annotate(
            plus=Sum("amount", filter=Q(kind__in=SMALL_GROUP_PLUS), output_field=_OUT),
            minus=Sum("amount", filter=Q(kind__in=SMALL_GROUP_MINUS), output_field=_OUT),
        )
    )
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[row["fund_year"]] = _money(row["plus"]) - _money(row["minus"])
    return totals


# -- each project's commitment --------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentLine:
    """What one approved project holds in one fund year, and what the year-end close moved."""

    project: object  # the workflow's project (number, title), read through the entries' link
    held: Decimal  # open at the end of the rows read (what is approved and not yet paid)
    committed: Decimal  # approved in this year, less what was released
    carried_in: Decimal  # brought in from last year by its close
    carried_out: Decimal  # carried into next year by this year's close
    small_group: bool

    @property
    def carried(self) -> bool:
        return bool(self.carried_in or self.carried_out)


def year_commitments(fund_year: FundYear) -> list[CommitmentLine]:
    """Every project with a commitment movement in ``fund_year``, in project number order (one
    query): what it holds now, and what the close carried in or out. The close report, the book
    page and the annual summaries list these."""
    sums: dict[int, dict] = {}
    for e in CommitmentEntry.objects.filter(fund_year=fund_year).select_related("project").order_by("pk"):
        row = sums.setdefault(
            e.project_id,
            {"project": e.project, "held": ZERO, "committed": ZERO, "in": ZERO, "out": ZERO, "small": e.small_group},
        )
        row["held"] += e.signed
        if e.kind == CommitmentKind.COMMIT:
            row["committed"] += e.amount
        elif e.kind == CommitmentKind.RELEASE:
            row["committed"] -= e.amount
        elif e.kind == CommitmentKind.CARRY_IN:
            row["in"] += e.amount
        elif e.kind == CommitmentKind.CARRY_OUT:
            row["out"] += e.amount
    lines = [
        CommitmentLine(r["project"], r["held"], r["committed"], r["in"], r["out"], r["small"]) for r in sums.values()
    ]
    return sorted(lines, key=lambda line: line.project.number)


def carried_commitments(fund_year: FundYear) -> list[tuple[object, Decimal]]:
    """(project, amount) of the approved, unpaid projects whose commitments the year's close
    carried into the next year — or, while the year is open, those it will carry (what they hold
    now). The year's summaries show them as carried (Art. 13, 15, 16)."""
    amounts = ((line.project, line.carried_out or line.held) for line in year_commitments(fund_year))
    return [(project, amount) for project, amount in amounts if amount > 0]


@dataclass(frozen=True)
class YearFigures:
    balances: FundBalances
    commitments: list[CommitmentLine]
    small_group: SmallGroupShare


def year_figures(fund_year: FundYear) -> YearFigures:
    """The book page's figures in two queries: the journal's sums, and the year's commitment
    entries, from which the committed total, the carries, each project's line and the 20% cap's
    use are all summed (the same numbers ``fund_balances`` and ``small_group_share`` give)."""
    journal = JournalEntry.objects.filter(fund_year=fund_year).aggregate(**_journal_sums())
    lines = year_commitments(fund_year)
    commitments = {
        "plus": sum((line.held for line in lines), ZERO),
        "minus": ZERO,
        "carried_in": sum((line.carried_in for line in lines), ZERO),
        "carried_out": sum((line.carried_out for line in lines), ZERO),
    }
    balances = _balances(fund_year, journal, commitments)
    used = sum((line.committed + line.carried_in for line in lines if line.small_group), ZERO)
    return YearFigures(balances, lines, SmallGroupShare(used=used, cap=small_group_cap(balances)))


def project_held(project_id: int) -> dict[int, Decimal]:
    """What a project holds, per fund year (by id), over all its years. Carries net to zero."""
    rows = (
        CommitmentEntry.objects.filter(project_id=project_id)
        .values("fund_year")
        .order_by()
        .annotate(
            plus=Sum("amount", filter=Q(kind__in=COMMITMENT_PLUS), output_field=_OUT),
            minus=Sum("amount", filter=Q(kind__in=COMMITMENT_MINUS), output_field=_OUT),
        )
    )
    return {row["fund_year"]: _money(row["plus"]) - _money(row["minus"]) for row in rows}


def held_by_projects(project_ids) -> dict[int, Decimal]:
    """What each project holds in all (one query)."""
    rows = (
        CommitmentEntry.objects.filter(project__in=project_ids)
        .values("project")
        .order_by()
        .annotate(
            plus=Sum("amount", filter=Q(kind__in=COMMITMENT_PLUS), output_field=_OUT),
            minus=Sum("amount", filter=Q(kind__in=COMMITMENT_MINUS), output_field=_OUT),
        )
    )
    return {row["project"]: _money(row["plus"]) - _money(row["minus"]) for row in rows}


@dataclass(frozen=True)
class Carry:
    """A commitment the year-end close carried (Art. 13): from which year into which, how much."""

    from_year: int
    to_year: int
    amount: Decimal


def project_carries(project_id: int) -> list[Carry]:
    """The year-end carries of one project's commitment, oldest first (one query)."""
    rows = (
        CommitmentEntry.objects.filter(project_id=project_id, kind=CommitmentKind.CARRY_IN)
        .select_related("fund_year", "carried_from__fund_year")
        .order_by("fund_year__year")
    )
    return [Carry(r.carried_from.fund_year.year, r.fund_year.year, r.amount) for r in rows]


def net_payments(project_ids) -> dict[int, Decimal]:
    """Per project, what the journal has paid it net of reversals (one query). A project whose
    payment was reversed and not posted again has 0."""
    payment = Q(kind=Kind.PAYMENT) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.PAYMENT)
    rows = (
        JournalEntry.objects.filter(payment, project__in=project_ids)
        .values("project")
        .order_by()
        .annotate(net=Sum(F("debit") - F("credit"), output_field=_OUT))
    )
    return {row["project"]: _money(row["net"]) for row in rows}


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
