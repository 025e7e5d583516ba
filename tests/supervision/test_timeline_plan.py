"""Art. 14: the supervisor's timeline reads only its community's events, through the (community,
seq) index — the page and its count (issue 17: PostgreSQL read the whole city's trail, twice)."""

from __future__ import annotations

from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from audit.selectors import Trail, timeline
from audit.services import event_record
from fundadmin.roles import Role
from supervision.timeline import explain
from tests.factories import CommunityFactory, user_with_role

INDEX = "audit_audit_communi_a59a56_idx"  # models.Index(fields=["community", "seq"])


def trail_of_three_communities():
    communities = [CommunityFactory() for _ in range(3)]
    for i in range(60):
        for community in communities:
            event_record(action="test.write", obj=None, community=community, object_repr=f"事件{i}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")
    return communities


def test_the_timeline_page_and_count_read_the_community_index(db):
    first, *_ = trail_of_three_communities()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # A test table is a few pages, which a sequential scan reads fastest; at city scale
                # it is not. Forbid it here so the plan shows the path the index gives.
                cursor.execute("SET LOCAL enable_seqscan = off")
        plan = explain(first)
    count, page, _actors = plan.split("-- ")[1:]
    assert INDEX in page, plan
    assert "Seq Scan on audit_auditevent" not in plan and "SCAN audit_auditevent\n" not in plan, plan
    # The page is found in the composite index alone (its sequence numbers), then fetched by seq.
    if connection.vendor == "postgresql":
        assert f"Index Only Scan Backward using {INDEX}" in page, page
        assert "Index Only Scan" in count, count


def test_a_trail_page_is_the_communitys_events_newest_first(db):
    first, *_ = trail_of_three_communities()
    trail = Trail(timeline(first))
    assert trail.count() == 60
    page = trail[10:20]
    assert [e.object_repr for e in page] == [f"事件{i}" for i in range(49, 39, -1)]
    assert {e.community_id for e in page} == {first.pk}
    assert trail[0].object_repr == "事件59"


def test_the_timeline_pages_through_its_community_only(db):
    first, second, _ = trail_of_three_communities()
    supervisor = user_with_role(Role.SUPERVISOR, first)
    client = Client()
    client.force_login(supervisor)
    page2 = client.get(reverse("supervision:timeline", args=[first.code]), {"page": 2}).content.decode()
    # 61 events (the role grant too): the second page holds the oldest eleven, none of another community's.
    assert "第 2 / 2 页" in page2
    assert "事件0" in page2 and "事件10" in page2 and "事件11" not in page2
    assert second.name not in page2
