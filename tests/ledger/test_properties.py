"""Property tests (hypothesis): random sequences of appropriations, payments, reversals and
closes, checked step by step against an independent model of the books (Art. 5, 13, 17) — and,
since issue 14, of the commitments: a payment consumes what its approval committed, a reversed
payment holds it again, the close carries it with its money or is refused."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundadmin.models import FundYear
from ledger.models import JournalEntry, Kind
from ledger.selectors import fund_balances
from ledger.services import appropriation_record, entry_reverse, fund_year_close, payment_post
from ledger.verification import ledger_verify
from tests.factories import CommunityFactory, FundYearFactory

from .factories import project_create, settlement_create

ZERO = Decimal("0.00")
AFTER = datetime.date(2040, 1, 2)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("70000"), places=2)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("appropriate"), amounts),
        st.tuples(st.just("pay"), amounts),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=1000)),
        st.tuples(st.just("close"), st.none()),
    ),
    max_size=20,
)


@dataclass
class Year:
    allocation: Decimal
    carry_over: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO
    committed: Decimal = ZERO  # held by reversed payments not posted again, or carried in

    @property
    def cash(self) -> Decimal:
        return self.carry_over + self.received - self.spent

    @property
    def available(self) -> Decimal:
        return self.allocation + self.carry_over - self.committed - self.spent


@dataclass
class Model:
    years: dict[int, Year] = field(default_factory=dict)
    entries: list[tuple[int, str, Decimal, int]] = field(default_factory=list)  # pk, kind, amount, year
    reversed: set[int] = field(default_factory=set)
    projects: dict[int, str] = field(default_factory=dict)  # payment entry pk -> project number


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
def test_random_books_always_balance(ops):
    with transaction.atomic():
        _run(ops)
        transaction.set_rollback(True)


def _run(ops):
    community = CommunityFactory()
    model = Model()
    for year in (2024, 2025, 2026):
        FundYearFactory(community=community, year=year, allocation=Decimal("100000.00"))
        model.years[year] = Year(Decimal("100000.00"))
    current = 2024
    for op, arg in ops:
        fund_year = FundYear.objects.get(community=community, year=current)
        y = model.years[current]
        if op == "appropriate":
            ok = y.received + arg <= y.allocation
            try:
                e = appropriation_record(
                    fund_year=fund_year, amount=arg, entry_date=datetime.date(current, 3, 1), by=None
                )
                y.received += arg
                model.entries.append((e.pk, Kind.APPROPRIATION, arg, current))
            except ValidationError as error:
                assert error.code == "over_allocation"
                ok = not ok
            assert ok
        elif op == "pay":
            try:
                # The workflow's payment step is one transaction: a refused payment leaves no
                # paid project and no settlement behind.
                with transaction.atomic():
                    project = project_create(fund_year, approved_amount=arg)
                    settlement = settlement_create(project, arg, datetime.date(current, 6, 1))
                    e = payment_post(settlement=settlement, by=None)
                assert y.cash >= arg and y.available >= arg
                y.spent += arg
                model.entries.append((e.pk, Kind.PAYMENT, arg, current))
                model.projects[e.pk] = project.number
            except ValidationError as error:
                if error.code == "insufficient_funds":  # the approval's commitment, checked first
                    assert y.available < arg
                else:
                    assert error.code == "overdraft" and y.cash < arg
        elif op == "reverse":
            candidates = [e for e in model.entries if e[0] not in model.reversed]
            if not candidates:
                continue
            pk, kind, amount, _ = candidates[arg % len(candidates)]
            entry = JournalEntry.objects.get(pk=pk)
            try:
                entry_reverse(entry=entry, reason="测试冲销", by=None, entry_date=datetime.date(current, 9, 1))
                if kind == Kind.APPROPRIATION:
                    assert y.cash >= amount
                    y.received -= amount
                else:
                    y.spent -= amount
                    y.committed += amount  # owed again until posted again
                model.reversed.add(pk)
            except ValidationError as error:
                assert error.code == "overdraft" and kind == Kind.APPROPRIATION and y.cash < amount
        elif op == "close":
            try:
                result = fund_year_close(fund_year=fund_year, by=None, today=AFTER)
            except ValidationError as error:
                # The commitments cross the year end with their money, or not at all.
                assert error.code == "commitments_exceed_surplus" and y.committed > y.cash
            else:
                assert y.committed <= y.cash
                assert result.surplus == y.cash and result.carried_total == y.committed
                nxt = model.years.setdefault(current + 1, Year(result.next_year.allocation))
                nxt.carry_over, nxt.committed, y.committed = y.cash, nxt.committed + y.committed, ZERO
                current += 1
        for year, expected in model.years.items():
            fy = FundYear.objects.filter(community=community, year=year).first()
            if fy is None:
                continue
            b = fund_balances(fy)
            assert (b.carry_over, b.received, b.spent) == (expected.carry_over, expected.received, expected.spent)
            assert b.committed == expected.committed
            assert b.cash >= 0
            if year == current:
                assert b.available >= 0
    # check_ledger recomputes everything; the only thing it may report is a paid project whose
    # payment was reversed (it then has no net payment until the settlement is posted again).
    unpaid = {model.projects[pk] for pk in model.reversed if pk in model.projects}
    problems = ledger_verify()
    assert {p.split("：")[0].split("（")[0].removeprefix("项目 ") for p in problems} == unpaid
    # Carry-over matches: every closed year's surplus is the next year's carry-in.
    for fy in FundYear.objects.filter(community=community, closed_at__isnull=False):
        nxt = FundYear.objects.get(community=community, year=fy.year + 1)
        assert fund_balances(nxt).carry_over == fund_balances(fy).cash == fund_balances(fy).carried_out
