import os

import pytest
from django.db import connection

from fundadmin.roles import Role
from tests.factories import CommunityFactory, FundYearFactory, user_with_role

# Playwright's sync API runs an event loop in the test thread; the ORM calls it makes are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    # Tests marked `postgres` exercise PostgreSQL itself (row locks, triggers). On SQLite they are
    # deselected, not skipped: .ci/run runs the whole suite again on PostgreSQL where they run.
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def other_community(db):
    """A community under a different working committee."""
    return CommunityFactory()


@pytest.fixture
def fund_year(community):
    return FundYearFactory(community=community)


@pytest.fixture
def people(community):
    """One user for every role over ``community`` (committee roles over its committee)."""
    return {role: user_with_role(role, community) for role in Role if role != Role.SYSTEM_ADMIN}
