"""A person takes a project from proposal to closed in real Chromium, logging in as each role."""

import datetime as dt

import pytest

from fundadmin.roles import Role
from ledger.services import appropriation_record
from projects.models import Project, Status
from tests.conftest import login
from tests.factories import FundYearFactory, user_with_role
from tests.projects.helpers import PDF, Clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAMES = {
    Role.COMMUNITY_SECRETARY: "shuji",
    Role.COMMITTEE_MEMBER: "banzi",
    Role.COMMITTEE_SECRETARY: "dgw_shuji",
    Role.CONSTRUCTION_DIRECTOR: "jgw_zhuren",
    Role.FINANCE: "caiwu",
}


@pytest.fixture
def cast(community):
    users = {role: user_with_role(role, community, username=name, full_name=name) for role, name in USERNAMES.items()}
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return users, fund_year


def as_user(page, role):
    page.context.clear_cookies()
    login(page, USERNAMES[role])


def act(page, project, label, fill=None, select=None, check=None, lands="project"):
    """Open the project page, click the action, fill its form, confirm; ``lands="inbox"`` for a
    settlement, after which finance goes back to its inbox (issue 13, point 15)."""
    page.goto(f"{page.base}/projects/{project.pk}/")
    page.get_by_role("link", name=label, exact=True).click()
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    for selector, value in (select or {}).items():
        page.select_option(selector, value)
    for selector in check or []:
        page.check(selector)
    page.get_by_role("button", name=f"确认：{label}").click()
    if lands == "inbox":
        page.wait_for_url("**/inbox/")
        assert "已结算" in page.locator(".messages").inner_text()
        return
    page.wait_for_url(f"**/projects/{project.pk}/")
    assert "已办理" in page.locator(".messages").inner_text()


def upload(page, project, kind, tmp_path):
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(PDF)
    page.goto(f"{page.base}/projects/{project.pk}/")
    page.select_option("#id_kind", kind)
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="上传").click()
    assert "已上传" in page.locator(".messages").inner_text()


def propose(page, fund_year, title, contractor_kind, contractor):
    as_user(page, Role.COMMUNITY_SECRETARY)
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_role("link", name="提出新项目").click()
    page.select_option("#id_fund_year", str(fund_year.pk))
    page.fill("#id_title", title)
    page.select_option("#id_category", label="特困群体服务")
    page.fill("#id_description", "为辖区独居老人提供上门服务")
    page.fill("#id_beneficiaries", "独居老人")
    page.fill("#id_beneficiary_count", "35")
    page.select_option("#id_contractor_kind", contractor_kind)
    page.fill("#id_contractor_name", contractor)
    page.fill("#id_lines-0-item", "上门服务")
    page.fill("#id_lines-0-quantity", "10")
    page.fill("#id_lines-0-unit_price", "480.00")
    for name in ("office", "salary", "government", "funded", "property"):
        page.check(f"#id_decl_not_{name}")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/projects/*/")
    assert "下一步：报请党工委初步同意" in page.content()
    return Project.objects.get(title=title)


def take_to_closed(page, project, clock, tmp_path, invoice: bool):
    today = lambda: clock.day.isoformat()  # noqa: E731
    act(page, project, "报请党工委初步同意")
    as_user(page, Role.COMMITTEE_MEMBER)
    act(page, project, "初步同意", fill={"#id_comment": "同意提交联席会议讨论"})
    as_user(page, Role.COMMUNITY_SECRETARY)
    act(
        page,
        project,
        "登记联席会议",
        fill={
            "#id_held_on": today(),
            "#id_attendees": "两委成员7人，居民代表8人",
            "#id_attendee_count": "15",
            "#id_votes_for": "13",
            "#id_votes_against": "1",
            "#id_votes_abstain": "1",
            "#id_minutes": "一致同意",
        },
    )
    assert "方案公示中" in page.content()
    clock.after(7)
    act(page, project, "公示期满无异议，报送党工委审批")
    as_user(page, Role.COMMITTEE_SECRETARY)
    act(
        page,
        project,
        "党工委班子会议批准",
        fill={"#id_meeting_date": today(), "#id_meeting_attendees": "班子成员5人"},
    )
    as_user(page, Role.CONSTRUCTION_DIRECTOR)
    act(page, project, "建管委批准")
    as_user(page, Role.COMMITTEE_SECRETARY)
    act(page, project, "指派跟进专人", select={"#id_person": label_of(Role.COMMITTEE_MEMBER)})
    as_user(page, Role.COMMUNITY_SECRETARY)
    act(page, project, "开始实施")
    act(page, project, "项目完成，申请验收")
    as_user(page, Role.COMMITTEE_MEMBER)
    act(
        page,
        project,
        "登记验收结果",
        fill={
            "#id_inspected_on": today(),
            "#id_inspectors": "党工委、居民代表",
            "#id_respondents": "30",
            "#id_satisfied": "29",
        },
        select={"#id_quality_grade": "good"},
        check=["#id_passed_0"],
    )
    if invoice:
        as_user(page, Role.COMMUNITY_SECRETARY)
        upload(page, project, "invoice", tmp_path)
        act(
            page,
            project,
            "登记发票，提交会签",
            fill={
                "#id_number": "04400123",
                "#id_issued_on": today(),
                "#id_amount": "4800.00",
                "#id_issuer": "某家政公司",
            },
        )
        act(page, project, "社区党委书记签字")
        as_user(page, Role.CONSTRUCTION_DIRECTOR)
        act(page, project, "建管委主任签字")
        as_user(page, Role.COMMITTEE_SECRETARY)
        act(page, project, "党工委书记签字")
        as_user(page, Role.FINANCE)
        act(
            page,
            project,
            "与承办方结算付款",
            fill={
                "#id_amount": "4800.00",
                "#id_paid_on": today(),
                "#id_reference": "ZZ20261109",
                "#id_payee": "某家政公司",
            },
            select={"#id_method": "transfer"},
            lands="inbox",
        )
    else:
        as_user(page, Role.COMMUNITY_SECRETARY)
        for kind in ("payment_decision", "signed_proof", "payee_signature"):
            upload(page, project, kind, tmp_path)
        as_user(page, Role.FINANCE)
        act(
            page,
            project,
            "凭领款人签字结算（无发票）",
            fill={"#id_amount": "4800.00", "#id_paid_on": today(), "#id_reference": "XJ001", "#id_payee": "王阿姨"},
            select={"#id_method": "cash"},
            lands="inbox",
        )
    as_user(page, Role.COMMUNITY_SECRETARY)
    act(page, project, "张贴完成情况公示")
    clock.after(7)
    act(page, project, "公示期满，归档")
    assert "已完成归档" in page.content()
    project.refresh_from_db()
    assert project.status == Status.CLOSED


def label_of(role):
    from fundadmin.models import User

    return str(User.objects.get(username=USERNAMES[role]).pk)


def test_invoice_project_in_the_browser(page, cast, time_machine, tmp_path):
    _, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = propose(page, fund_year, "独居老人上门服务", "organisation", "某家政公司")
    take_to_closed(page, project, clock, tmp_path, invoice=True)
    assert project.settlement.amount == project.approved_amount


def test_no_invoice_project_in_the_browser(page, cast, time_machine, tmp_path):
    _, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = propose(page, fund_year, "困难家庭临时救助", "aid", "王阿姨")
    take_to_closed(page, project, clock, tmp_path, invoice=False)
