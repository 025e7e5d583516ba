"""A read replica (docs/scaling.md, "A read replica"): a real PostgreSQL primary and a hot standby
streaming its WAL, both on loopback (scripts/with-postgres-replica, run by .ci/run). The public
board is served by the replica — even with the primary stopped —, a notice posted on the primary
is on the replica's board once replayed, a browser that has just written reads the primary, and
a replica that falls behind is not read.

Every test here is transactional: what the primary has not committed, the replica never sees."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from django.db import connections, router, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fundadmin import db_router
from fundadmin.models import Community, User
from projects.models import Status
from publicity import views as public_views
from publicity.models import Notice
from tests.projects.helpers import new_project, walk

pytestmark = [
    pytest.mark.replica,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


@pytest.fixture(autouse=True)
def _fresh_health(settings):
    settings.REPLICA_MAX_LAG_SECONDS = 300  # generous: the tests below say when the replica is behind
    db_router.reset()
    yield
    db_router.reset()


def query(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def replayed(timeout: float = 30.0) -> str:
    """Wait until the replica has replayed everything the primary has written (its replay LSN has
    reached the primary's current WAL position); returns that position."""
    (lsn,) = query("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while not query("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]:
        assert time.monotonic() < deadline, f"the replica did not replay up to {lsn} in {timeout} s"
        time.sleep(0.05)
    return lsn


def data_queries(captured) -> list[str]:
    """What a page read, without the router's own questions (how far the primary has written, how
    far the replica has replayed)."""
    return [q["sql"] for q in captured if db_router.HEALTH_CHECK not in q["sql"]]


def get(client, url, *, expect_from: str):
    """GET ``url``; check which database answered its reads (the other saw none but the
    router's health check)."""
    other = "default" if expect_from == "replica" else "replica"
    with CaptureQueriesContext(connections[expect_from]) as used, CaptureQueriesContext(connections[other]) as unused:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, response.status_code)
    assert data_queries(used), f"{url}: no reads on {expect_from}"
    assert not data_queries(unused), f"{url}: read from {other}: {data_queries(unused)}"
    return body.decode()


