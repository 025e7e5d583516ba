"""Art. 16: the community reports its year before 1 December; the working committee evaluates it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar
from supervision import inbox, services
from supervision.models import AnnualReport, ReportEvaluation
from supervision.selectors import report_snapshot, report_statuses, snapshot_hash

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _at(time_machine, day, hour=10):
    time_machine.move_to(dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING))


def _submit(fund_year, people, **kw):
    return services.annual_report_submit(
        fund_year=fund_year, by=people[Role.COMMUNITY_SECRETARY], narrative="全年实施项目1个，群众满意。", **kw
    )


def test_snapshot_is_generated_from_the_year(closed_project, fund_year):
    s = report_snapshot(fund_year)
    assert s["allocation"] == "100000.00" and s["carry_over"] == "0.00"
    assert Decimal(s["spent"]) == closed_project.settlement.amount
    assert Decimal(s["carry_forward"]) == Decimal("100000.00") - closed_project.settlement.amount
    assert s["counts"] == {"total": 1, "completed": 1, "in_progress": 0, "ended": 0}
    assert s["satisfaction"]["respondents"] > 0 and s["satisfaction"]["percent"]
    [row] = s["projects"]
    assert row["number"] == closed_project.number and row["satisfaction_percent"]
    by_name = {c["name"]: c for c in s["categories"]}
    assert by_name[closed_project.category.name]["count"] == 1
    assert len(s["categories"]) == 6  # Art. 8


@pytest.mark.parametrize(
    ("day", "late"),
    [(dt.date(2026, 11, 28), False), (dt.date(2026, 11, 30), False), (dt.date(2026, 12, 1), True)],
)
def test_late_from_the_first_of_december(time_machine, fund_year, people, day, late):
    _at(time_machine, day, hour=23)
    report = _submit(fund_year, people)
    assert report.is_late is late
    event = AuditEvent.objects.filter(action="annual_report.submit").get()
    assert event.changes["late"] is late


def test_last_minute_in_beijing_is_still_on_time(time_machine, fund_year, people):
    # 30 Nov 23:59 in Beijing is 30 Nov 15:59 UTC; 1 Dec 00:01 Beijing is still 30 Nov in UTC.
    time_machine.move_to(dt.datetime(2026, 11, 30, 23, 59, tzinfo=BEIJING))
    assert not _submit(fund_year, people).is_late


def test_first_minute_of_december_in_beijing_is_late(time_machine, fund_year, people):
    time_machine.move_to(dt.datetime(2026, 12, 1, 0, 1, tzinfo=BEIJING))
    assert _submit(fund_year, people).is_late


def test_status_flags_missing_reports_from_the_first_of_december(fund_year, community):
    [due] = report_statuses([community], 2026, dt.date(2026, 11, 30))
    [overdue] = report_statuses([community], 2026, dt.date(2026, 12, 1))
    assert (due.state, overdue.state) == ("due", "overdue")


def test_inbox_reminds_the_community_and_the_committee(time_machine, fund_year, people):
    _at(time_machine, dt.date(2026, 11, 28))
    calendar = WorkingCalendar()
    [item] = [i for i in inbox.inbox_items(people[Role.COMMUNITY_SECRETARY], calendar) if i.action == "报送年度报告"]
    assert item.deadline.date == dt.date(2026, 11, 30) and not item.is_overdue(dt.date(2026, 11, 30))
    assert item.is_overdue(dt.date(2026, 12, 1))
    committee = [i.action for i in inbox.inbox_items(people[Role.COMMITTEE_SECRETARY], calendar)]
    assert "督促报送年度报告" in committee
    _submit(fund_year, people)
    assert "报送年度报告" not in [i.action for i in inbox.inbox_items(people[Role.COMMUNITY_SECRETARY], calendar)]
    committee = [i.action for i in inbox.inbox_items(people[Role.COMMITTEE_SECRETARY], calendar)]
    assert "评议年度报告" in committee and "督促报送年度报告" not in committee
    _at(time_machine, dt.date(2026, 12, 2))
    december = [i for i in inbox.inbox_items(people[Role.COMMITTEE_SECRETARY], calendar) if "年度公示" in i.action]
    # Art. 15 (issue 14): posted by 13 December so that its 5 working days end before the 20th.
    assert december and december[0].deadline.date == dt.date(2026, 12, 13)


def test_only_the_community_submits_once(fund_year, people):
    with pytest.raises(PermissionDenied):
        _submit(fund_year, {Role.COMMUNITY_SECRETARY: people[Role.SUPERVISOR]})
    with pytest.raises(PermissionDenied):
        _submit(fund_year, {Role.COMMUNITY_SECRETARY: people[Role.COMMITTEE_SECRETARY]})
    _submit(fund_year, people)
    with pytest.raises(ValidationError, match="已报送"):
        _submit(fund_year, people)
    assert AnnualReport.objects.count() == 1


def test_stale_figures_are_refused(fund_year, people):
    reviewed = snapshot_hash(report_snapshot(fund_year))
    from fundadmin.services import fund_year_set_allocation

    fund_year_set_allocation(community=fund_year.community, year=2026, allocation=Decimal("120000.00"), by=None)
    with pytest.raises(ValidationError, match="重新核对"):
        _submit(fund_year, people, reviewed_hash=reviewed)
    assert not AnnualReport.objects.exists()


def test_evaluation_is_kept_and_a_re_evaluation_is_a_new_record(fund_year, people):
    report = _submit(fund_year, people)
    evaluator = people[Role.COMMITTEE_MEMBER]
    for role in (Role.SUPERVISOR, Role.COMMUNITY_SECRETARY, Role.FINANCE, Role.CONSTRUCTION_DIRECTOR):
        with pytest.raises(PermissionDenied):
            services.report_evaluate(report=report, by=people[role], score=90, grade="", comments="好")
    with pytest.raises(ValidationError, match="评分或选择等次"):
        services.report_evaluate(report=report, by=evaluator, score=None, grade="", comments="好")
    with pytest.raises(ValidationError, match="0 到 100"):
        services.report_evaluate(report=report, by=evaluator, score=101, grade="", comments="好")
    first = services.report_evaluate(report=report, by=evaluator, score=85, grade="good", comments="规范")
    second = services.report_evaluate(
        report=report, by=people[Role.COMMITTEE_SECRETARY], score=None, grade="excellent", comments="复核后上调"
    )
    assert second.supersedes == first and ReportEvaluation.objects.count() == 2
    first.refresh_from_db()
    assert first.score == 85 and first.comments == "规范"
    first.comments = "改"
    with pytest.raises(ValidationError):
        first.save()
    report.narrative = "改"
    with pytest.raises(ValidationError):
        report.save()
    actions = list(AuditEvent.objects.filter(action__startswith="annual_report.").values_list("action", flat=True))
    assert actions == ["annual_report.submit", "annual_report.evaluate", "annual_report.evaluate"]


def test_report_pages(client, time_machine, fund_year, people):
    _at(time_machine, dt.date(2026, 11, 28))
    url = reverse("supervision:report_prepare", args=[fund_year.community.code, 2026])
    client.force_login(people[Role.SUPERVISOR])
    assert client.get(url).status_code == 403
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    page = client.get(url)
    assert page.status_code == 200 and "100,000.00 元" in page.content.decode()
    reviewed = page.context["form"].initial["reviewed_hash"]
    response = client.post(url, {"narrative": "", "reviewed_hash": reviewed})
    assert response.status_code == 200 and not AnnualReport.objects.exists()
    response = client.post(url, {"narrative": "年度总结", "reviewed_hash": reviewed})
    report = AnnualReport.objects.get()
    assert response.url == reverse("supervision:report_detail", args=[report.pk])
    assert client.get(url).url == response.url  # already submitted: shown, not resubmitted
    evaluate = reverse("supervision:report_evaluate", args=[report.pk])
    assert client.post(evaluate, {"score": 90, "comments": "好"}).status_code == 403
    client.force_login(people[Role.COMMITTEE_SECRETARY])
    assert client.get(evaluate).status_code == 405
    assert client.post(evaluate, {"comments": "好"}).status_code == 400
    assert client.post(evaluate, {"score": 92, "grade": "excellent", "comments": "好"}).status_code == 302
    page = client.get(reverse("supervision:report_detail", args=[report.pk])).content.decode()
    assert "92分 优秀" in page and "按时报送" in page
    listing = client.get(reverse("supervision:report_list", args=[fund_year.community.committee.code, 2026]))
    assert "已按时报送" in listing.content.decode()
