import datetime as dt

import pytest
from django.core.cache import cache

from fundadmin.roles import Role
from projects.models import Status
from publicity.models import Notice
from tests.projects.helpers import Clock, new_project, walk

POSTED = dt.date(2026, 9, 30)  # the eve of the National Day holiday: 3 working days end on Sat 10 Oct


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The rate limit lives in the cache; every test starts with a clean count.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=POSTED)


@pytest.fixture
def in_publicity(people, fund_year, clock):
    """A project whose plan notice was posted on 2026-09-30 (ends 2026-10-10)."""
    project = new_project(people, fund_year)
    walk(project, people, Status.PUBLICITY, clock)
    return project


@pytest.fixture
def plan_notice(in_publicity):
    return Notice.objects.get(project=in_publicity, kind=Notice.Kind.PLAN)


@pytest.fixture
def secretary(people):
    return people[Role.COMMUNITY_SECRETARY]


@pytest.fixture
def committee_member(people):
    return people[Role.COMMITTEE_MEMBER]
