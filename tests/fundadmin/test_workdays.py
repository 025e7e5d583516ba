"""SPEC.md "Working days": the official calendar, the Civil Code counting rule, provisional years."""

import datetime as dt

import pytest

from fundadmin.models import CalendarYear, SpecialDay
from fundadmin.services import calendar_import_csv
from fundadmin.workdays import WorkingCalendar, add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "end", "provisional"),
    [
        # National Day 2026: Oct 1–7 off, Sat Oct 10 is an adjusted working day (调休).
        (D(2026, 9, 30), 3, D(2026, 10, 10), False),
        # Mid-Autumn Fri Sep 25 off; Sun Sep 20 is worked.
        (D(2026, 9, 18), 1, D(2026, 9, 20), False),
        (D(2026, 9, 24), 1, D(2026, 9, 28), False),
        # Spring Festival 2026: Sat Feb 14 worked, Feb 15–23 off, Sat Feb 28 worked.
        (D(2026, 2, 13), 3, D(2026, 2, 25), False),
        (D(2026, 2, 26), 2, D(2026, 2, 28), False),
        # The event day is not counted: a Monday notice for 3 days ends on Thursday.
        (D(2026, 11, 23), 3, D(2026, 11, 26), False),
        # A 5-working-day decision on a form received Friday Nov 27 is due Friday Dec 4.
        (D(2026, 11, 27), 5, D(2026, 12, 4), False),
        # Into 2027, whose calendar is not published yet: weekends only, marked provisional.
        (D(2026, 12, 29), 3, D(2027, 1, 1), True),
        (D(2026, 12, 25), 3, D(2026, 12, 30), False),
    ],
)
def test_add_working_days_on_real_calendar(start, n, end, provisional):
    deadline = add_working_days(start, n)
    assert (deadline.date, deadline.provisional) == (end, provisional)


def test_adjusted_weekend_is_a_working_day_and_holiday_weekday_is_not():
    assert is_working_day(D(2026, 10, 10))  # Saturday, adjusted
    assert not is_working_day(D(2026, 10, 5))  # Monday, National Day
    assert not is_working_day(D(2026, 10, 11))  # plain Sunday
    assert is_working_day(D(2026, 10, 12))


def test_working_days_between_counts_after_the_first_day():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)).days == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 10, 10)).days == 0
    count = working_days_between(D(2026, 12, 30), D(2027, 1, 4))
    assert count.provisional and count.days == 3  # Dec 31, Jan 1 (a guess: 2027 unpublished), Jan 4


def test_unpublished_year_is_flagged_and_import_makes_it_official():
    assert not WorkingCalendar().is_published(2027)
    calendar_import_csv(
        text="date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n",
        by=None,
        source="国办发明电〔2026〕X号",
    )
    deadline = add_working_days(D(2026, 12, 29), 3)
    assert deadline == type(deadline)(D(2027, 1, 4), False)
    assert CalendarYear.objects.get(year=2027).is_published


def test_import_rejects_a_bad_file_whole_and_changes_nothing():
    from django.core.exceptions import ValidationError

    before = SpecialDay.objects.filter(date__year=2026).count()
    with pytest.raises(ValidationError) as exc:
        calendar_import_csv(
            text="date,kind,name\n2026-01-01,holiday,元旦\n2026-13-01,holiday,坏日期\n2026-01-05,workday,周一\n",
            by=None,
        )
    assert any("YYYY-MM-DD" in m for m in exc.value.messages)
    assert any("不需要登记为调休上班" in m for m in exc.value.messages)
    assert SpecialDay.objects.filter(date__year=2026).count() == before


def test_calendar_edit_takes_effect_immediately():
    assert is_working_day(D(2026, 12, 1))
    SpecialDay.objects.create(date=D(2026, 12, 1), kind=SpecialDay.Kind.HOLIDAY, name="测试假日")
    assert not is_working_day(D(2026, 12, 1))


def test_seeded_years_cover_chinesecalendar():
    years = set(CalendarYear.objects.filter(is_published=True).values_list("year", flat=True))
    assert set(range(2004, 2027)) <= years
    assert 2027 not in years


def test_import_command(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-02-06,班,春节调休\n2027-02-08,休,春节\n", encoding="utf-8")
    call_command("import_workdays", str(path), "--source", "测试")
    assert is_working_day(D(2027, 2, 6)) and not is_working_day(D(2027, 2, 8))


def test_working_days_between_counts_as_the_day_by_day_walk():
    """The count by arithmetic (issue 17: the inbox counted years of waiting day by day) gives
    the walk's answer for every pair of days around the published years and into unpublished ones."""
    calendar = WorkingCalendar()
    days = [D(2024, 12, 20) + dt.timedelta(days=i) for i in range(0, 800, 3)]
    for a in days[::7]:
        for b in days:
            walked, provisional, day = 0, False, a
            while day < b:
                day += dt.timedelta(days=1)
                provisional |= not calendar.is_published(day.year)
                walked += calendar.is_working_day(day)
            count = calendar.working_days_between(a, b)
            assert (count.days, count.provisional) == (walked, provisional), (a, b)
