import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.roles import Role
from projects.models import Project, Status
from tests.factories import CommunityFactory, FundYearFactory, user_with_role

from .helpers import Clock, new_project, walk

pytestmark = pytest.mark.django_db


def _create_post(fund_year, **extra):
    data = {
        "fund_year": fund_year.pk,
        "title": "敬老餐桌",
        "category": 1,
        "description": "为独居老人送餐",
        "spending_plan": "按月结算",
        "beneficiaries": "独居老人",
        "beneficiary_count": "40",
        "contractor_kind": "organisation",
        "contractor_name": "某餐饮公司",
        "decl_not_office": "on",
        "decl_not_salary": "on",
        "decl_not_government": "on",
        "decl_not_funded": "on",
        "decl_not_property": "on",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        "lines-0-item": "送餐服务",
        "lines-0-quantity": "１２",
        "lines-0-unit": "月",
        "lines-0-unit_price": "1,500.50",
    }
    data.update(extra)
    return data


def test_secretary_creates_a_project_with_derived_total(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    response = client.post(reverse("projects:create"), _create_post(fund_year))
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("projects:detail", args=[project.pk])
    assert str(project.budget_total) == "18006.00"  # 12 × 1,500.50, full-width digits accepted


def test_bad_input_changes_nothing_and_says_why(client, people, fund_year):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    before = AuditEvent.objects.count()
    response = client.post(reverse("projects:create"), _create_post(fund_year, **{"lines-0-unit_price": "12.345"}))
    assert response.status_code == 200
    assert "金额最多两位小数" in response.content.decode()
    assert not Project.objects.exists() and AuditEvent.objects.count() == before


def test_supervisor_cannot_propose(client, people):
    client.force_login(people[Role.SUPERVISOR])
    assert client.get(reverse("projects:create")).status_code == 403


def test_project_page_shows_actions_and_reasons(client, people, fund_year):
    project = new_project(people, fund_year)
    act = reverse("projects:act", args=[project.pk, "request_consent"])
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "报请党工委初步同意" in page and "提议" in page and act in page
    # Not the member's step: no control, but the sentence says whom the project waits for (UX.md).
    client.force_login(people[Role.COMMUNITY_MEMBER])
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    secretary = people[Role.COMMUNITY_SECRETARY].display_name
    assert f"（{secretary}）报请党工委初步同意" in page and act not in page


def test_other_community_gets_404(client, people, fund_year):
    project = new_project(people, fund_year)
    stranger = user_with_role(Role.COMMUNITY_SECRETARY, CommunityFactory())
    client.force_login(stranger)
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404
    assert client.post(reverse("projects:act", args=[project.pk, "request_consent"])).status_code == 404
    assert client.get(reverse("projects:list")).content.decode().count(project.title) == 0


def test_action_happy_path_and_wrong_role(client, people, fund_year):
    project = new_project(people, fund_year)
    url = reverse("projects:act", args=[project.pk, "request_consent"])
    client.force_login(people[Role.COMMUNITY_MEMBER])
    assert client.post(url).status_code == 403
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    assert client.post(url).status_code == 302
    assert Project.objects.get(pk=project.pk).status == Status.CONSENT_REQUESTED


def test_get_on_an_action_changes_nothing(client, people, fund_year):
    project = new_project(people, fund_year)
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    response = client.get(reverse("projects:act", args=[project.pk, "request_consent"]))
    assert response.status_code == 200 and "确认" in response.content.decode()
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


def test_document_upload_is_post_only_and_download_checks_scope(client, people, fund_year):
    from .helpers import pdf

    project = new_project(people, fund_year)
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    url = reverse("projects:document_upload", args=[project.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"kind": "other", "title": "照片", "file": pdf()})
    doc = project.documents.get()
    download = reverse("projects:document", args=[project.pk, doc.pk])
    assert client.get(download).status_code == 200
    client.force_login(user_with_role(Role.SUPERVISOR, CommunityFactory()))
    assert client.get(download).status_code == 404


def test_inbox_lists_what_waits_with_deadline(client, people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    client.force_login(people[Role.COMMITTEE_SECRETARY])
    page = client.get(reverse("inbox")).content.decode()
    assert "党工委班子会议批准" in page and project.title in page and "期限" in page
    clock.after(10)
    page = client.get(reverse("inbox")).content.decode()
    assert "已超期" in page
    client.force_login(people[Role.SUPERVISOR])
    assert project.title not in client.get(reverse("inbox")).content.decode()


def test_inbox_marks_provisional_deadlines(client, people, community, time_machine):
    fund_year = FundYearFactory(community=community, year=2026)
    from ledger.services import appropriation_record

    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    clock = Clock(time_machine, start=dt.date(2026, 12, 21))  # posted Monday, ends Thursday 24th
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)  # received 2026-12-25: due in 2027, a guess
    assert Project.objects.get(pk=project.pk).received_on == dt.date(2026, 12, 25)
    client.force_login(people[Role.CONSTRUCTION_DIRECTOR])
    page = client.get(reverse("inbox")).content.decode()
    assert "（暂定）" in page


def test_project_list_filters(client, people, fund_year, time_machine):
    clock = Clock(time_machine)
    a = new_project(people, fund_year, title="甲项目")
    b = new_project(people, fund_year, title="乙项目")
    walk(b, people, Status.SUBMITTED, clock)
    client.force_login(people[Role.COMMITTEE_MEMBER])
    page = client.get(reverse("projects:list"), {"stage": "approval"}).content.decode()
    assert b.title in page and a.title not in page
    clock.after(10)
    page = client.get(reverse("projects:list"), {"overdue": "on"}).content.decode()
    assert b.title in page and "审批超期" in page


def test_project_list_says_what_is_wrong_with_a_bad_search(client, people, fund_year):
    """A year that is no year, an order it does not offer, a search too long: the list still
    answers (every project, the default order) and says, in Chinese, what to change."""
    project = new_project(people, fund_year, title="甲项目")
    client.force_login(people[Role.COMMITTEE_MEMBER])
    for bad, message in (
        ({"year": "abc"}, "所选的年度不在可选范围内"),
        ({"year": "1999"}, "所选的年度不在可选范围内"),
        ({"sort": "pk; drop table"}, "所选的排序不在可选范围内"),
        ({"q": "灯" * 101}, "搜索最多 100 个字"),
    ):
        response = client.get(reverse("projects:list"), bad)
        page = response.content.decode()
        assert response.status_code == 200 and project.title in page, bad
        assert "查找条件有误" in page and message in page, bad


def test_supervisor_cannot_upload(client, people, fund_year):
    from .helpers import pdf

    project = new_project(people, fund_year)
    client.force_login(people[Role.SUPERVISOR])
    response = client.post(reverse("projects:document_upload", args=[project.pk]), {"kind": "other", "file": pdf()})
    assert response.status_code == 403 and not project.documents.exists()


def test_deciding_a_change_twice_gives_a_message_not_an_error(client, people, fund_year, time_machine):
    from decimal import Decimal

    from projects import services

    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.EXECUTING, clock)
    services.change_request_submit(
        project=project, by=people[Role.COMMUNITY_SECRETARY], reason="r", description="d", new_amount=Decimal("6500.00")
    )
    client.force_login(people[Role.COMMITTEE_MEMBER])
    url = reverse("projects:act", args=[project.pk, "decide_change"])
    assert client.post(url, {"consent": "1", "comment": "同意"}).status_code == 302
    response = client.post(url, {"consent": "1", "comment": "同意"})
    assert response.status_code == 200 and "该变更申请已处理" in response.content.decode()


