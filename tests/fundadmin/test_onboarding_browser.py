"""The import preview in a real Chromium (issue 14): upload, read what will change, confirm."""

import os

import pytest

from fundadmin import onboarding, services
from fundadmin.models import Community, User
from fundadmin.roles import Role
from tests.conftest import login
from tests.factories import UserFactory
from tests.fundadmin.test_onboarding import city_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOTS = os.environ.get("FUNDADMIN_SCREENSHOTS")  # a folder to look at the pages in, when set


def _sysadmin() -> User:
    user = UserFactory(username="sysadmin", full_name="系统管理员甲")
    services.role_grant(user=user, role=Role.SYSTEM_ADMIN, by=None)
    return user


def _upload(page, data: bytes, name="城市数据.xlsx"):
    page.goto(page.base + "/setup/city/")
    page.set_input_files("input[name=file]", {"name": name, "mimeType": XLSX, "buffer": data})
    page.get_by_role("button", name="上传并预览").click()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_administrator_previews_then_applies(page):
    _sysadmin()
    login(page, "sysadmin")
    _upload(page, onboarding.build_workbook(city_rows()))
    preview = page.locator("#preview")
    assert preview.get_by_role("heading").inner_text() == "预览：确认后将做以下变动"
    row = preview.locator("tr", has_text="角色任命")
    assert row.locator("td").all_inner_texts() == ["角色任命", "4", "0", "0", "1"]  # the administrator's own role stays
    assert "桂花社区（guihua，东湖街道社区党工委）" in preview.inner_text()
    assert "4 位新用户各收到一封邮件" in preview.inner_text()
    assert not Community.objects.exists()  # the preview changed nothing
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/import-preview.png", full_page=True)
    page.get_by_role("button", name="确认导入").click()
    assert "已导入“城市数据.xlsx”" in page.locator("#applied").inner_text()
    assert Community.objects.count() == 2
    # The same file again: nothing to do, and no button offering to do it.
    _upload(page, onboarding.build_workbook(city_rows()))
    assert "没有需要导入的变动" in page.locator("#preview").inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0


def test_bad_rows_on_a_phone(phone):
    _sysadmin()
    login(phone, "sysadmin")
    rows = city_rows()
    rows["角色任命"][0][2] = "guihua"  # a committee role given a community's code
    rows["年度经费"][1][2] = "八万"
    _upload(phone, onboarding.build_workbook(rows))
    errors = phone.locator("#errors")
    assert "文件中有 2 处错误" in errors.inner_text()
    items = errors.locator("li").all_inner_texts()
    assert items[0].startswith("“角色任命”表 第 2 行 ·“范围代码”列")
    assert "“guihua”是社区代码" in items[0] and "怎么改" in items[0]
    assert phone.get_by_role("button", name="确认导入").count() == 0
    assert _fits(phone)
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/import-errors-phone.png", full_page=True)