def test_the_replica_is_a_streaming_standby_of_the_primary():
    assert query("replica", "SELECT pg_is_in_recovery()") == (True,)
    assert query("default", "SELECT pg_is_in_recovery()") == (False,)
    assert query("replica", "SELECT inet_server_port()") != query("default", "SELECT inet_server_port()")
    assert query("default", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == (1,)
    # It is a copy, not a second database: it refuses writes.
    with pytest.raises(Exception, match="read-only"), transaction.atomic(using="replica"):
        query("replica", "CREATE TABLE refused (x int)")


def test_public_pages_and_open_data_are_read_from_the_replica(plan_notice):
    replayed()
    client = Client()
    community = plan_notice.community
    board = get(client, reverse("publicity:community_board", args=[community.code]), expect_from="replica")
    assert plan_notice.title in board
    notice = get(client, reverse("publicity:notice_detail", args=[plan_notice.pk]), expect_from="replica")
    assert plan_notice.content_hash[:12] in notice
    get(client, reverse("publicity:index"), expect_from="replica")
    # The whole city's file, streamed through a server-side cursor on the standby.
    rows = get(client, reverse("publicity:open_data_city", args=["notices", "csv"]), expect_from="replica")
    assert plan_notice.title in rows
    # A resident's tracking page stays on the primary (they look up what they just sent).
    assert public_views.community_board.reads_from_replica
    assert not hasattr(public_views.objection_track, "reads_from_replica")


def test_the_board_is_served_by_the_replica_while_the_primary_is_stopped(plan_notice):
    replayed()
    url = reverse("publicity:community_board", args=[plan_notice.community.code])
    pg_ctl("stop", os.environ["PGPRIMARY_DATA"])
    try:
        connections["default"].close()
        db_router.reset()
        with CaptureQueriesContext(connections["replica"]) as replica:
            response = Client().get(url)
        assert response.status_code == 200 and plan_notice.title in response.content.decode()
        assert data_queries(replica)
        # The primary is really gone: a page that writes cannot be served.
        with pytest.raises(Exception, match=r"(?i)connect|refused|closed"):
            query("default", "SELECT 1")
    finally:
        connections["default"].close()
        pg_ctl("start", os.environ["PGPRIMARY_DATA"])
        db_router.reset()
    replayed()  # the replica reconnects and streams again


def test_a_notice_posted_on_the_primary_is_on_the_replica_board_once_replayed(plan_notice, people, clock):
    client = Client()
    url = reverse("publicity:community_board", args=[plan_notice.community.code])
    replayed()
    assert "新近张贴的公示" not in get(client, url, expect_from="replica")
    query("replica", "SELECT pg_wal_replay_pause()")
    try:
        project = walk(
            new_project(people, plan_notice.project.fund_year, title="新近张贴的公示"), people, Status.PUBLICITY
        )
        posted = Notice.objects.get(project=project)
        # While the replica has not replayed it, its board does not show it yet: that is the lag.
        assert posted.title not in get(client, url, expect_from="replica")
    finally:
        query("replica", "SELECT pg_wal_replay_resume()")
    lsn = replayed()
    assert query("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]) == (True,)
    assert posted.title in get(client, url, expect_from="replica")


def test_a_replica_further_behind_than_allowed_is_not_read(plan_notice, people, settings):
    client = Client()
    url = reverse("publicity:community_board", args=[plan_notice.community.code])
    replayed()
    query("replica", "SELECT pg_wal_replay_pause()")
    try:
        project = walk(
            new_project(people, plan_notice.project.fund_year, title="滞后期间的公示"), people, Status.PUBLICITY
        )
        time.sleep(1.2)
        settings.REPLICA_MAX_LAG_SECONDS = 1
        db_router.reset()
        # The replica is more than a second behind: the board is read from the primary, up to date.
        assert project.title in get(client, url, expect_from="default")
    finally:
        query("replica", "SELECT pg_wal_replay_resume()")
    replayed()
    db_router.reset()
    assert project.title in get(client, url, expect_from="replica")


def test_a_browser_that_has_just_written_reads_the_primary(plan_notice):
    resident, neighbour = Client(), Client()
    url = reverse("publicity:notice_detail", args=[plan_notice.pk])
    replayed()
    query("replica", "SELECT pg_wal_replay_pause()")
    try:
        sent = resident.post(
            reverse("publicity:objection_submit", args=[plan_notice.pk]),
            {"text": "预算偏高，请说明理由", "name": "", "contact": "", "website": ""},
            REMOTE_ADDR="10.0.0.7",
        )
        assert sent.status_code == 302 and sent.cookies[db_router.PIN_COOKIE]["max-age"] == 300
        # The resident sees their objection at once, read from the primary; a neighbour is served
        # by the replica, which has not replayed it yet.
        assert "预算偏高，请说明理由" in get(resident, url, expect_from="default")
        assert "预算偏高，请说明理由" not in get(neighbour, url, expect_from="replica")
    finally:
        query("replica", "SELECT pg_wal_replay_resume()")
    replayed()
    assert "预算偏高，请说明理由" in get(neighbour, url, expect_from="replica")


def test_the_router_keeps_writes_transactions_and_identity_on_the_primary(plan_notice):
    replayed()
    assert router.db_for_read(Notice) == "default"  # outside a replica view: the primary
    with db_router.replica_reads():
        assert router.db_for_read(Notice) == "replica"
        assert router.db_for_read(Community) == "replica"
        assert router.db_for_read(User) == "default"  # who is asking
        with transaction.atomic():
            assert router.db_for_read(Notice) == "default"  # what a service reads decides what it writes
        assert router.db_for_write(Notice) == "default"
        assert router.db_for_read(Notice) == "default"  # this request wrote: it reads its own writes
    assert not router.allow_migrate("replica", "publicity")


def pg_ctl(action: str, data: str) -> None:
    command = [os.environ["PG_CTL"], "-D", data, "-l", os.path.join(os.path.dirname(data), "primary.log"), "-w"]
    command += ["-m", "fast", action] if action == "stop" else [action]
    if os.geteuid() == 0 and os.environ.get("PG_AS", "root") != "root":
        command = ["runuser", "-u", os.environ["PG_AS"], "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


IDENTITY_TABLES = ("django_session", "fundadmin_user", "fundadmin_roleassignment", "guardian_", "notifications_")


def test_a_report_reads_its_figures_from_the_replica_and_who_is_asking_from_the_primary(plan_notice, people):
    from fundadmin.roles import Role

    replayed()
    client = Client()
    client.force_login(people[Role.COMMITTEE_SECRETARY])
    committee = plan_notice.community.committee
    url = reverse("supervision:dashboard", args=[committee.code])
    replayed()  # the session the login wrote
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url)
    assert response.status_code == 200 and plan_notice.community.name in response.content.decode()
    figures = data_queries(replica)
    assert any("projects_project" in sql for sql in figures)  # the dashboard's rows: from the replica
    on_primary = data_queries(primary)
    assert on_primary and all(any(t in sql for t in IDENTITY_TABLES) for sql in on_primary), on_primary
    assert not any(t in sql for sql in figures for t in IDENTITY_TABLES[:3])  # never the session, user or role


def test_a_notice_not_yet_replayed_is_found_on_the_primary_not_refused(plan_notice, people):
    """A resident scans the QR code of a notice posted a moment ago: the replica does not have it
    yet, so the page is asked again of the primary instead of answering 404."""
    replayed()
    query("replica", "SELECT pg_wal_replay_pause()")
    try:
        project = walk(
            new_project(people, plan_notice.project.fund_year, title="刚刚张贴的公示"), people, Status.PUBLICITY
        )
        notice = Notice.objects.get(project=project)
        assert query("replica", "SELECT count(*) FROM publicity_notice WHERE id = %s", [notice.pk]) == (0,)
        with CaptureQueriesContext(connections["default"]) as primary:
            response = Client().get(reverse("publicity:notice_detail", args=[notice.pk]))
        assert response.status_code == 200 and notice.title in response.content.decode()
        assert data_queries(primary)
        # What exists nowhere is still not found.
        assert Client().get(reverse("publicity:notice_detail", args=[notice.pk + 1000])).status_code == 404
    finally:
        query("replica", "SELECT pg_wal_replay_resume()")
    replayed()
