"""Query budget: the main pages are counted at two sizes of data. The number of queries must
not grow with the data (no N+1), and stays under a ceiling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fundadmin.roles import Role
from projects.models import Status
from publicity.models import Notice
from supervision.indicators.services import indicators_compute
from tests.guards.conftest import START, build_world
from tests.projects.helpers import new_project, walk

# Each page's budget: what it needs today (bench/results has the figures at city scale). A page
# that needs more must say why here. Staff pages read one row set per section they show; the
# issue's ≤ 12 is met by the public pages, the list, the ledger pages, the timeline and the inboxes
# but the secretaries' (13, 14); the project page and the dashboard are over it
# (bench/results/staff-pages.md says by how much and why).
# Every staff page carries the unread count of the person's messages in its header: one COUNT
# (notifications.selectors.unread_count), the "+ HEADER" below; public pages have no header count.
HEADER = 1
BUDGET = {
    "public index": 3,
    "community board": 5,
    "notice": 3,
    "public project": 7,
    # The rows, their count, the filters' communities, categories and fund years, and for the
    # "waiting for / due" column what the next-step sentence reads of the page's rows (their
    # notices and change requests, one query each) and the role holders it names.
    "project list": 11 + HEADER,
    # Fourteen sections (lines, meetings, notices, documents, trail, …); the role holders the
    # next-step sentence names (read only when it names someone) and the working calendar (one
    # query) when it counts days.
    "project page": 18 + HEADER,
    "account book": 11 + HEADER,
    "committee ledger": 7 + HEADER,  # the summary in three queries
    "supervisor timeline": 9 + HEADER,
    "committee dashboard": 20 + HEADER,  # eleven panels, each one or two queries, and the indicators (3)
    "supervisor home": 8 + HEADER,  # the communities watched, and the indicators panel
    "indicator list": 7 + HEADER,
    "indicator page": 8 + HEADER,  # the finding, its judgements, versions, opinions, the latest run
    "city view": 18 + HEADER,  # one query per figure compared (funds, cap, approvals, reports, …)
}
# The integrity indicators over the whole city (supervision/indicators/compute.py): one query
# per kind of record read, then the writes in batches.
INDICATORS_BUDGET = 36  # about 20 reads, the run, its trail event, the batched writes
# Three sources: projects (with their facts, the separation-of-duties rules' reviews and
# signatures among them, and the role holders the sentences of the page shown name), publicity
# (objections, notices ending, needs awaiting an answer — one grouped query), supervision; the
# person's roles and the acting periods they are in (代行职责), the working calendar (one query). The
# community secretary's is the largest (14: the facts' notices, the objections, the needs and the
# notices ending, both role queries, the acting periods).
INBOX_BUDGET = 13 + HEADER


def pages(world) -> list[tuple[str, Role | None, str]]:
    a = world.a
    code, committee, year = a.community.code, a.community.committee.code, a.fund_year.year
    closed = a.projects["closed"]
    notice = Notice.objects.filter(project=closed).order_by("pk").first()
    out = [
        ("public index", None, "/"),
        ("community board", None, f"/c/{code}/"),
        ("notice", None, f"/notice/{notice.pk}/"),
        ("public project", None, f"/project/{closed.pk}/"),
        ("project list", Role.COMMITTEE_SECRETARY, "/projects/"),
        ("project page", Role.COMMUNITY_SECRETARY, f"/projects/{closed.pk}/"),
        ("account book", Role.FINANCE, f"/ledger/{code}/{year}/"),
        ("committee ledger", Role.FINANCE, f"/ledger/committee/{committee}/{year}/"),
    ]
    from supervision.models import Finding

    finding = Finding.objects.filter(community=a.community).order_by("pk").first()
    out += [
        ("supervisor timeline", Role.SUPERVISOR, reverse("supervision:timeline", args=[code])),
        ("committee dashboard", Role.COMMITTEE_SECRETARY, reverse("supervision:dashboard", args=[committee])),
        ("supervisor home", Role.SUPERVISOR, reverse("supervision:home")),
        ("indicator list", Role.SUPERVISOR, reverse("supervision:indicator_list")),
        ("indicator page", Role.SUPERVISOR, reverse("supervision:indicator_detail", args=[finding.pk])),
        ("city view", Role.COMMITTEE_SECRETARY, reverse("supervision:city")),
    ]
    out += [(f"inbox of {role.value}", role, "/inbox/") for role in a.people]
    return out


def count(world) -> dict[str, int]:
    counts = {}
    for label, role, url in pages(world):
        client = Client()
        if role is not None:
            client.force_login(world.a.people[role])
        assert client.get(url).status_code == 200, url  # warm: sessions, calendar, content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[label] = len(queries)
    return counts


def grow(world, clock, n: int) -> None:
    """More of everything in community A: closed projects (notices, ledger entries, documents,
    trail), projects awaiting approval and in their notice period, needs."""
    from publicity import services as publicity_services
    from publicity.models import Need

    a = world.a
    for i in range(n):
        clock.to(START)
        walk(new_project(a.people, a.fund_year, title=f"增量{i}"), a.people, Status.CLOSED, clock)
        clock.to(dt.date(2026, 9, 30))
        walk(new_project(a.people, a.fund_year, title=f"待批{i}"), a.people, Status.SUBMITTED, clock)
        publicity_services.need_record(community=a.community, content=f"诉求{i}", channel=Need.Channel.ONLINE)
    clock.to(dt.date(2026, 10, 20))


@pytest.fixture
def indicators_fire(settings):
    """With the satisfaction bar at 95%, every closed project (28 of 30 satisfied) fires an
    integrity indicator, so the indicator pages have rows at both sizes."""
    settings.INTEGRITY_INDICATORS = {**settings.INTEGRITY_INDICATORS, "low_satisfaction_percent": 95}


def test_queries_do_not_grow_with_the_data(db, clock, indicators_fire):
    # Both sizes have at least one object of every kind, so a prefetch that runs only when there
    # are rows counts the same in both; the larger has four times as many.
    world = build_world(clock)
    grow(world, clock, 1)
    indicators_compute()
    small = count(world)
    grow(world, clock, 3)
    indicators_compute()
    large = count(world)
    grew = {k: (small[k], large[k]) for k in small if large[k] > small[k]}
    assert not grew, f"query count grows with the data (small, large): {grew}"
    over = {k: (v, BUDGET.get(k, INBOX_BUDGET)) for k, v in large.items() if v > BUDGET.get(k, INBOX_BUDGET)}
    assert not over, f"over budget (queries, budget): {over}"


def compute_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        indicators_compute()
    return len(queries)


def test_indicators_are_computed_in_a_fixed_number_of_queries(db, clock, indicators_fire):
    """The daily computation at two sizes: the same number of queries (a run over unchanged data;
    the first run, which writes every finding, stays under the same budget)."""
    world = build_world(clock)
    grow(world, clock, 1)
    first_small = compute_queries()
    small = compute_queries()
    grow(world, clock, 3)
    first_large = compute_queries()
    large = compute_queries()
    from supervision.models import Finding

    assert Finding.objects.count() >= 6  # something fires at both sizes, more at the larger
    assert small == large, f"indicator queries grow with the data: {small} -> {large}"
    assert max(first_small, first_large, large) <= INDICATORS_BUDGET, (first_small, first_large, large)
