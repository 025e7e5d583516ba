"""The year's December dates (Art. 15, 16) from the working-day calendar, the staff banner while
next year's calendar is missing, and what loading it does to stored provisional deadlines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from fundadmin.context_processors import years_to_flag
from fundadmin.models import CalendarYear, FundYear
from fundadmin.roles import Role
from fundadmin.services import calendar_import
from fundadmin.workdays import WorkingCalendar, year_deadlines
from publicity.models import Notice
from tests.factories import user_with_role
from tests.projects.helpers import Clock

pytestmark = pytest.mark.django_db

D = dt.date
# Part of a 2027 calendar as the State Council might publish it: New Year's Day on Friday 1
# January, and Saturday 30 January worked (调休) — enough to move and to confirm deadlines.
CALENDAR_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-30,workday,调休\n"


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=D(2026, 11, 2))


# -- the December dates ---------------------------------------------------------------------------


def test_2026_dates_on_the_published_calendar():
    d = year_deadlines(2026)
    assert not d.provisional
    # Art. 16: before 1 December — 30 November 2026 is a Monday, a working day.
    assert (d.report_before, d.report_due.date, d.report_last_working_day) == (
        D(2026, 12, 1),
        D(2026, 11, 30),
        D(2026, 11, 30),
    )
    # Art. 15: 5 working days ending before 20 December (Sat 19th): Mon 14 – Fri 18 December,
    # so posted at the latest on Sunday 13th (not counted), the last working day being Fri 11th.
    assert d.summary_period == (D(2026, 12, 14), D(2026, 12, 18))
    assert d.summary_post_by.date == D(2026, 12, 13) and not d.summary_post_by.provisional
    assert d.summary_post_by_working_day == D(2026, 12, 11)
    assert WorkingCalendar().add_working_days(d.summary_post_by.date, 5).date == D(2026, 12, 18)
    assert WorkingCalendar().add_working_days(d.summary_post_by.date + dt.timedelta(days=1), 5).date >= D(2026, 12, 20)


def test_2027_dates_are_provisional_until_its_calendar_is_loaded():
    d = year_deadlines(2027)
    assert d.provisional and d.summary_post_by.provisional and not d.report_due.provisional
    # 19 December 2027 is a Sunday: the 5 working days are Mon 13 – Fri 17, posted by Sun 12th.
    assert d.summary_period == (D(2027, 12, 13), D(2027, 12, 17))
    assert (d.summary_post_by.date, d.summary_post_by_working_day) == (D(2027, 12, 12), D(2027, 12, 10))
    assert d.report_due.date == D(2027, 11, 30)  # a Tuesday
    calendar_import(text="date,kind,name\n2027-12-15,holiday,测试假日\n", by=None, source="测试")
    loaded = year_deadlines(2027)
    # A holiday inside the period pushes the latest posting day back by one working day.
    assert not loaded.provisional
    assert loaded.summary_period == (D(2027, 12, 10), D(2027, 12, 17))
    assert loaded.summary_post_by.date == D(2027, 12, 9)


def test_the_dashboard_shows_the_years_dates(client, community, clock):
    FundYear.objects.create(community=community, year=2026, allocation=Decimal("100000.00"))
    client.force_login(user_with_role(Role.COMMITTEE_SECRETARY, community))
    page = client.get(reverse("supervision:dashboard", args=[community.committee.code])).content.decode()
    assert "12月1日前报送党工委" in page and "最迟 11月30日" in page
    assert "最迟于 12月13日（非工作日；最后一个工作日为 12月11日）张贴，公示期 12月14日至12月18日" in page
    assert "当天不计入，自次日起算" in page
    next_year = client.get(
        reverse("supervision:dashboard_year", args=[community.committee.code, 2027])
    ).content.decode()
    assert '2027年度 <span class="badge warn">暂定</span>' in next_year and "公示期 12月13日至12月17日" in next_year


def test_the_inbox_deadlines_are_the_computed_dates(community, clock):
    from publicity.inbox import inbox_items as publicity_items
    from supervision.inbox import inbox_items as supervision_items

    FundYear.objects.create(community=community, year=2026, allocation=Decimal("100000.00"))
    clock.to(D(2026, 12, 2))
    secretary = user_with_role(Role.COMMUNITY_SECRETARY, community)
    [due] = [i for i in publicity_items(secretary, WorkingCalendar()) if i.action == "核对并发布年度公示"]
    assert due.deadline.date == D(2026, 12, 13) and not due.deadline.provisional and "最迟12月13日张贴" in due.note
    evaluator = user_with_role(Role.COMMITTEE_SECRETARY, community)
    [watch] = [i for i in supervision_items(evaluator, WorkingCalendar()) if i.action == "督促发布年度公示"]
    assert watch.deadline.date == D(2026, 12, 13)


def test_the_reminder_carries_the_years_dates(community, clock):
    from notifications.digest import digests_queue
    from notifications.models import Delivery

    FundYear.objects.create(community=community, year=2026, allocation=Decimal("100000.00"))
    secretary = user_with_role(Role.COMMUNITY_SECRETARY, community, email="sec@example.gov.cn")
    finance = user_with_role(Role.FINANCE, community, email="fin@example.gov.cn")
    clock.to(D(2026, 11, 16))
    digests_queue()  # the worker sends what is queued (tests/supervision/test_reminders.py)
    [mail] = Delivery.objects.filter(kind=Delivery.Kind.DIGEST, recipient=secretary)
    assert "本年度截止日期：" in mail.body
    assert "年度报告：12月1日前报送党工委" in mail.body
    assert "年度公示：最迟 12月13日张贴，公示期 12月14日至12月18日" in mail.body
    assert not Delivery.objects.filter(recipient=finance).exists()  # nothing waits for finance
    # After the last posting day the dates are no longer news.
    from supervision.reminders import year_dates_lines

    assert year_dates_lines(secretary, D(2026, 12, 14), year_deadlines(2026)) == []
    assert year_dates_lines(finance, D(2026, 11, 16), year_deadlines(2026)) == []


# -- the banner ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "flagged"),
    [
        (D(2026, 11, 30), []),  # next year's calendar is not due yet
        (D(2026, 12, 1), [2027]),  # from 1 December it is
        (D(2026, 12, 31), [2027]),
        (D(2027, 1, 4), [2027]),  # and a year without its calendar is flagged all year
    ],
)
def test_which_years_are_flagged(today, flagged):
    published = frozenset(CalendarYear.objects.filter(is_published=True).values_list("year", flat=True))
    assert years_to_flag(today, published) == flagged


def test_every_staff_page_says_so_from_1_december_until_the_calendar_is_loaded(client, community, clock, admin_user):
    secretary = user_with_role(Role.COMMUNITY_SECRETARY, community)
    client.force_login(secretary)
    assert "工作日历（国务院办公厅节假日安排）尚未导入" not in client.get("/inbox/").content.decode()
    clock.to(D(2026, 12, 1))
    client.force_login(secretary)  # a month on, the session has expired
    for url in ["/inbox/", "/projects/", reverse("ledger:index")]:
        page = client.get(url).content.decode()
        assert "2027年的工作日历（国务院办公厅节假日安排）尚未导入" in page, url
        assert "请联系系统管理员导入" in page and reverse("setup:calendar") not in page
    # Residents' pages never carry it.
    client.logout()
    assert "尚未导入" not in client.get("/").content.decode()
    # The administrator gets the link to the import, in the admin too.
    client.force_login(admin_user)
    assert reverse("setup:calendar") in client.get("/inbox/").content.decode()
    assert "2027年的工作日历" in client.get(reverse("admin:index")).content.decode()
    # Loading it removes the banner at once (the cached answer is dropped).
    client.post(reverse("setup:calendar"), {"file": _csv(CALENDAR_2027), "source": "国办发明电〔2026〕X号"})
    client.force_login(secretary)
    assert "尚未导入" not in client.get("/inbox/").content.decode()


def test_the_banner_costs_no_query_once_cached(client, community, clock, django_assert_num_queries):
    from fundadmin.context_processors import CalendarNotice
    from fundadmin.workdays import published_years

    clock.to(D(2026, 12, 1))
    client.force_login(user_with_role(Role.COMMUNITY_SECRETARY, community))
    published_years()
    request = client.get("/inbox/").wsgi_request
    with django_assert_num_queries(0):
        assert CalendarNotice(request).missing_years == [2027]


# -- loading the calendar recomputes the stored provisional deadlines --------------------------------


def _notice(community, by, posted_on: dt.date, days: int = 3, kind=Notice.Kind.PLAN) -> Notice:
    deadline = WorkingCalendar().add_working_days(posted_on, days)
    title = f"公示 {posted_on}"
    return Notice.objects.create(
        community=community,
        kind=kind,
        title=title,
        snapshot={"title": title},
        content_hash=Notice.hash_snapshot(title, {"title": title}),
        published_by=by,
        posted_on=posted_on,
        period_days=days,
        ends_on=deadline.date,
        ends_provisional=deadline.provisional,
    )


def _csv(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("2027.csv", text.encode(), content_type="text/csv")


@pytest.fixture
def notices(community, clock):
    clock.to(D(2026, 12, 29))
    by = user_with_role(Role.COMMUNITY_SECRETARY, community)
    # Tue 29 Dec 2026 for 3 working days: Wed 30, Thu 31, and Fri 1 January counted over weekends
    # alone — provisional end Fri 1 January; with New Year's Day off it is Mon 4 January.
    moving = _notice(community, by, D(2026, 12, 29))
    # Fri 29 Jan 2027: Mon 1, Tue 2, Wed 3 February provisionally; with Sat 30 January worked the
    # count ends on Tue 2 February — earlier than residents were shown, so the date stands.
    shortened = _notice(community, by, D(2027, 1, 29))
    # Wholly in 2026, already official: untouched.
    official = _notice(community, by, D(2026, 12, 21))
    return moving, shortened, official


def test_the_notices_were_provisional_as_posted(notices):
    moving, shortened, official = notices
    assert (moving.ends_on, moving.ends_provisional) == (D(2027, 1, 1), True)
    assert (shortened.ends_on, shortened.ends_provisional) == (D(2027, 2, 3), True)
    assert (official.ends_on, official.ends_provisional) == (D(2026, 12, 24), False)


def test_loading_the_calendar_moves_provisional_deadlines_and_records_what_moved(notices, admin_user):
    moving, shortened, official = notices
    result = calendar_import(text=CALENDAR_2027, by=admin_user, source="国办发明电〔2026〕X号")
    assert result.years == [2027]
    by_title = {m.what: m for m in result.moved}
    moved = by_title[f"公示：{moving.title}"]
    assert (moved.before.date, moved.after.date, moved.after.provisional) == (D(2027, 1, 1), D(2027, 1, 4), False)
    confirmed = by_title[f"公示：{shortened.title}"]
    assert not confirmed.moved and "已公布的截止日期不提前" in confirmed.note
    assert f"公示：{official.title}" not in by_title
    for notice, ends_on in [(moving, D(2027, 1, 4)), (shortened, D(2027, 2, 3)), (official, D(2026, 12, 24))]:
        notice.refresh_from_db()
        assert (notice.ends_on, notice.ends_provisional) == (ends_on, False)
    event = AuditEvent.objects.get(action="notice.deadline_recompute", object_id=str(moving.pk))
    assert event.changes["ends_on"] == {"before": "2027-01-01", "after": "2027-01-04"}
    assert event.actor == admin_user and "导入2027年工作日历" in event.reason
    assert event.community_id == moving.community_id
    assert AuditEvent.objects.filter(action="notice.deadline_recompute").count() == 2
    # Loading it again changes nothing more.
    again = calendar_import(text=CALENDAR_2027, by=admin_user, source="再次导入")
    assert again.moved == [] and AuditEvent.objects.filter(action="notice.deadline_recompute").count() == 2


def test_loading_another_year_leaves_a_notice_still_unknown_alone(notices):
    moving, *_ = notices
    result = calendar_import(text="date,kind,name\n2028-01-03,holiday,元旦\n", by=None, source="2028")
    assert result.moved == []
    moving.refresh_from_db()
    assert (moving.ends_on, moving.ends_provisional) == (D(2027, 1, 1), True)


def test_a_bad_calendar_file_changes_no_deadline(notices):
    from django.core.exceptions import ValidationError

    moving, *_ = notices
    with pytest.raises(ValidationError):
        calendar_import(text=CALENDAR_2027 + "2027-13-01,holiday,坏行\n", by=None)
    moving.refresh_from_db()
    assert (moving.ends_on, moving.ends_provisional) == (D(2027, 1, 1), True)
    assert not AuditEvent.objects.filter(action="notice.deadline_recompute").exists()


def test_import_workdays_says_what_moved(notices, tmp_path, capsys):
    path = tmp_path / "2027.csv"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    call_command("import_workdays", str(path), "--source", "国办发明电〔2026〕X号")
    out = capsys.readouterr().out
    assert "已导入 2027 年的工作日历" in out
    assert "1 项暂定截止日期已按正式日历重新计算" in out and "2027-01-01 → 2027-01-04" in out
    assert "1 项暂定截止日期经核对不变" in out


def test_marking_the_year_published_in_the_admin_recomputes(notices, admin_client):
    moving, *_ = notices
    CalendarYear.objects.get_or_create(year=2027)
    response = admin_client.post(
        reverse("admin:fundadmin_calendaryear_change", args=[2027]),
        {"year": 2027, "is_published": "on", "source": "后台"},
        follow=True,
    )
    assert response.status_code == 200
    moving.refresh_from_db()
    # Published with no special days: 1 January counts as a working day — the date is confirmed.
    assert (moving.ends_on, moving.ends_provisional) == (D(2027, 1, 1), False)
    assert AuditEvent.objects.filter(action="notice.deadline_recompute", object_id=str(moving.pk)).exists()


def test_adding_a_holiday_in_the_admin_moves_the_deadline(notices, admin_client):
    moving, *_ = notices
    CalendarYear.objects.update_or_create(year=2027, defaults={"is_published": True})
    moving.ends_provisional = True
    Notice.objects.filter(pk=moving.pk).update(ends_provisional=True)
    response = admin_client.post(
        reverse("admin:fundadmin_specialday_add"),
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        follow=True,
    )
    assert "1 项暂定截止日期已重新计算" in response.content.decode()
    moving.refresh_from_db()
    assert (moving.ends_on, moving.ends_provisional) == (D(2027, 1, 4), False)


def test_the_import_page_lists_what_moved(notices, admin_client):
    page = admin_client.post(
        reverse("setup:calendar"), {"file": _csv(CALENDAR_2027), "source": "国办发明电〔2026〕X号"}
    )
    text = page.content.decode()
    assert "已导入 2027 年的工作日历" in text and "重新计算了 2 项暂定截止日期" in text
    assert "截止日期 2027-01-01（暂定） → 2027-01-04" in text and "已公布的截止日期不提前" in text
    bad = admin_client.post(reverse("setup:calendar"), {"file": _csv("date,kind\n2027-02-30,holiday\n")})
    assert "格式应为 YYYY-MM-DD" in bad.content.decode()
