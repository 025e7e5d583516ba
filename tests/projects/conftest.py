import datetime as dt

import pytest

from ledger.services import appropriation_record
from tests.factories import FundYearFactory


@pytest.fixture
def fund_year(community):
    """A 2026 fund year of 100,000 yuan whose appropriation has been received (Art. 5)."""
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return fund_year
