"""Decisions with the thing in view, in real Chromium (issue 13, points 1–3; UX.md "Decide with the
thing in view", "Controls are for what this person may do now"): the approval page shows the plan,
its budget lines, the year's money before and after, the notice with every objection and its
answer, the receipt date and the deadline — overdue in red, and an overdue approval asks why; the
signature page shows the invoice, its scan and the signatures before; the settlement form is
filled from the signed invoice and says what remains; a change request says beforehand what the
year can bear; a person holding two roles who already signed is told so and offered no form."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.models import AuditEvent
from fundadmin.roles import Role
from projects import services
from projects.models import ChangeRequest, ContractorKind, Document, Project, Status
from projects.selectors import approval_deadline
from publicity import services as publicity_services
from publicity.models import Notice
from tests.browser.test_project_flow import USERNAMES, as_user, cast  # noqa: F401
from tests.conftest import login
from tests.factories import CommunityFactory, grant, user_with_role
from tests.projects.helpers import Clock, lines, new_project, pdf, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CS, KM, KS, CD, FI = (
    Role.COMMUNITY_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.COMMITTEE_SECRETARY,
    Role.CONSTRUCTION_DIRECTOR,
    Role.FINANCE,
)
RED = "rgb(207, 34, 46)"  # --bad in fundadmin.css


def _colour(page, selector: str) -> str:
    return page.evaluate("s => getComputedStyle(document.querySelector(s)).color", selector)


def _scroll_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_an_overdue_approval_shows_what_is_approved_and_asks_why_it_is_late(page, cast, time_machine):  # noqa: F811
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = new_project(people, fund_year, title="楼道扶手加装")
    services.project_update(
        project=project,
        by=people[CS],
        fields={},
        lines=[
            *lines("4000.00"),
            services.LineInput(item="扶手安装", quantity=Decimal("8"), unit="处", unit_price=Decimal("250.00")),
        ],
    )
    walk(project, people, Status.PUBLICITY, clock)
    notice = Notice.objects.get(project=project, kind=Notice.Kind.PLAN)
    objection = publicity_services.objection_submit(
        notice=notice, text="扶手颜色太暗，老人看不清", name="王大爷", contact=""
    )
    publicity_services.objection_answer(objection=objection, by=people[CS], answer="改用醒目的黄色扶手")
    services.objection_decide(objection=objection, by=people[KM], upheld=False, decision="答复合理，异议不成立")
    clock.to(dt.date(2026, 11, 6))
    walk(project, people, Status.SUBMITTED, clock)
    received = Project.objects.get(pk=project.pk).received_on
    due = approval_deadline(Project.objects.get(pk=project.pk)).date
    clock.to(due + dt.timedelta(days=4))

    as_user(page, KS)
    page.goto(f"{page.base}/projects/{project.pk}/act/approve_for_committee/")
    # The clock of Art. 11, overdue in red.
    clock_card = page.locator(".deadline-card").inner_text()
    assert f"{received.year}年{received.month}月{received.day}日" in clock_card
    assert f"{due.year}年{due.month}月{due.day}日" in clock_card and "已超过" in clock_card
    assert _colour(page, ".deadline-card h2") == RED
    # The plan and its budget lines.
    plan = page.locator("section[aria-labelledby=plan-title]").inner_text()
    assert "声控灯及安装" in plan and "扶手安装" in plan and "8 处" in plan and "6,000.00" in plan
    # The year's money before and after, and the cap (not a small-group project).
    money = page.locator("section[aria-labelledby=money-title]").inner_text()
    assert "年度经费总额\n100,000.00 元" in money and "本项目\n6,000.00 元" in money
    assert "批准后尚余\n94,000.00 元" in money and "不占20%上限" in money
    # The notice's dates and the objection with its answer and the decision.
    notice_text = page.locator("section[aria-labelledby=notice-title]").inner_text()
    assert "公示期至" in notice_text and "扶手颜色太暗" in notice_text
    assert "改用醒目的黄色扶手" in notice_text and "异议不成立" in notice_text and "答复合理" in notice_text

    # Overdue: the form asks why; without a reason nothing happens.
    assert page.locator("#id_late_reason").is_visible()
    page.fill("#id_meeting_date", clock.day.isoformat())
    page.fill("#id_meeting_attendees", "班子成员5人")
    page.get_by_role("button", name="确认：党工委班子会议批准").click()
    assert "请填写逾期办理的原因" in page.locator(".error-summary").inner_text()
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED
    page.fill("#id_late_reason", "书记外出学习，返回后即召开班子会议")
    page.get_by_role("button", name="确认：党工委班子会议批准").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    assert Project.objects.get(pk=project.pk).status == Status.COMMITTEE_APPROVED
    assert "逾期办理，逾期原因：“书记外出学习，返回后即召开班子会议”" in page.locator("#timeline").inner_text()


def test_a_refusal_for_money_names_the_missing_figure(page, cast, time_machine):  # noqa: F811
    """Approving 40,000 with 30,000 left: 不足 10,000.00 元, not the amount asked (issue 13, point 2)."""
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    big = new_project(people, fund_year, title="大项目")
    services.project_update(project=big, by=people[CS], fields={}, lines=lines("70000.00"))
    second = new_project(people, fund_year, title="后到的项目")
    services.project_update(project=second, by=people[CS], fields={}, lines=lines("40000.00"))
    walk(second, people, Status.SUBMITTED, clock)
    walk(big, people, Status.APPROVED, clock)
    as_user(page, KS)
    page.goto(f"{page.base}/projects/{second.pk}/act/approve_for_committee/")
    refusal = page.locator("p.errors[role=alert]").inner_text()
    assert "本年度可用经费为 30,000.00 元" in refusal and "不足 10,000.00 元" in refusal
    assert page.locator("form button[type=submit]").count() == 0  # text, not a form that refuses later
    assert "批准后尚余\n-10,000.00 元" in page.locator("section[aria-labelledby=money-title]").inner_text()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (240, 240, 240)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_signer_sees_the_invoice_its_scan_and_who_signed_before(page, cast, time_machine):  # noqa: F811
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = walk(new_project(people, fund_year, title="健身器材更新"), people, Status.INVOICE_SIGNING_2, clock)
    pdf_scan = Document.objects.get(project=project, kind=Document.Kind.INVOICE)
    # A clearer scan, as an image, replaces the first one: the page shows it inline.
    services.document_upload(
        project=project,
        by=people[CS],
        kind=Document.Kind.INVOICE,
        upload=SimpleUploadedFile("invoice.png", _png(), content_type="image/png"),
        title="发票扫描件（清晰版）",
        replaces=pdf_scan,
    )
    invoice = Project.objects.get(pk=project.pk).invoice

    as_user(page, CD)
    page.goto(f"{page.base}/projects/{project.pk}/act/sign_as_construction_director/")
    facts = page.locator("section[aria-labelledby=invoice-title]").inner_text()
    assert f"发票号码\n{invoice.number}" in facts
    assert f"开票日期\n{invoice.issued_on.year}年{invoice.issued_on.month}月{invoice.issued_on.day}日" in facts
    assert "发票金额\n6,000.00 元" in facts and f"开票单位\n{invoice.issuer}" in facts
    # The scan, through the download view that checks who may read it: shown, and loaded.
    image = page.locator("img.scan")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 120
    assert "invoice.png" in facts and "invoice.pdf" not in facts  # the corrected version only
    # Who signed before, and when; this signature is the second.
    signatures = page.locator("ol.signatures li").all_inner_texts()
    assert signatures[0].startswith("社区党委书记 shuji 已于") and "签字" in signatures[0]
    assert signatures[1] == "建管委主任 待您签字" and signatures[2] == "党工委书记 尚未签字"
    page.get_by_role("button", name="确认：建管委主任签字").click()
    page.wait_for_url(f"**/projects/{project.pk}/")

    # Someone of another community's committee opening the scan gets nothing.
    other = user_with_role(CD, CommunityFactory())
    page.context.clear_cookies()
    login(page, other.username)
    scan = Document.objects.get(project=project, kind=Document.Kind.INVOICE, superseded_by__isnull=True)
    assert page.goto(f"{page.base}/projects/{project.pk}/documents/{scan.pk}/").status == 404


def test_the_settlement_is_filled_from_the_signed_invoice_and_finance_lands_on_its_inbox(page, cast, time_machine):  # noqa: F811
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    project = walk(new_project(people, fund_year, title="便民维修服务日"), people, Status.ACCEPTED, clock)
    # The invoice comes in under the approved amount: 5,400 of 6,000.
    services.document_upload(project=project, by=people[CS], kind=Document.Kind.INVOICE, upload=pdf("invoice.pdf"))
    services.invoice_submit(
        project=project,
        by=people[CS],
        number="04400777",
        issued_on=clock.day,
        amount=Decimal("5400.00"),
        issuer="家家修便民服务部",
    )
    walk(project, people, Status.SIGNED, clock)

    as_user(page, FI)
    page.goto(f"{page.base}/projects/{project.pk}/act/settle/")
    assert page.input_value("#id_amount") == "5400.00"
    assert page.input_value("#id_payee") == "家家修便民服务部"
    assert page.input_value("#id_paid_on") == clock.day.isoformat()
    figures = page.locator("section[aria-labelledby=settle-title]").inner_text()
    assert "批准金额\n6,000.00 元" in figures and "结算后尚余\n600.00 元" in figures
    assert "shuji" in page.locator("ol.signatures").inner_text()  # the signatures it rests on
    page.fill("#id_reference", "ZZ20261109")
    page.get_by_role("button", name="确认：与承办方结算付款").click()
    # Finance's next step is in its inbox, not on the project (whose next step is the community's).
    page.wait_for_url("**/inbox/")
    message = page.locator(".messages").inner_text()
    assert "5,400.00 元" in message and "已记入" in message and "张贴完成情况公示" in message
    page.get_by_role("link", name="查看台账").click()
    page.wait_for_url(f"**/ledger/{fund_year.community.code}/{fund_year.year}/")
    assert "便民维修服务日" in page.locator("main").inner_text()


def test_a_change_request_says_before_it_is_sent_what_the_year_can_bear(page, cast, time_machine):  # noqa: F811
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    spent = walk(new_project(people, fund_year, title="已完成项目"), people, Status.CLOSED, clock)
    assert spent.approved_amount == Decimal("6000.00")
    project = walk(new_project(people, fund_year, title="居家康复服务"), people, Status.EXECUTING, clock)
    # 100,000 for the year, 6,000 spent, this project holds 6,000: it may grow to 94,000.
    as_user(page, CS)
    page.goto(f"{page.base}/projects/{project.pk}/act/request_change/")
    limits = page.locator("section[aria-labelledby=limits-title]").inner_text()
    assert "现批准金额\n6,000.00 元" in limits and "按经费，变更后最多\n94,000.00 元" in limits
    page.fill("#id_reason", "服务对象增加")
    page.fill("#id_description", "增加服务次数")
    page.fill("#id_new_amount", "200000")
    page.get_by_role("button", name="确认：申请变更").click()
    warning = page.locator("#over-limit").inner_text()
    assert "变更后金额 200,000.00 元 超出本年度所能承担的金额（最多 94,000.00 元）" in warning
    assert "不足 106,000.00 元" in warning  # the gap, not the amount asked
    assert not ChangeRequest.objects.filter(project=project).exists()
    # Sent knowingly, it goes to the committee, which decides with the money of that day.
    page.get_by_role("button", name="仍按此金额提交：申请变更").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    assert ChangeRequest.objects.get(project=project).new_amount == Decimal("200000.00")
    as_user(page, KM)
    page.goto(f"{page.base}/projects/{project.pk}/act/decide_change/")
    pending = page.locator("section[aria-labelledby=pending-title]").inner_text()
    assert "同意此变更将被拒绝" in pending and "不足 106,000.00 元" in pending


def test_a_person_with_two_roles_who_signed_once_gets_text_not_a_form(page, phone, cast, community, time_machine):  # noqa: F811
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    # The community's secretary also holds the working committee's secretary role.
    both = people[CS]
    grant(both, KS, community.committee)
    member = user_with_role(Role.COMMUNITY_MEMBER, community, username="weiyuan")
    project = new_project({CS: member}, fund_year, title="助学帮扶")  # proposed by another person
    project = walk(project, people, Status.INVOICE_SIGNING_3, clock)
    reason = "同一人不能在同一张发票上签两次字"

    for screen in (page, phone):
        screen.context.clear_cookies()
        login(screen, USERNAMES[CS])
        screen.goto(f"{screen.base}/projects/{project.pk}/")
        assert "党工委书记签字" not in [a.inner_text() for a in screen.locator("#next .actions a").all()]
        assert reason in screen.locator("#next .blocked").inner_text()
        screen.goto(f"{screen.base}/projects/{project.pk}/act/sign_as_committee_secretary/")
        assert reason in screen.locator("p.errors[role=alert]").inner_text()
        assert screen.locator("form button[type=submit]", has_text="签字").count() == 0
        assert screen.locator("section[aria-labelledby=invoice-title]").count() == 1  # still shows what it is
        assert _scroll_width(screen) <= screen.viewport_size["width"]
    events = AuditEvent.objects.count()
    assert (
        Project.objects.get(pk=project.pk).status == Status.INVOICE_SIGNING_3 and AuditEvent.objects.count() == events
    )


@pytest.fixture
def small_group_project(cast, time_machine):  # noqa: F811
    people, fund_year = cast
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    other = new_project(
        people, fund_year, title="独居老人助餐", is_small_group=True, small_group_justification="独居老人约30人"
    )
    services.project_update(project=other, by=people[CS], fields={}, lines=lines("12000.00"))
    walk(other, people, Status.APPROVED, clock)
    project = new_project(
        people,
        fund_year,
        title="残疾人居家康复",
        is_small_group=True,
        small_group_justification="辖区残疾人约20人",
        contractor_kind=ContractorKind.ORGANISATION,
    )
    return walk(project, people, Status.SUBMITTED, clock)


def test_a_small_group_approval_shows_the_cap_before_and_after(phone, small_group_project):
    login(phone, USERNAMES[CD])
    phone.goto(f"{phone.base}/projects/{small_group_project.pk}/act/approve_for_construction/")
    money = phone.locator("section[aria-labelledby=money-title]").inner_text()
    assert "上限（经费总额的20%）\n20,000.00 元" in money and "其他此类项目已用\n12,000.00 元" in money
    assert "批准后上限尚余\n2,000.00 元" in money and "合计占年度经费总额的 18.0%" in money
    assert _scroll_width(phone) <= 360
