"""Error pages (issue 13, point 10): Chinese, with the site's header and a way back; a refusal
names the missing permission; a database that cannot be reached gives a page that says so and
asks to retry, rendered without the database — tested by really making it unreachable."""

from __future__ import annotations

import copy
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from fundadmin.roles import Role
from tests.factories import CommunityFactory, FundYearFactory, user_with_role

pytestmark = pytest.mark.django_db


@contextmanager
def database_unreachable():
    """Point the default connection at a database that is not there — a path no process can open
    on SQLite, a port nothing listens on for PostgreSQL — so the next query really fails to
    connect. Django's own connection handling meets a real OperationalError; nothing is mocked."""
    original = connections["default"]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-fundadmin-directory/db.sqlite3"
    else:
        settings_dict.update(
            HOST="127.0.0.1", PORT="9", OPTIONS={**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
        )
    unreachable = original.__class__(settings_dict, alias="default")
    connections["default"] = unreachable
    try:
        yield
    finally:
        unreachable.close()
        connections["default"] = original


def _header_and_way_back(page: str) -> None:
    assert '<html lang="zh-Hans">' in page
    assert "社区党组织服务群众专项经费" in page and 'class="site-header"' in page
    assert 'href="/"' in page and "回到公示栏首页" in page


def test_an_unknown_address_gets_a_chinese_404_with_a_way_back(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    _header_and_way_back(page)
    assert "找不到这个页面" in page and "/no-such-page/" in page
    assert "Resolver404" not in page and "Not Found" not in page


def test_a_404_says_what_was_not_found(client):
    page = client.get(reverse("publicity:notice_detail", args=[987654])).content.decode()
    assert "没有该公示。" in page


def test_a_refusal_names_the_permission_that_is_missing(client, community, fund_year):
    # A community secretary may read the books but not record an appropriation (keep_ledger).
    secretary = user_with_role(Role.COMMUNITY_SECRETARY, community)
    client.force_login(secretary)
    response = client.get(reverse("ledger:appropriation_new", args=[community.code, fund_year.year]))
    assert response.status_code == 403
    page = response.content.decode()
    _header_and_way_back(page)
    assert "您没有权限打开这个页面" in page
    # Which permission is missing, and who holds it.
    assert f"您在「{community.committee}」没有“登记经费台账并与承办方结算”的权限" in page and "财务管理人员" in page
    assert "回到我的待办" in page and secretary.display_name in page  # the signed-in header


def test_another_communitys_books_are_refused_in_chinese(client):
    # The case seen in the issue: a community secretary opening /ledger/<other community>/2026/.
    mine, theirs = CommunityFactory(), CommunityFactory()
    FundYearFactory(community=theirs)
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, mine))
    response = client.get(reverse("ledger:book", args=[theirs.code, 2026]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "403 Forbidden" not in page and f"您无权查看「{theirs}」的资料。" in page


def test_an_anonymous_refusal_offers_the_login(client, community):
    # The application form is for staff; a 403 for someone not signed in points to the login.
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from fundadmin.errors import permission_denied

    request = RequestFactory().get("/some/page/")
    request.user = AnonymousUser()
    page = permission_denied(request, PermissionDenied()).content.decode()
    assert "这个页面只对有相应职责的工作人员开放" in page and reverse("login") in page


def test_a_bad_request_is_explained(rf):
    from fundadmin.errors import bad_request

    response = bad_request(rf.get("/"))
    assert response.status_code == 400 and "请求有误" in response.content.decode()


def test_public_page_with_the_database_unreachable_says_so_and_asks_to_retry(community):
    client = Client(raise_request_exception=False)
    with database_unreachable():
        response = client.get(reverse("publicity:community_board", args=[community.code]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    _header_and_way_back(page)
    assert "暂时连不上数据库" in page and "稍后重试" in page and "没有保存任何内容" in page
    # And once it is back, the same page works.
    assert client.get(reverse("publicity:community_board", args=[community.code])).status_code == 200


def test_staff_page_with_the_database_unreachable_is_the_same_503(community):
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, community))
    with database_unreachable():
        # The session and the user are read from the database: that too is answered with 503.
        response = client.get(reverse("inbox"))
    assert response.status_code == 503 and "暂时连不上数据库" in response.content.decode()


def test_a_post_with_the_database_unreachable_stores_nothing_and_says_so(community):
    from publicity.models import Need

    client = Client(raise_request_exception=False)
    with database_unreachable():
        response = client.post(
            reverse("publicity:need_submit", args=[community.code]), {"content": "数据库断开时提交", "website": ""}
        )
    assert response.status_code == 503 and "重新提交" in response.content.decode()
    assert not Need.objects.exists()


def test_other_server_errors_get_the_chinese_500(rf):
    from fundadmin.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错了" in page and "回到公示栏首页" in page


def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an .ico file
