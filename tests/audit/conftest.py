import datetime as dt

import pytest

from ledger.services import appropriation_record
from tests.factories import FundYearFactory
from tests.projects.helpers import Clock


@pytest.fixture
def fund_year(community):
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return fund_year


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=dt.date(2026, 9, 1))


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
