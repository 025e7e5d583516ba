"""Art. 14: the supervisor's timeline reads only its community's events, through the (community,
seq) index — the page and its count (issue 17: PostgreSQL read the whole city's trail, twice)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from audit.selectors import Trail, timeline
from audit.services import event_record
from fundadmin.roles import Role
from supervision.timeline import explain
from tests.conftest import tamper
from tests.factories import CommunityFactory, user_with_role

INDEX = "audit_audit_communi_a59a56_idx"  # models.Index(fields=["community", "seq"])


def trail_of_three_communities(others: int = 60):
    """60 events of the first community, ``others`` of each of the two others, interleaved."""
    communities = [CommunityFactory() for _ in range(3)]
    for i in range(max(60, others)):
        for n, community in enumerate(communities):
            if i < (60 if n == 0 else others):
                event_record(action="test.write", obj=None, community=community, object_repr=f"事件{i}")
    if connection.vendor == "postgresql":
        # The table as a city's database keeps it: statistics, and the visibility map that lets an
        # index-only scan skip the heap (autovacuum's work). Only the owner may VACUUM (the suite
        # runs as the app role), and it must see the rows: the plan test is transactional.
        tamper("VACUUM ANALYZE audit_auditevent", bypass_triggers=False)
    return communities


@pytest.mark.django_db(transaction=True)
def test_the_timeline_page_and_count_read_the_community_index():
    # One community among many: its events are a few percent of the city's trail (at city scale,
    # 1 of 100), which is where the index pays and the planner knows it.
    first, *_ = trail_of_three_communities(others=600)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # A test table is a few pages, which a sequential scan, a bitmap of the community's
                # rows or a sort of them reads fastest; at city scale they are not (the bench prints
                # the plan the city's database chooses). Forbid them here so the plan shows the
                # ordered path the index gives.
                for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                    cursor.execute(f"SET LOCAL {setting} = off")
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
