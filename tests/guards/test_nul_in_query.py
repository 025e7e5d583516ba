"""A NUL byte typed into a URL (``%00``) is bad input like any other: the page answers, never a 500.
PostgreSQL refuses NUL in a text parameter, so this is the database where it mattered."""

import pytest

from fundadmin.roles import Role
from tests.guards.test_hostile_forms import login

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.mark.parametrize(
    "name", ["community", "year", "stage", "category", "overdue", "kind", "project", "actor", "q", "page", "date_from"]
)
def test_a_nul_in_a_staff_filter_is_not_a_500(fund_year_with_money, people, name):
    community = fund_year_with_money.community
    for role, url in (
        (Role.COMMITTEE_SECRETARY, "/projects/"),
        (Role.FINANCE, f"/ledger/{community.code}/2026/"),
        (Role.SUPERVISOR, f"/supervision/c/{community.code}/trail/"),
        (Role.SUPERVISOR, "/supervision/"),
    ):
        response = login(people[role]).get(url, {name: NUL})
        assert response.status_code in (200, 404), (url, name, response.status_code)


def test_a_nul_in_a_public_query_is_not_a_500(client, fund_year_with_money):
    community = fund_year_with_money.community
    for url, name in ((f"/c/{community.code}/", "page"), ("/objection/", "code"), ("/", "page")):
        response = client.get(url, {name: NUL})
        assert response.status_code == 200, (url, response.status_code)
