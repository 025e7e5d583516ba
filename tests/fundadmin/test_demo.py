import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from audit.models import AuditEvent
from fundadmin.models import Community, FundYear, RoleAssignment, User, WorkingCommittee
from fundadmin.permissions import check

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (User, WorkingCommittee, Community, FundYear, RoleAssignment, AuditEvent)]


def test_demo_loads_every_role_and_is_idempotent():
    call_command("load_demo", stdout=io.StringIO())
    first = _counts()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == first
    assert WorkingCommittee.objects.count() == 2 and Community.objects.count() == 6
    for name in [
        "community_secretary",
        "community_member",
        "committee_secretary",
        "committee_member",
        "finance",
        "construction_director",
        "supervisor",
        "admin",
        "community_secretary_2",
    ]:
        assert User.objects.get(username=name).check_password("fundadmin-demo-2026")
    guihua = Community.objects.get(code="guihua")
    assert check(User.objects.get(username="community_secretary"), "propose_project", guihua)
    assert not check(User.objects.get(username="community_secretary_2"), "propose_project", guihua)


def test_demo_password_from_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "另一个密码-123")
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.get(username="finance").check_password("另一个密码-123")


@override_settings(ENVIRONMENT="production")
def test_demo_refuses_production():
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.exists()
