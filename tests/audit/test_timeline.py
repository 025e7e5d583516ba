"""The supervisors' view of the trail (Art. 14, 19): their community only, read-only, paginated."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent, VerificationRun
from audit.selectors import TimelineFilter, timeline
from audit.sentences import sentence
from fundadmin.roles import Role
from projects.models import Status
from tests.factories import user_with_role
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(people, fund_year, clock):
    return walk(new_project(people, fund_year), people, Status.CLOSED, clock)


def test_project_timeline_tells_the_whole_story_in_order(closed):
    events = list(timeline(closed.community, TimelineFilter(project_id=closed.pk, oldest_first=True)))
    actions = [e.action for e in events]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    for expected in (
        "project.create",
        "project.record_meeting",  # the joint meeting's result
        "notice.publish",
        "project.approve_for_committee",
        "document.upload",
        "project.sign_as_community_secretary",
        "project.sign_as_construction_director",
        "project.sign_as_committee_secretary",
        "ledger.payment",
        "project.close",
    ):
        assert expected in actions, expected
    assert all(e.actor_name for e in events)
    signed = next(e for e in events if e.action == "project.sign_as_committee_secretary")
    assert "党工委书记签字" in sentence(signed) and signed.actor_name in sentence(signed)


def test_the_timeline_is_newest_first_unless_asked(closed):
    newest = list(timeline(closed.community))
    assert [e.seq for e in newest] == sorted((e.seq for e in newest), reverse=True)
    oldest = list(timeline(closed.community, TimelineFilter(oldest_first=True)))
    assert [e.seq for e in oldest] == sorted(e.seq for e in newest)


def test_filters(closed, people):
    community = closed.community
    only_ledger = timeline(community, TimelineFilter(kind="ledger."))
    # The approval's commitment (指标占用) is the ledger's too since issue 14.
    assert {e.action for e in only_ledger} == {"ledger.appropriation", "ledger.commit", "ledger.payment"}
    finance = people[Role.FINANCE]
    assert {e.actor_id for e in timeline(community, TimelineFilter(actor_id=finance.pk))} == {finance.pk}
    from django.utils import timezone

    first = timezone.localdate(AuditEvent.objects.get(action="project.create").created_at)
    before = TimelineFilter(project_id=closed.pk, date_to=first - dt.timedelta(days=1))
    assert not timeline(community, before).exists()
    same_day = timeline(community, TimelineFilter(project_id=closed.pk, date_from=first, date_to=first))
    assert "project.create" in {e.action for e in same_day}


def test_page_shows_and_filters(client, closed, people):
    client.force_login(people[Role.SUPERVISOR])
    url = reverse("supervision:timeline", args=[closed.community.code])
    page = client.get(url, {"project": closed.pk, "kind": "project."}).content.decode()
    assert "党工委书记签字" in page and "登记财政拨款" not in page
    bad = client.get(url, {"date_from": "2026-12-01", "date_to": "2026-01-01"})
    assert bad.status_code == 200 and "起始日期不能晚于截止日期" in bad.content.decode()


def test_other_communities_are_not_shown(client, closed, other_community):
    outsider = user_with_role(Role.SUPERVISOR, other_community)
    client.force_login(outsider)
    assert client.get(reverse("supervision:timeline", args=[closed.community.code])).status_code == 403
    assert client.post(reverse("supervision:verify", args=[closed.community.code])).status_code == 403
    other_events = timeline(other_community)
    assert not other_events.filter(project_id=closed.pk).exists()


@pytest.mark.parametrize("role", [Role.COMMUNITY_SECRETARY, Role.FINANCE])
def test_staff_without_the_right_see_a_reason(client, closed, people, role):
    client.force_login(people[role])
    response = client.get(reverse("supervision:timeline", args=[closed.community.code]))
    if role == Role.FINANCE:
        assert response.status_code == 200  # the working committee may read its communities' trail
    else:
        assert response.status_code == 403


def test_query_count_does_not_grow_with_events(client, people, fund_year, clock):
    url = reverse("supervision:timeline", args=[fund_year.community.code])
    walk(new_project(people, fund_year), people, Status.SUBMITTED, clock)

    def count():
        client.force_login(people[Role.SUPERVISOR])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for _ in range(3):
        walk(new_project(people, fund_year), people, Status.CLOSED, clock)
    assert AuditEvent.objects.count() > 60  # more than one page
    big = count()
    assert big == small, f"{small} → {big} queries"


def test_verify_button(client, closed, people):
    url = reverse("supervision:verify", args=[closed.community.code])
    client.force_login(people[Role.SUPERVISOR])
    assert client.get(url).status_code == 405
    through = AuditEvent.objects.order_by("-seq").first().seq
    response = client.post(url, follow=True)
    run = VerificationRun.objects.get()
    assert run.ok and run.verified_through_seq == through and run.ran_by == people[Role.SUPERVISOR]
    page = response.content.decode()
    assert f"已核验至第 <strong>{through}</strong> 号事件" in page
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "audit.verify" and event.seq == through + 1
