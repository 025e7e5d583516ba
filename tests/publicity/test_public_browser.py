"""The public pages as residents see them, in real Chromium (issue 13, points 8–13): at 360 px
with JavaScript on and off and in the large-text mode none scrolls sideways; the large-text
switch works without JavaScript; a notice says how many working days remain; a need gets its
tracking page; error pages are Chinese with the header and a way back; the favicon is found;
the open-data page puts the downloads first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fundadmin import display
from fundadmin.roles import Role
from publicity import services
from publicity.models import Need
from tests.conftest import login
from tests.guards.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
MODES = ("javascript on", "javascript off", "large text", "large text, javascript off")


@pytest.fixture
def world(clock):
    world = build_world(clock)
    world.need_code = world.need.tracking_code
    return world


def public_pages(world) -> list[str]:
    a = world.a
    code = a.community.code
    return [
        "/",
        f"/c/{code}/",
        f"/notice/{world.notice.pk}/",
        f"/project/{a.projects['closed'].pk}/",
        f"/project/{a.projects['publicity'].pk}/",
        f"/c/{code}/needs/",
        f"/c/{code}/needs/new/",
        f"/need/?code={world.need_code}",
        "/need/",
        f"/objection/?code={world.objection.tracking_code}",
        "/objection/",
        f"/c/{code}/annual/",
        "/data/",
        "/accounts/login/",
        "/no-such-page/",
    ]


def phone_context(chromium, live_server, mode: str):
    context = chromium.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled="off" not in mode
    )
    if "large" in mode:
        context.add_cookies([{"name": display.COOKIE, "value": display.LARGE, "url": live_server.url}])
    return context


def overflow(page) -> int:
    """How far the document is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_no_public_page_scrolls_sideways_at_360_px_in_any_mode(chromium, live_server, world):
    wide = []
    for mode in MODES:
        context = phone_context(chromium, live_server, mode)
        page = context.new_page()
        try:
            for url in public_pages(world):
                page.goto(live_server.url + url)
                large = page.evaluate("document.body.classList.contains('large-text')")
                assert large == ("large" in mode), (mode, url)
                if overflow(page) > 0:
                    wide.append(f"{mode}: {url} is {overflow(page)} px too wide")
        finally:
            context.close()
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("javascript", [True, False])
def test_the_large_text_switch_returns_to_the_same_page(chromium, live_server, plan_notice, javascript):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=javascript)
    page = context.new_page()
    try:
        url = live_server.url + f"/notice/{plan_notice.pk}/"
        page.goto(url)
        normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        with page.expect_navigation(url=url):  # the same page, reloaded
            page.get_by_role("link", name="大字模式").click()
        assert page.evaluate("document.body.classList.contains('large-text')")
        large = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert large >= 20 and large > normal
        # High contrast: body text is black on white.
        assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
        # The choice stays on the next page, and is undone the same way.
        with page.expect_navigation():
            page.get_by_role("link", name=plan_notice.community.name).first.click()
        assert page.evaluate("document.body.classList.contains('large-text')")
        board = page.url
        with page.expect_navigation(url=board):
            page.get_by_role("link", name="标准字号").click()
        assert not page.evaluate("document.body.classList.contains('large-text')")
    finally:
        context.close()


