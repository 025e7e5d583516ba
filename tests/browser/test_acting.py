"""An acting leader's approval in real Chromium (issue 14): the administrator records, with its
written authorisation, that a committee member acts for the working committee's secretary this
week; the member then sees it in their inbox, finds the project waiting for them by name
(东湖…（张德明代李伟）) in the inbox and on the project page, approves it, and the page says 张德明代李伟（党工委书记） in the opinion and
in the trail. The day after the period, the approval is no longer theirs to give."""

import datetime as dt
import os

import pytest

from fundadmin.roles import Role
from ledger.services import appropriation_record
from projects.models import Status
from tests.browser.test_project_flow import USERNAMES, as_user
from tests.conftest import login
from tests.factories import FundYearFactory, user_with_role
from tests.projects.helpers import PDF, Clock, new_project, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = {
    Role.COMMUNITY_SECRETARY: "王芳",
    Role.COMMITTEE_MEMBER: "张德明",
    Role.COMMITTEE_SECRETARY: "李伟",
    Role.CONSTRUCTION_DIRECTOR: "陈桂兰",
    Role.FINANCE: "赵敏",
}


def shot(page, name):
    """FUNDADMIN_SCREENSHOTS=dir keeps what the person saw (docs/ui.md)."""
    folder = os.environ.get("FUNDADMIN_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/acting-{name}.png", full_page=True)


def test_an_acting_leader_approves_and_every_page_says_for_whom(page, community, time_machine, tmp_path):
    people = {
        role: user_with_role(role, community, username=USERNAMES[role], full_name=name) for role, name in NAMES.items()
    }
    user_with_role(Role.SYSTEM_ADMIN, None, username="guanli", full_name="系统管理员")
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = walk(new_project(people, fund_year), people, Status.SUBMITTED, clock)
    second = walk(new_project(people, fund_year, title="楼道扶手加装"), people, Status.SUBMITTED, clock)
    monday = clock.day
    friday = monday + dt.timedelta(days=4)
    committee = community.committee.name

    # The administrator records the acting period, uploading the written authorisation.
    page.context.clear_cookies()
    login(page, "guanli")
    page.goto(f"{page.base}/setup/acting/")
    assert "还没有代行记录" in page.locator("#acting-periods").inner_text()
    page.select_option("#id_principal", label=f"李伟 · 党工委书记 · {committee}")
    page.select_option("#id_user", label=f"张德明（党工委班子成员，{committee}）")
    page.fill("#id_starts_on", monday.isoformat())
    page.fill("#id_ends_on", friday.isoformat())
    page.fill("#id_reason", "参加市委党校集中培训")
    scan = tmp_path / "授权书.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("#id_authorisation", str(scan))
    page.get_by_role("button", name="登记代行").click()
    page.wait_for_url("**/setup/acting/")
    assert "已登记：张德明代李伟（党工委书记）" in page.locator(".messages").inner_text()
    row = page.locator("#acting-periods tbody tr").first.inner_text()
    assert "张德明代李伟" in row and "代行中" in row and f"{monday.isoformat()} 至 {friday.isoformat()}" in row
    shot(page, "record")

    # The committee member sees it, and the project waits for them by name.
    as_user(page, Role.COMMITTEE_MEMBER)
    assert "您代李伟行使党工委书记职责" in page.locator("#acting-today").inner_text()
    inbox = page.locator(".inbox").inner_text()
    assert f"党工委班子会议批准：{project.number}" in inbox and "张德明代李伟" in inbox
    page.goto(f"{page.base}/projects/{project.pk}/")
    sentence = page.locator("#next .next-sentence").inner_text()
    assert f"{committee}（张德明代李伟）党工委班子会议批准" in sentence, sentence
    page.get_by_role("link", name="党工委班子会议批准", exact=True).click()
    note = page.locator("#acting-note")
    assert "本事项将记为“张德明代李伟（党工委书记）”" in note.inner_text()
    assert f"代行期间 {monday.isoformat()} 至 {friday.isoformat()}" in note.inner_text()
    assert note.get_by_role("link", name="书面授权").get_attribute("href").startswith("/setup/acting/")
    shot(page, "act")
    page.fill("#id_meeting_date", monday.isoformat())
    page.fill("#id_meeting_attendees", "党工委班子成员5人")
    page.get_by_role("button", name="确认：党工委班子会议批准").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    assert "已办理" in page.locator(".messages").inner_text()
    body = page.locator("main").inner_text()
    assert "党工委审批意见：同意 — 张德明代李伟（党工委书记）〔代行职责，书面授权〕" in body
    assert f"张德明代李伟（党工委书记，{committee}）党工委班子会议批准" in body
    shot(page, "project")

    # The day after the period the member is only a member again: no approval of theirs to give.
    clock.to(friday + dt.timedelta(days=1))
    page.goto(f"{page.base}/projects/{second.pk}/")
    assert "张德明代李伟" not in page.locator("#next .next-sentence").inner_text()
    assert "（李伟）党工委班子会议批准" in page.locator("#next .next-sentence").inner_text()
    assert page.get_by_role("link", name="党工委班子会议批准", exact=True).count() == 0
