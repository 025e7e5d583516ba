"""A resident on a phone reads the board, objects and follows the tracking code; the project
stays held until the working committee decides (real Chromium)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from playwright.sync_api import expect

from fundadmin.roles import Role
from projects.models import Status
from projects.services import project_submit_for_approval
from publicity.models import Objection
from tests.conftest import login
from tests.projects.helpers import fresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(p) -> bool:
    # Measured once the page's stylesheet has loaded: right after a click the layout may still be
    # unstyled (a textarea at its default 40 columns), which failed depending on test order.
    p.wait_for_load_state("load")
    return p.evaluate("document.documentElement.scrollWidth") <= 360


def test_resident_objects_on_a_phone_and_the_project_waits_for_the_committee(
    phone, page, in_publicity, plan_notice, people, clock
):
    community = in_publicity.community
    phone.goto(phone.base + "/")
    phone.get_by_role("link", name=f"{community.name}公示栏").click()
    # A click does not wait for the next page's stylesheets: measure once it has loaded.
    phone.wait_for_url(f"**/c/{community.code}/")
    assert "正在公示" in phone.content() and _fits(phone)
    phone.get_by_role("link", name=plan_notice.title).click()
    phone.wait_for_url(f"**/notice/{plan_notice.pk}/")
    assert "6,000.00" in phone.content() and _fits(phone)
    phone.fill("#id_text", "灯具单价比市场价高，请公布比价情况。")
    phone.fill("#id_name", "周某")
    phone.fill("#id_contact", "13700000000")
    phone.get_by_role("button", name="提交异议").click()
    phone.wait_for_url("**/objection/?code=*")
    code = phone.locator(".code-box").inner_text().strip()
    assert code == Objection.objects.get().tracking_code and "待社区答复" in phone.content()

    # Later, from the board's link, the resident looks the code up by hand.
    phone.goto(phone.base + "/objection/")
    phone.fill("#id_code", code.lower())
    phone.get_by_role("button", name="查询").click()
    # A click does not wait for the page it submits to: wait for the answer, then measure.
    expect(phone.locator("main")).to_contain_text("待社区答复")
    assert _fits(phone)

    # The period ends; the open objection holds the project.
    clock.to(dt.date(2026, 10, 12))
    secretary = people[Role.COMMUNITY_SECRETARY]
    with pytest.raises(ValidationError):
        project_submit_for_approval(project=in_publicity, by=secretary)

    # The community answers on its staff page…
    secretary.username = "sec"
    secretary.save(update_fields=["username"])
    login(page, "sec")
    page.goto(page.base + f"/publicity/c/{community.code}/objections/")
    page.fill("textarea[name=answer]", "灯具经三家比价，比价单已张贴在公示栏旁。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("main")).to_contain_text("待党工委决定")
    with pytest.raises(ValidationError):
        project_submit_for_approval(project=in_publicity, by=secretary)
    phone.goto(phone.base + f"/objection/?code={code}")
    assert "三家比价" in phone.content() and "社区已答复" in phone.content()

    # …and only the working committee's decision releases the project.
    page.context.clear_cookies()
    member = people[Role.COMMITTEE_MEMBER]
    member.username = "member"
    member.save(update_fields=["username"])
    login(page, "member")
    page.goto(page.base + f"/publicity/c/{community.code}/objections/")
    page.check("input[name=outcome][value=dismiss]")
    page.fill("textarea[name=decision]", "比价材料齐全，异议不成立。")
    page.get_by_role("button", name="作出决定").click()
    expect(page.locator("main")).to_contain_text("已作出决定")
    project_submit_for_approval(project=in_publicity, by=secretary)
    assert fresh(in_publicity).status == Status.SUBMITTED

    phone.goto(phone.base + f"/notice/{plan_notice.pk}/")
    content = phone.content()
    assert "异议不成立" in content and "比价材料齐全" in content
    assert "周某" not in content and "13700000000" not in content


def test_objecting_works_with_javascript_off(chromium, live_server, plan_notice):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, java_script_enabled=False)
    p = context.new_page()
    try:
        p.goto(live_server.url + f"/notice/{plan_notice.pk}/")
        p.fill("#id_text", "没有 JavaScript 也能提交")
        p.get_by_role("button", name="提交异议").click()
        p.wait_for_url("**/objection/?code=*")
        assert Objection.objects.get().text == "没有 JavaScript 也能提交"
    finally:
        context.close()