def test_project_list_pages_and_finds_an_overdue_project_on_any_page(client, people, fund_year, time_machine):
    from projects.views import LIST_PAGE

    clock = Clock(time_machine)
    old = walk(new_project(people, fund_year, title="早已报送的项目"), people, Status.SUBMITTED, clock)
    for i in range(LIST_PAGE):  # newer projects push it to the second page
        new_project(people, fund_year, title=f"新项目{i}")
    clock.after(10)
    client.force_login(people[Role.COMMITTEE_MEMBER])
    first = client.get(reverse("projects:list")).content.decode()
    assert old.title not in first and "第 1 / 2 页" in first and f"共 {LIST_PAGE + 1} 个项目" in first
    assert old.title in client.get(reverse("projects:list"), {"page": 2}).content.decode()
    # The overdue filter is applied before paging (Art. 11: 5 working days from receipt).
    overdue = client.get(reverse("projects:list"), {"overdue": "on"}).content.decode()
    assert old.title in overdue and "新项目" not in overdue and "共 1 个项目" in overdue
    # The pager keeps the filters.
    paged = client.get(reverse("projects:list"), {"year": fund_year.year}).content.decode()
    assert f"year={fund_year.year}&amp;page=2" in paged


def test_overdue_receipt_cut_off_agrees_with_the_deadline_of_every_day(db):
    """received_on <= last_receipt_overdue_by(today)  <=>  today is after the approval deadline,
    for every receipt and every day across the National Day holiday and its make-up weekends."""
    from fundadmin.workdays import WorkingCalendar
    from projects.selectors import APPROVAL_DAYS, last_receipt_overdue_by

    calendar = WorkingCalendar()
    days = [dt.date(2026, 9, 15) + dt.timedelta(days=n) for n in range(45)]
    for today in days:
        cut = last_receipt_overdue_by(today, calendar)
        for received in days:
            overdue = today > calendar.add_working_days(received, APPROVAL_DAYS).date
            assert (received <= cut) == overdue, (today, received, cut)


