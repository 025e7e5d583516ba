import datetime as dt

import pytest

from fundadmin.roles import Role
from ledger.services import appropriation_record
from projects.models import Status
from tests.factories import FundYearFactory, user_with_role
from tests.projects.helpers import Clock, new_project, walk


@pytest.fixture
def fund_year(community):
    """A 2026 fund year of 100,000 yuan whose appropriation has been received (Art. 5)."""
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return fund_year


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=dt.date(2026, 9, 1))


@pytest.fixture
def supervisor(people):
    return people[Role.SUPERVISOR]


@pytest.fixture
def closed_project(people, fund_year, clock):
    """A project taken through the whole process (Art. 9–15), closed with its trail."""
    return walk(new_project(people, fund_year), people, Status.CLOSED, clock)


@pytest.fixture
def other_supervisor(other_community):
    return user_with_role(Role.SUPERVISOR, other_community)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files go to a folder of this test's own, never the shared media/ folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
