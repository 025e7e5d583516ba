import pytest
from django.urls import reverse

from fundadmin.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_inbox_needs_login(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_login_lands_on_inbox_with_roles(client, community):
    user = user_with_role(Role.COMMUNITY_SECRETARY, community, username="sec")
    response = client.post(reverse("login"), {"username": "sec", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inbox")
    page = response.content.decode()
    assert "待办事项" in page and "社区党委书记" in page and str(community) in page
    assert user.display_name in page


def test_pages_are_chinese(client):
    response = client.get(reverse("login"))
    assert '<html lang="zh-Hans">' in response.content.decode()


def test_logout_is_post_only(client, community):
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, community))
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_failed_logins_are_throttled_and_recorded(client, community):
    from audit.models import AuditEvent

    user_with_role(Role.COMMUNITY_SECRETARY, community, username="sec")
    for _ in range(5):
        client.post(reverse("login"), {"username": "sec", "password": "wrong"})
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    response = client.post(reverse("login"), {"username": "sec", "password": "pw"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_admin_is_chinese_and_for_staff_only(client, community):
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, community))
    assert client.get("/admin/").status_code == 302


def test_public_index_needs_no_login(client, community):
    response = client.get("/")
    assert response.status_code == 200 and community.name in response.content.decode()
