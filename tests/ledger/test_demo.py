import datetime
from decimal import Decimal

import pytest
import time_machine

from fundadmin.demo import core
from fundadmin.models import FundYear
from ledger import demo
from ledger.models import JournalEntry
from ledger.selectors import fund_balances
from ledger.verification import ledger_verify

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2026, 11, 28, 9, 0))
def test_demo_books_two_years_with_2025_closed_into_2026():
    core.load()
    demo.load()
    count = JournalEntry.objects.count()
    demo.load()  # idempotent
    assert JournalEntry.objects.count() == count
    for fy in FundYear.objects.filter(year=2026).select_related("community"):
        previous = FundYear.objects.get(community=fy.community, year=2025)
        assert previous.is_closed and not fy.is_closed
        b = fund_balances(fy)
        assert b.received == Decimal("100000.00") and b.carry_over == fund_balances(previous).cash
        assert b.carry_over == Decimal("100000.00")
    assert ledger_verify() == []
