import datetime as dt

import pytest

from tests.notifications.helpers import run_worker
from tests.projects.helpers import Clock


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=dt.date(2026, 9, 1))


@pytest.fixture
def with_email(people):
    """Everyone of ``people`` has an e-mail address named after their role."""
    for role, user in people.items():
        user.email = f"{role}@example.org"
        user.save(update_fields=["email"])
    return {role: user.email for role, user in people.items()}


@pytest.fixture
def worker():
    return run_worker
