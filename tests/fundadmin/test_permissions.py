"""Every role acts on its own scope only; revoking or expiring a role removes the access."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fundadmin import services
from fundadmin.models import RoleAssignment, User
from fundadmin.permissions import check, visible_communities
from fundadmin.roles import COMMITTEE_PERMISSIONS, COMMUNITY_PERMISSIONS, ROLE_PERMISSIONS, ROLE_SCOPE, Role, ScopeLevel
from tests.factories import CommunityFactory, UserFactory, grant, user_with_role

pytestmark = pytest.mark.django_db

ALL_PERMS = [*COMMUNITY_PERMISSIONS, *COMMITTEE_PERMISSIONS]
# Roles held in a community or a committee; the city-wide ones have their own table
# (tests/fundadmin/test_city_role.py).
ROLES = [r for r in Role if ROLE_SCOPE[r] != ScopeLevel.SYSTEM]


@pytest.fixture
def world():
    a = CommunityFactory()
    a2 = CommunityFactory(committee=a.committee)  # same committee as a
    b = CommunityFactory()  # another committee
    return a, a2, b


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("perm", ALL_PERMS)
def test_role_permission_table(world, role, perm):
    a, a2, b = world
    user = user_with_role(role, a)
    granted = perm in ROLE_PERMISSIONS[role]
    community_level = perm in COMMUNITY_PERMISSIONS
    assert bool(check(user, perm, a)) is granted
    # A committee-level role covers every community of its committee; a community role only its own.
    assert bool(check(user, perm, a2)) is (granted and not community_level)
    assert not check(user, perm, b)


def test_refusal_explains_who_may(world):
    a, _, _ = world
    user = user_with_role(Role.COMMUNITY_MEMBER, a)
    verdict = check(user, "approve_for_committee", a)
    assert not verdict
    assert "党工委书记" in verdict.reason and str(a.committee) in verdict.reason


def test_anonymous_and_inactive_users_are_refused(world):
    from django.contrib.auth.models import AnonymousUser

    a, _, _ = world
    assert check(AnonymousUser(), "view_community_records", a).reason == "请先登录。"
    user = user_with_role(Role.COMMUNITY_SECRETARY, a)
    user.is_active = False
    assert not check(user, "view_community_records", a)


def test_visible_communities_by_scope(world):
    a, a2, _ = world
    assert set(visible_communities(user_with_role(Role.SUPERVISOR, a))) == {a}
    assert set(visible_communities(user_with_role(Role.FINANCE, a))) == {a, a2}
    assert set(visible_communities(UserFactory())) == set()


def test_revoking_removes_access(world):
    a, _, _ = world
    user = user_with_role(Role.COMMUNITY_SECRETARY, a)
    assignment = RoleAssignment.objects.get(user=user)
    services.role_revoke(assignment=assignment, by=None, reason="调离")
    user = User.objects.get(pk=user.pk)
    assert not check(user, "propose_project", a)


def test_revoking_needs_a_reason_and_happens_once(world):
    a, _, _ = world
    user = user_with_role(Role.COMMUNITY_SECRETARY, a)
    assignment = RoleAssignment.objects.get(user=user)
    with pytest.raises(ValidationError):
        services.role_revoke(assignment=assignment, by=None, reason="  ")
    services.role_revoke(assignment=assignment, by=None, reason="换届")
    with pytest.raises(ValidationError):
        services.role_revoke(assignment=assignment, by=None, reason="换届")


def test_a_user_may_hold_several_roles(world):
    a, _, b = world
    user = user_with_role(Role.COMMUNITY_MEMBER, a)
    grant(user, Role.SUPERVISOR, b)
    user = User.objects.get(pk=user.pk)
    assert check(user, "propose_project", a) and check(user, "supervise_community", b)
    assert not check(user, "supervise_community", a) and not check(user, "propose_project", b)


def test_validity_period_is_applied_by_the_daily_sync(world, time_machine):
    a, _, _ = world
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    user = user_with_role(Role.COMMUNITY_SECRETARY, a, valid_from=dt.date(2026, 7, 1), valid_until=dt.date(2026, 7, 31))
    assert not check(user, "propose_project", a)  # not yet valid
    time_machine.move_to(dt.datetime(2026, 7, 2, 9, tzinfo=dt.UTC))
    from django.core.management import call_command

    call_command("sync_role_permissions")
    assert check(User.objects.get(pk=user.pk), "propose_project", a)
    time_machine.move_to(dt.datetime(2026, 8, 1, 9, tzinfo=dt.UTC))
    call_command("sync_role_permissions")
    assert not check(User.objects.get(pk=user.pk), "propose_project", a)


def test_role_scope_must_match_its_level(world):
    a, _, _ = world
    with pytest.raises(ValidationError):
        services.role_grant(user=UserFactory(), role=Role.COMMITTEE_SECRETARY, by=None, community=a)
    with pytest.raises(ValidationError):
        services.role_grant(user=UserFactory(), role=Role.SUPERVISOR, by=None, committee=a.committee)


def test_overlapping_duplicate_grant_is_refused(world):
    a, _, _ = world
    user = user_with_role(Role.COMMUNITY_SECRETARY, a)
    with pytest.raises(ValidationError):
        services.role_grant(user=user, role=Role.COMMUNITY_SECRETARY, by=None, community=a)


def test_users_are_never_deleted(world):
    user = UserFactory()
    with pytest.raises(ValidationError):
        user.delete()
    assert User.objects.filter(pk=user.pk).exists()


def test_a_superuser_without_a_role_may_do_nothing_in_the_process(world):
    a, _, _ = world
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert not check(admin, "approve_for_committee", a)
    assert not check(admin, "propose_project", a)
