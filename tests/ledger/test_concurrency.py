"""Two finance staff settle at the same moment; only one payment fits the money (Art. 13)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ledger.models import JournalEntry, Kind
from ledger.selectors import fund_balances
from ledger.services import payment_post
from tests.factories import FundYearFactory

from .factories import funded, project_create, settlement_create


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_payments_cannot_both_pass_the_overdraft_check(community):
    fund_year = FundYearFactory(community=community, year=2026)
    funded(fund_year, Decimal("1000.00"))
    settlements = []
    for _ in range(2):
        project = project_create(fund_year, approved_amount=Decimal("600.00"))
        settlements.append(settlement_create(project, Decimal("600.00"), datetime.date(2026, 6, 1)))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def settle(settlement):
        try:
            barrier.wait(timeout=10)
            payment_post(settlement=settlement, by=None)
            outcomes.append("paid")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=settle, args=(s,)) for s in settlements]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["overdraft", "paid"]
    assert JournalEntry.objects.filter(kind=Kind.PAYMENT).count() == 1
    assert fund_balances(fund_year).cash == Decimal("400.00")
    assert list(JournalEntry.objects.order_by("voucher_no").values_list("voucher_no", flat=True)) == [1, 2]
