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


def test_demo_loads_every_role_and_is_idempotent(monkeypatch):
    # The caller's DEMO_PASSWORD (a developer may have one set) must not change what this checks.
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    # It says what it is loading while it loads (UX.md "Long work"), and ends with the logins.
    lines = out.getvalue().splitlines()
    assert [line.split("]")[0].strip() for line in lines[:5]] == ["[1/5", "[2/5", "[3/5", "[4/5", "[5/5"]
    assert "项目：按日期逐日重放" in lines[2] and lines[2].endswith(" 秒")
    assert (
        "所有演示账号的密码：fundadmin-demo-2026" in out.getvalue()
        and "community_secretary" in lines[-1] + out.getvalue()
    )
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


def test_serve_demo_ends_with_where_to_go_and_how_to_log_in(monkeypatch):
    from fundadmin.management.commands.serve_demo import first_steps

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    text = first_steps("http://127.0.0.1:8801/")
    assert "打开 http://127.0.0.1:8801/ ，以 community_secretary 登录（密码 fundadmin-demo-2026）" in text
    assert "open http://127.0.0.1:8801/ and log in as community_secretary (password fundadmin-demo-2026)" in text
    monkeypatch.setenv("DEMO_PASSWORD", "secret-of-the-caller")
    assert "secret-of-the-caller" not in first_steps("http://127.0.0.1:8000/")


def test_serve_demo_prints_the_port_it_serves(monkeypatch):
    """on_bind gets the port actually bound (port 0 → a free one): the line names that one."""
    from fundadmin.management.commands.serve_demo import Command

    command = Command(stdout=io.StringIO())
    command.addr, command._raw_ipv6, command.protocol = "127.0.0.1", False, "http"
    monkeypatch.setattr(type(command).__mro__[1], "on_bind", lambda self, port: None)
    command.on_bind(43210)
    assert "open http://127.0.0.1:43210/ and log in as community_secretary" in command.stdout._out.getvalue()
