"""Art. 5, 21: city oversight (the city organisation department, the city finance bureau) reads
every committee and every community, and acts in none: the role × scope table for the city role,
with real POSTs of valid forms refused and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin import services
from fundadmin.models import User
from fundadmin.permissions import can_view, can_view_committee, check, visible_committees, visible_communities
from fundadmin.roles import COMMITTEE_PERMISSIONS, COMMUNITY_PERMISSIONS, ROLE_PERMISSIONS, ROLE_SCOPE, Role, ScopeLevel
from projects import facts as project_facts
from projects.actions import offered
from projects.models import Status
from publicity import services as publicity_services
from publicity.models import Notice, Objection
from supervision.indicators.services import indicators_compute
from supervision.models import Finding, FindingReview, Opinion
from tests.factories import CommitteeFactory, CommunityFactory, UserFactory, user_with_role
from tests.projects.helpers import Clock
from tests.supervision import indicator_world

pytestmark = pytest.mark.django_db

ALL_PERMS = [*COMMUNITY_PERMISSIONS, *COMMITTEE_PERMISSIONS]


def city_user() -> User:
    return User.objects.get(pk=user_with_role(Role.CITY_OVERSIGHT, None).pk)


def test_the_city_role_is_of_the_city_and_only_reads():
    assert ROLE_SCOPE[Role.CITY_OVERSIGHT] == ScopeLevel.SYSTEM
    assert ROLE_PERMISSIONS[Role.CITY_OVERSIGHT] == ("oversee_city",)


@pytest.mark.parametrize("perm", ALL_PERMS)
def test_city_role_permission_table(perm):
    # Two communities of one committee and one of another: the city role covers all three alike.
    a = CommunityFactory()
    a2, b = CommunityFactory(committee=a.committee), CommunityFactory()
    city = city_user()
    for community in (a, a2, b):
        assert bool(check(city, perm, community)) is (perm == "oversee_city"), (perm, community)
        assert can_view(city, community)
    assert set(visible_communities(city)) == {a, a2, b}
    assert set(visible_committees(city)) == {a.committee, b.committee}


def test_a_committee_created_later_is_covered():
    city = city_user()
    later = CommitteeFactory()
    assert not can_view_committee(city, later)  # until the sync: the admin and the daily job run it
    services.city_roles_sync()
    assert can_view_committee(User.objects.get(pk=city.pk), later)
    other = CommitteeFactory()
    call_command("sync_role_permissions")
    assert can_view_committee(User.objects.get(pk=city.pk), other)


def test_the_city_role_has_no_community_or_committee():
    community = CommunityFactory()
    with pytest.raises(ValidationError):
        services.role_grant(user=UserFactory(), role=Role.CITY_OVERSIGHT, by=None, community=community)
    with pytest.raises(ValidationError):
        services.role_grant(user=UserFactory(), role=Role.CITY_OVERSIGHT, by=None, committee=community.committee)


def test_revoking_the_city_role_removes_every_committee():
    a = CommunityFactory()
    city = city_user()
    assignment = city.role_assignments.get()
    services.role_revoke(assignment=assignment, by=None, reason="调离")
    city = User.objects.get(pk=city.pk)
    assert not can_view(city, a) and not visible_communities(city).exists()


@pytest.fixture
def world(time_machine):
    return indicator_world.clean_world(Clock(time_machine, start=indicator_world.START))


def test_no_step_of_the_process_is_offered_to_the_city_role(world):
    city = city_user()
    w = world
    states = {}
    for status in (
        Status.DRAFT,
        Status.CONSENT_REQUESTED,
        Status.SUBMITTED,
        Status.EXECUTING,
        Status.INSPECTION,
        Status.SIGNED,
    ):
        p = indicator_world.project(w.a)
        states[status] = indicator_world.walk(p, w.a.people, status, w.clock)
    states[Status.CLOSED] = w.a.projects[0]
    for status, project in states.items():
        project.refresh_from_db()
        shown = offered(project, city, project_facts.load([project], page=True)[0])
        assert not shown.buttons and not shown.blocked, (status, shown)


def test_valid_forms_posted_by_the_city_role_are_refused(world):
    w = world
    indicator_world.late_approval(w)
    indicator_world.objection_upheld(w)  # an upheld one…
    w.clock.to(dt.date(2026, 11, 16))
    p = indicator_world.walk(indicator_world.project(w.a), w.a.people, Status.PUBLICITY, w.clock)
    notice = Notice.objects.get(project=p, kind=Notice.Kind.PLAN)
    objection = publicity_services.objection_submit(notice=notice, text="希望延长服务时间")  # …and an open one
    indicators_compute()
    finding = Finding.objects.filter(community=w.a.community).first()
    closed = w.a.projects[0]
    city = city_user()
    client = Client()
    client.force_login(city)
    code = w.a.community.code
    events = AuditEvent.objects.count()
    posts = [
        (
            reverse("supervision:opinion_new", args=[code]),
            {"subject": "project", "project": closed.pk, "addressed_to": "community", "text": "请说明"},
        ),
        (reverse("supervision:indicator_review", args=[finding.pk]), {"verdict": "explained", "reason": "看过了"}),
        (reverse("supervision:indicator_compute"), {}),
        (reverse("supervision:verify", args=[code]), {}),
        (reverse("publicity:objection_answer", args=[objection.pk]), {"answer": "将延长服务时间"}),
        (reverse("projects:objection_decide", args=[objection.pk]), {"outcome": "dismiss", "decision": "不成立"}),
        (reverse("projects:act", args=[closed.pk, "record_progress"]), {"noted_on": "2026-11-16", "note": "看过"}),
        (reverse("projects:document_upload", args=[closed.pk]), {"kind": "other"}),
        (
            reverse("ledger:appropriation_new", args=[code, 2026]),
            {"amount": "1000.00", "entry_date": "2026-11-16", "reference": "x"},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
    assert AuditEvent.objects.count() == events
    assert not Opinion.objects.exists() and not FindingReview.objects.exists()
    assert Objection.objects.get(pk=objection.pk).state == Objection.State.OPEN
    # Nothing to press: the pages the city role reads carry no forms that act.
    for url in (
        reverse("supervision:indicator_detail", args=[finding.pk]),
        reverse("supervision:timeline", args=[code]),
        reverse("supervision:dashboard", args=[w.a.community.committee.code]),
    ):
        body = client.get(url).content.decode()
        assert body.count('method="post"') == body.count('action="/accounts/logout/"') == 1, url  # signing out only
