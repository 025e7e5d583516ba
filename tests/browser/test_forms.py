"""The new-project form in real Chromium, with JavaScript on and off (issue 13, points 4–6):
an error summary that takes the focus and links to each field; budget rows added and removed
without saving; a running total; the only open year chosen; the small-group reason shown only
when its box is ticked; "1e5" refused with a message."""

import pytest

from fundadmin.roles import Role
from projects.models import Project
from tests.conftest import login
from tests.factories import FundYearFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def secretary(community):
    user_with_role(Role.COMMUNITY_SECRETARY, community, username="shuji")
    return FundYearFactory(community=community)


@pytest.fixture
def no_js_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server.url
    yield page
    context.close()


def _open_form(page):
    login(page, "shuji")
    page.goto(page.base + "/projects/new/")


def _fill_plan(page):
    page.fill("#id_title", "敬老餐桌")
    page.select_option("#id_category", label="特困群体服务")
    page.fill("#id_description", "为独居老人送餐")
    page.fill("#id_beneficiaries", "独居老人")
    page.fill("#id_beneficiary_count", "40")
    page.select_option("#id_contractor_kind", "organisation")
    page.fill("#id_contractor_name", "某餐饮公司")
    for name in ("office", "salary", "government", "funded", "property"):
        page.check(f"#id_decl_not_{name}")


def _rows(page) -> int:
    return page.locator("[data-lines] [data-line]").count()


def test_error_summary_takes_the_focus_and_links_to_each_field(page, secretary):
    _open_form(page)
    page.fill("#id_lines-0-item", "送餐")
    page.fill("#id_lines-0-quantity", "12")
    page.fill("#id_lines-0-unit_price", "1e5")
    page.get_by_role("button", name="保存草稿").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    # At the top of the form, focused, so the keyboard and a screen reader start there.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert summary.bounding_box()["y"] < 400
    text = summary.inner_text()
    assert "请填写项目名称。" in text and "请选择经费使用范围" in text
    assert "第 1 行 · 单价：单价请按普通写法填写，例如 100000，不要用 1e5 这样的科学计数法。" in text
    assert "这个字段是必填项" not in page.content()
    summary.get_by_role("link", name="请填写项目名称。").click()
    assert page.evaluate("document.activeElement.id") == "id_title"
    summary.get_by_role("link", name="第 1 行 · 单价", exact=False).click()
    assert page.evaluate("document.activeElement.id") == "id_lines-0-unit_price"
    assert not Project.objects.exists()


def test_rows_are_added_and_removed_without_javascript(no_js_page, secretary):
    page = no_js_page
    _open_form(page)
    assert _rows(page) == 2
    _fill_plan(page)
    page.fill("#id_lines-0-item", "送餐服务")
    page.fill("#id_lines-0-quantity", "12")
    page.fill("#id_lines-0-unit_price", "1,500.50")
    page.fill("#id_lines-1-item", "餐盒")
    page.fill("#id_lines-1-quantity", "100")
    page.fill("#id_lines-1-unit_price", "2.50")
    page.get_by_role("button", name="添加一行").click()
    page.wait_for_load_state()
    assert _rows(page) == 3 and page.input_value("#id_title") == "敬老餐桌"
    assert page.input_value("#id_lines-1-item") == "餐盒" and page.is_checked("#id_decl_not_office")
    assert "error-summary" not in page.content()  # nothing was judged
    assert "18,256.00 元" in page.locator(".lines-total").inner_text()  # the total so far, from the server
    page.fill("#id_lines-2-item", "保温箱")
    page.fill("#id_lines-2-quantity", "2")
    page.fill("#id_lines-2-unit_price", "300")
    page.locator("[data-line]").nth(1).get_by_role("button", name="删除此行").click()
    page.wait_for_load_state()
    assert _rows(page) == 2 and page.input_value("#id_lines-1-item") == "保温箱"
    page.locator("button.primary", has_text="保存草稿").click()
    page.wait_for_url("**/projects/*/")
    project = Project.objects.get()
    assert [line.item for line in project.budget_lines.order_by("pk")] == ["送餐服务", "保温箱"]
    assert str(project.budget_total) == "18606.00"


def test_rows_and_total_are_live_with_javascript(page, secretary):
    _open_form(page)
    page.evaluate("window.sameDocument = true")
    _fill_plan(page)
    page.fill("#id_lines-0-item", "送餐服务")
    page.fill("#id_lines-0-quantity", "１２")  # full-width digits, read as the server reads them
    page.fill("#id_lines-0-unit_price", "1,500.50")
    total = page.locator("[data-lines-total]")
    assert total.inner_text() == "18,006.00 元"
    assert page.locator("[data-line-amount]").first.inner_text() == "18,006.00 元"
    page.get_by_role("button", name="添加一行").click()
    page.get_by_role("button", name="添加一行").click()
    assert _rows(page) == 4 and page.evaluate("window.sameDocument") is True  # no round trip
    assert page.evaluate("document.activeElement.id") == "id_lines-3-item"
    page.fill("#id_lines-3-item", "保温箱")
    page.fill("#id_lines-3-quantity", "2")
    page.fill("#id_lines-3-unit_price", "300.005")  # not a valid amount: not counted, and said so
    assert "未计入" in total.inner_text()
    page.fill("#id_lines-3-unit_price", "300")
    assert total.inner_text() == "18,606.00 元"
    # Remove the empty rows 2 and 3: the last row becomes row 2, named as the formset expects.
    page.locator("[data-line]").nth(1).get_by_role("button", name="删除此行").click()
    page.locator("[data-line]").nth(1).get_by_role("button", name="删除此行").click()
    assert _rows(page) == 2 and page.input_value("#id_lines-1-item") == "保温箱"
    assert page.locator("[data-line] legend").nth(1).inner_text() == "第 2 行"
    assert page.input_value("#id_lines-TOTAL_FORMS") == "2" and page.evaluate("window.sameDocument") is True
    page.locator("button.primary", has_text="保存草稿").click()
    page.wait_for_url("**/projects/*/")
    project = Project.objects.get()
    assert [line.item for line in project.budget_lines.order_by("pk")] == ["送餐服务", "保温箱"]
    assert str(project.budget_total) == "18606.00"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_small_group_reason_only_when_ticked_and_the_only_year_chosen(chromium, live_server, secretary, javascript):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    page = context.new_page()
    page.base = live_server.url
    try:
        _open_form(page)
        assert page.input_value("#id_fund_year") == str(secretary.pk)  # the only open year
        assert not page.is_visible("#id_small_group_justification")
        page.check("#id_is_small_group")
        assert page.is_visible("#id_small_group_justification")
        # Ticked and left empty: the server still refuses it (Art. 7(2)), and the reason shows.
        page.locator("button.primary", has_text="保存草稿").click()
        page.wait_for_load_state()
        assert "受益群体较小的项目须说明理由（第七条）。" in page.locator(".error-summary").inner_text()
        assert page.is_visible("#id_small_group_justification")
        page.uncheck("#id_is_small_group")
        assert not page.is_visible("#id_small_group_justification")
    finally:
        context.close()


def test_two_open_years_are_not_chosen_for_the_person(page, secretary):
    FundYearFactory(community=secretary.community, year=secretary.year + 1)
    _open_form(page)
    assert page.input_value("#id_fund_year") == ""