def test_the_switch_never_sends_anyone_elsewhere(client):
    response = client.get(reverse("publicity:display_mode"), {"size": "large", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("publicity:index")
    assert response.cookies[display.COOKIE].value == display.LARGE


def test_a_resident_sees_the_working_days_left_and_the_reply_date(phone, plan_notice, clock):
    clock.to(dt.date(2026, 10, 9))
    phone.goto(phone.base + f"/notice/{plan_notice.pk}/")
    assert "还剩 2 个工作日（含今天），至 2026年10月10日止。" in phone.locator(".days-left").inner_text()
    phone.fill("#id_text", "灯具单价偏高，请公布比价。")
    phone.get_by_role("button", name="提交异议").click()
    phone.wait_for_url("**/objection/?code=*")
    # In on Fri 10-9: Oct 10 (Sat, adjusted), 12, 13, 14, 15.
    assert "社区应于 2026年10月15日前答复" in phone.locator(".reply-due").inner_text()
    assert overflow(phone) <= 0


def test_a_need_gets_a_tracking_code_and_a_page_without_javascript(chromium, live_server, community, clock):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/c/{community.code}/needs/new/")
        page.fill("#id_content", "小区门口缺少无障碍坡道，轮椅进出困难。")
        page.get_by_role("button", name="提交").click()
        page.wait_for_url("**/need/?code=*")
        need = Need.objects.get()
        assert page.locator(".code-box").inner_text().strip() == need.tracking_code
        assert page.locator(".need-steps li.current").inner_text() == "收到"
        assert "社区应于 2026年10月20日前回应" in page.locator(".reply-due").inner_text()
        # The community answers; the resident looks the code up by hand, in lower case.
        services.need_respond(need=need, by=_member(community), response="已联系物业，下月施工。")
        page.goto(live_server.url + "/need/")
        page.fill("#id_code", need.tracking_code.lower())
        page.get_by_role("button", name="查询").click()
        assert page.locator(".need-steps li.current").inner_text() == "已回应"
        assert "已联系物业，下月施工。" in page.content() and overflow(page) <= 0
    finally:
        context.close()


def _member(community):
    from tests.factories import user_with_role

    return user_with_role(Role.COMMUNITY_MEMBER, community)


def test_error_pages_are_chinese_with_the_header_and_a_way_back(phone, page, community, fund_year):
    phone.goto(phone.base + "/notice/987654/")
    assert phone.locator("h1").inner_text() == "找不到这个页面"
    assert "没有该公示。" in phone.content() and phone.locator(".site-header").is_visible()
    phone.get_by_role("link", name="回到公示栏首页").click()
    phone.wait_for_url(phone.base + "/")
    assert overflow(phone) <= 0

    secretary = _secretary(community)
    login(page, secretary.username)
    page.goto(page.base + reverse("ledger:appropriation_new", args=[community.code, fund_year.year]))
    assert page.locator("h1").inner_text() == "您没有权限打开这个页面"
    assert "登记经费台账并与承办方结算" in page.locator(".alert[role=alert]").inner_text()
    page.get_by_role("link", name="回到我的待办").click()
    page.wait_for_url("**/inbox/")


def _secretary(community):
    from tests.factories import user_with_role

    return user_with_role(Role.COMMUNITY_SECRETARY, community, username="sec")


def test_the_database_page_reads_well_on_a_phone(phone, community):
    # The 503 page as the server renders it when the database is unreachable
    # (tests/fundadmin/test_errors.py makes it really unreachable), shown in the browser.
    from django.test import Client

    from tests.fundadmin.test_errors import database_unreachable

    with database_unreachable():
        html = Client(raise_request_exception=False).get(f"/c/{community.code}/").content.decode()
    phone.route(phone.base + "/down/", lambda route: route.fulfill(status=503, body=html, content_type="text/html"))
    phone.goto(phone.base + "/down/")
    assert phone.locator("h1").inner_text() == "系统暂时连不上数据库，请稍后重试"
    assert phone.locator(".site-header").is_visible() and overflow(phone) <= 0


def test_a_visit_asks_for_nothing_that_is_missing(page, plan_notice):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    for url in ("/", f"/notice/{plan_notice.pk}/", "/data/"):
        page.goto(page.base + url)
    icon = page.request.get(page.base + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert not missing, missing


def test_open_data_puts_the_downloads_first(phone, plan_notice):
    phone.goto(phone.base + "/data/")
    headings = phone.locator("h2").all_inner_texts()
    assert headings.index("下载") < headings.index("每份文件里有什么") < headings.index("字段说明（供开发者）")
    community = plan_notice.community
    link = phone.get_by_role("link", name=f"{community.name}公示清单（电子表格 CSV）")
    response = phone.request.get(phone.base + link.get_attribute("href"))
    assert response.status == 200 and plan_notice.title in response.text()
    assert overflow(phone) <= 0


def test_open_data_links_the_whole_city_and_each_year(phone, plan_notice):
    phone.goto(phone.base + "/data/")
    city = phone.get_by_role("link", name="全市公示清单（电子表格 CSV）")
    response = phone.request.get(phone.base + city.get_attribute("href"))
    assert response.status == 200 and plan_notice.title in response.text()
    assert response.headers["content-disposition"].startswith("attachment")
    year = phone.get_by_role("link", name=f"{plan_notice.fund_year.year}年度全市开放数据（ZIP 压缩包）")
    archive = phone.request.get(phone.base + year.get_attribute("href"))
    assert archive.status == 200 and archive.body()[:2] == b"PK"
    box = year.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a tap target
    assert overflow(phone) <= 0