def test_a_document_is_corrected_from_the_upload_form(client, people, fund_year, other_community):
    from projects.models import Document

    from .helpers import pdf

    project = new_project(people, fund_year)
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    url = reverse("projects:document_upload", args=[project.pk])
    client.post(url, {"kind": "other", "title": "照片", "file": pdf("a.pdf")})
    original = project.documents.get()
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "更正已上传的文件" in page and f'value="{original.pk}"' in page
    client.post(url, {"kind": "other", "title": "照片（更正）", "file": pdf("b.pdf"), "replaces": original.pk})
    original.refresh_from_db()
    assert original.superseded_by is not None and original.superseded_by.title == "照片（更正）"
    # Garbage, an already corrected version and another project's document: a message, nothing stored.
    other = new_project(people, fund_year, title="另一个项目")
    client.post(reverse("projects:document_upload", args=[other.pk]), {"kind": "other", "file": pdf("c.pdf")})
    foreign = other.documents.get()
    for bad in ("abc", "²", str(original.pk), str(foreign.pk)):
        response = client.post(url, {"kind": "other", "file": pdf("d.pdf"), "replaces": bad}, follow=True)
        assert response.status_code == 200
        assert "要更正的文件不存在" in response.content.decode(), bad
    assert Document.objects.filter(project=project).count() == 2


def test_the_page_says_before_the_form_that_the_money_is_not_there(client, people, fund_year, time_machine):
    """Art. 7(2), 13: the approval the service would refuse for money is shown refused, with the
    reason, on the project page and the action page — and the inbox still lists it (a decision
    is still owed: return or reject)."""
    from projects import services

    from .helpers import lines

    clock = Clock(time_machine)
    big = new_project(people, fund_year, title="大项目")
    services.project_update(project=big, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("70000.00"))
    second = new_project(people, fund_year, title="后到的项目")
    services.project_update(project=second, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("40000.00"))
    walk(second, people, Status.SUBMITTED, clock)
    walk(big, people, Status.APPROVED, clock)  # approved first: 30,000 left, the second needs 40,000
    client.force_login(people[Role.COMMITTEE_SECRETARY])
    detail = client.get(reverse("projects:detail", args=[second.pk])).content.decode()
    assert "本年度可用经费为 30,000.00 元" in detail
    act = client.get(reverse("projects:act", args=[second.pk, "approve_for_committee"])).content.decode()
    assert "本年度可用经费为 30,000.00 元" in act
    assert second.title in client.get(reverse("inbox")).content.decode()


def test_a_draft_shows_its_dates_as_the_date_input_reads_them(client, people, fund_year):
    """<input type="date"> reads 2026-12-04 and nothing else: a planned date shown as 2026/12/04
    was empty on screen and sent back empty, losing it on the next save."""
    project = new_project(people, fund_year, planned_start=dt.date(2026, 12, 4), planned_end=dt.date(2027, 1, 3))
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    page = client.get(reverse("projects:edit", args=[project.pk])).content.decode()
    assert 'name="planned_start" value="2026-12-04"' in page and 'name="planned_end" value="2027-01-03"' in page


def test_the_settlement_form_starts_from_the_signed_invoice(client, people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year), people, Status.SIGNED, clock)
    invoice = Project.objects.get(pk=project.pk).invoice
    client.force_login(people[Role.FINANCE])
    page = client.get(reverse("projects:act", args=[project.pk, "settle"])).content.decode()
    assert 'name="amount" value="6000.00"' in page and f'name="payee" value="{invoice.issuer}"' in page
    assert f'name="paid_on" value="{clock.day.isoformat()}"' in page


def test_only_the_person_who_may_decide_sees_what_is_decided(client, people, fund_year, time_machine):
    """The decision panels are for whoever may take the step; another body's member reads the
    project page, not the decision screen of someone else."""
    clock = Clock(time_machine)
    project = walk(new_project(people, fund_year), people, Status.SUBMITTED, clock)
    url = reverse("projects:act", args=[project.pk, "approve_for_committee"])
    client.force_login(people[Role.COMMITTEE_SECRETARY])
    assert "审批的方案" in client.get(url).content.decode()
    client.force_login(people[Role.FINANCE])
    page = client.get(url).content.decode()
    assert "审批的方案" not in page and "暂不能办理" in page
