"""After each step of the invoice path, the project page says in one sentence whom the project now
waits for — the body and the people who hold that role today — and by when (or that the rules set
no deadline); and only the person who can act gets a button (issue 12, UX.md)."""

import datetime as dt

import pytest

from fundadmin.roles import Role
from tests.browser.test_project_flow import USERNAMES, act, as_user, cast, propose, upload  # noqa: F401
from tests.factories import user_with_role
from tests.projects.helpers import Clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CS, KM, KS, CD, FI = (
    Role.COMMUNITY_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.COMMITTEE_SECRETARY,
    Role.CONSTRUCTION_DIRECTOR,
    Role.FINANCE,
)


def buttons(page) -> list[str]:
    return [a.inner_text() for a in page.locator("#next .actions a").all()]


def says(page, project, *parts, waiting=(), bystander=None):
    """The sentence holds every part; the bystander (logged in after) reads the same sentence and
    has no button for the steps the project waits on (``waiting``), which are someone else's."""
    page.goto(f"{page.base}/projects/{project.pk}/")
    sentence = page.locator("#next .next-sentence").inner_text()
    for part in parts:
        assert part in sentence, (part, sentence)
    if bystander is not None:
        as_user(page, bystander)
        page.goto(f"{page.base}/projects/{project.pk}/")
        assert page.locator("#next .next-sentence").inner_text() == sentence
        assert not set(waiting) & set(buttons(page)), (bystander, sentence, buttons(page))
    return sentence


def test_after_each_step_the_page_says_who_acts_next_and_by_when(page, cast, community, time_machine, tmp_path):  # noqa: F811
    _, fund_year = cast
    supervisor = user_with_role(Role.SUPERVISOR, community, username="jiandu", full_name="jiandu")
    USERNAMES[Role.SUPERVISOR] = supervisor.username
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    today = lambda: clock.day.isoformat()  # noqa: E731
    committee = f"{community.committee.name}（"
    project = propose(page, fund_year, "独居老人上门服务", "organisation", "某家政公司")
    says(page, project, "（shuji）报请党工委初步同意", "规则未设办理期限", waiting=["报请党工委初步同意"], bystander=KM)

    as_user(page, CS)
    act(page, project, "报请党工委初步同意")
    says(
        page,
        project,
        committee,
        "dgw_shuji",
        "banzi",
        "初步同意",
        "规则未设办理期限",
        waiting=["初步同意"],
        bystander=CS,
    )
    as_user(page, KM)
    act(page, project, "初步同意", fill={"#id_comment": "同意提交联席会议讨论"})
    says(page, project, "（shuji）登记联席会议", "规则未设办理期限", waiting=["登记联席会议"], bystander=KM)
    as_user(page, CS)
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
    says(page, project, "公示期至2026年11月5日止", "3个工作日", "当天不计入，自次日起算", "（shuji）", "报送党工委审批")
    # On notice the step is the secretary's, but its rule does not hold yet: text with the reason.
    assert "公示期满无异议，报送党工委审批" not in buttons(page)
    assert "公示期至2026年11月5日" in page.locator("#next .blocked").inner_text()
    clock.after(7)
    act(page, project, "公示期满无异议，报送党工委审批")
    says(
        page,
        project,
        "（dgw_shuji）党工委班子会议批准",
        "（jgw_zhuren）建管委批准",
        "应于2026年11月16日前办理",
        "党工委收到申请表后5个工作日",
        "第十一条",
        waiting=["党工委班子会议批准", "建管委批准"],
        bystander=FI,
    )
    as_user(page, KS)
    act(
        page,
        project,
        "党工委班子会议批准",
        fill={"#id_meeting_date": today(), "#id_meeting_attendees": "班子成员5人"},
    )
    says(page, project, "（jgw_zhuren）建管委批准", "应于2026年11月16日前办理", waiting=["建管委批准"], bystander=KS)
    as_user(page, CD)
    act(page, project, "建管委批准")
    says(
        page, project, "dgw_shuji", "banzi", "指派跟进专人", "规则未设办理期限", waiting=["指派跟进专人"], bystander=CS
    )
    as_user(page, KS)
    act(page, project, "指派跟进专人", select={"#id_person": str(cast[0][KM].pk)})
    says(page, project, "（shuji）开始实施", waiting=["开始实施"], bystander=KS)
    as_user(page, CS)
    act(page, project, "开始实施")
    says(page, project, "（shuji）项目完成，申请验收")
    act(page, project, "项目完成，申请验收")
    says(page, project, "dgw_shuji", "banzi", "登记验收结果", waiting=["登记验收结果"], bystander=CS)
    as_user(page, KM)
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
    says(page, project, "（shuji）登记发票，提交会签", waiting=["登记发票，提交会签"], bystander=KM)
    as_user(page, CS)
    upload(page, project, "invoice", tmp_path)
    act(
        page,
        project,
        "登记发票，提交会签",
        fill={"#id_number": "04400123", "#id_issued_on": today(), "#id_amount": "4800.00", "#id_issuer": "某家政公司"},
    )
    says(page, project, "（shuji）社区党委书记签字", waiting=["社区党委书记签字"], bystander=CD)
    as_user(page, CS)
    act(page, project, "社区党委书记签字")
    says(page, project, "（jgw_zhuren）建管委主任签字", waiting=["建管委主任签字"], bystander=CS)
    as_user(page, CD)
    act(page, project, "建管委主任签字")
    says(page, project, "（dgw_shuji）党工委书记签字", waiting=["党工委书记签字"], bystander=CD)
    as_user(page, KS)
    act(page, project, "党工委书记签字")
    says(page, project, "财务管理人员（caiwu）与承办方结算付款", waiting=["与承办方结算付款"], bystander=KS)
    as_user(page, FI)
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
    says(page, project, "（shuji）张贴完成情况公示", waiting=["张贴完成情况公示"], bystander=FI)
    as_user(page, CS)
    act(page, project, "张贴完成情况公示")
    says(page, project, "公示期至", "公示期满，归档")
    clock.after(7)
    act(page, project, "公示期满，归档")
    says(page, project, "项目已完成归档，没有待办事项", bystander=Role.SUPERVISOR)
