"""Working days on China's official calendar (SPEC.md "Working days").

Periods follow the Civil Code, art. 201: the day of the event is not counted; the period starts
the next day. A notice posted on D for 3 working days runs to the end of the 3rd working day
after D; a form received on R is due by the end of the 5th working day after R.

A year whose calendar the State Council has not yet published is computed from weekends alone
and every answer that touches it is marked ``provisional`` — never guessed silently.
"""

from __future__ import annotations

import bisect
import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from .models import CalendarYear, SpecialDay

CONVENTION_NOTE = "按工作日计算，当天不计入，自次日起算（《民法典》第二百零一条）"
PROVISIONAL_NOTE = "该年度法定节假日安排尚未公布，按周末推算，仅供参考"

# Art. 16: the annual report reaches the working committee before 1 December.
REPORT_BEFORE = (12, 1)
# Art. 15: the annual summary is posted for 5 working days, and the posting ends before 20 December.
SUMMARY_BEFORE = (12, 20)
SUMMARY_WORKING_DAYS = 5
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    provisional: bool

    def __str__(self) -> str:
        return f"{self.date.isoformat()}{'（暂定）' if self.provisional else ''}"


@dataclass(frozen=True)
class DayCount:
    days: int
    provisional: bool


@dataclass
class WorkingCalendar:
    """Answers working-day questions from the calendar in the database.

    Make one per request (or per command) and share it across a page's deadlines: on its first
    question it reads the whole calendar — which years are published and their special days, a
    few dozen rows a year — in two queries, and it never caches across requests, so a calendar
    edit takes effect at once in every process.
    """

    _published: frozenset[int] | None = None
    _special: dict[datetime.date, str] = field(default_factory=dict)
    # The special days that change a day's weekday answer, in date order, and the running sum of
    # those changes (-1 a holiday on a weekday, +1 a working weekend day): working_days_between
    # counts weekdays by arithmetic and corrects by these, instead of walking day by day.
    _shift_days: list[int] = field(default_factory=list)
    _shift_sums: list[int] = field(default_factory=list)

    def _load(self) -> None:
        if self._published is None:
            self._published = frozenset(CalendarYear.objects.filter(is_published=True).values_list("year", flat=True))
            # An unpublished year is weekends alone, whatever special days were entered for it.
            self._special = {
                day: kind for day, kind in SpecialDay.objects.values_list("date", "kind") if day.year in self._published
            }
            total = 0
            for day in sorted(self._special):
                weekday, kind = day.weekday() < 5, self._special[day]
                shift = -1 if kind == SpecialDay.Kind.HOLIDAY and weekday else 0
                shift += 1 if kind == SpecialDay.Kind.WORKDAY and not weekday else 0
                if shift:
                    total += shift
                    self._shift_days.append(day.toordinal())
                    self._shift_sums.append(total)

    def _working_days_through(self, ordinal: int) -> int:
        """Working days from 0001-01-01 (a Monday) through the day ``ordinal``."""
        weeks, rest = divmod(ordinal, 7)
        i = bisect.bisect_right(self._shift_days, ordinal)
        return weeks * 5 + min(rest, 5) + (self._shift_sums[i - 1] if i else 0)

    def is_published(self, year: int) -> bool:
        self._load()
        return year in self._published

    def is_working_day(self, day: datetime.date) -> bool:
        self._load()
        kind = self._special.get(day)
        if kind == SpecialDay.Kind.HOLIDAY:
            return False
        if kind == SpecialDay.Kind.WORKDAY:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, n: int) -> Deadline:
        """The end of the n-th working day after ``start`` (``start`` itself not counted)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted, provisional = start, 0, False
        while counted < n:
            day += datetime.timedelta(days=1)
            provisional |= not self.is_published(day.year)
            if self.is_working_day(day):
                counted += 1
        return Deadline(day, provisional)

    def last_working_day(self, on_or_before: datetime.date) -> datetime.date:
        day = on_or_before
        while not self.is_working_day(day):
            day -= datetime.timedelta(days=1)
        return day

    def working_days_between(self, a: datetime.date, b: datetime.date) -> DayCount:
        """Working days after ``a`` up to and including ``b`` (0 when b <= a).

        The same answer as counting ``is_working_day`` day by day, in constant time: a project
        that has waited years is counted as fast as one that waited a day (the inbox counts one
        per row)."""
        self._load()
        if b <= a:
            return DayCount(0, False)
        first = a + datetime.timedelta(days=1)
        provisional = any(not self.is_published(y) for y in range(first.year, b.year + 1))
        count = self._working_days_through(b.toordinal()) - self._working_days_through(a.toordinal())
        return DayCount(count, provisional)


# The staff pages' banner (fundadmin.context_processors) asks on every page whether a year is
# published; that one answer is kept in the shared cache and dropped by every calendar write
# (fundadmin.services.calendar_changed). Deadlines never read it: WorkingCalendar reads the tables.
PUBLISHED_CACHE_KEY = "fundadmin:calendar:published-years"
PUBLISHED_CACHE_SECONDS = 300


def published_years() -> frozenset[int]:
    years = cache.get(PUBLISHED_CACHE_KEY)
    if years is None:
        years = frozenset(CalendarYear.objects.filter(is_published=True).values_list("year", flat=True))
        cache.set(PUBLISHED_CACHE_KEY, years, PUBLISHED_CACHE_SECONDS)
    return years


def forget_published_years() -> None:
    # Now, and again after commit: a page rendered between the two may have cached the old answer.
    cache.delete(PUBLISHED_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(PUBLISHED_CACHE_KEY))


def weekday_label(day: datetime.date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


@dataclass(frozen=True)
class YearDeadlines:
    """The year's two December dates (Art. 15, 16), computed from the working-day calendar.

    ``summary_post_by`` is the last day on which the annual summary may be posted so that its
    5 working days — counted from the day after posting — end before 20 December; when that day
    is a weekend or holiday, ``summary_post_by_working_day`` is the last working day before it.
    """

    year: int
    provisional: bool  # the year's calendar is not published: working days are weekends alone
    report_before: datetime.date
    report_due: Deadline  # the last day to submit on time (30 November: a date, not a count)
    report_last_working_day: datetime.date
    summary_before: datetime.date
    summary_post_by: Deadline
    summary_post_by_working_day: datetime.date
    summary_period: tuple[datetime.date, datetime.date]  # the 5 working days of a posting on summary_post_by


def year_deadlines(year: int, calendar: WorkingCalendar | None = None) -> YearDeadlines:
    calendar = calendar or WorkingCalendar()
    provisional = not calendar.is_published(year)
    report_before = datetime.date(year, *REPORT_BEFORE)
    report_due = report_before - datetime.timedelta(days=1)
    summary_before = datetime.date(year, *SUMMARY_BEFORE)
    # Walk back from the last working day before 20 December over 5 working days: the posting
    # must be made before the first of them (the posting day itself is not counted).
    last = calendar.last_working_day(summary_before - datetime.timedelta(days=1))
    first, counted = last, 1
    while counted < SUMMARY_WORKING_DAYS:
        first -= datetime.timedelta(days=1)
        counted += calendar.is_working_day(first)
    post_by = first - datetime.timedelta(days=1)
    return YearDeadlines(
        year=year,
        provisional=provisional,
        report_before=report_before,
        report_due=Deadline(report_due, False),
        report_last_working_day=calendar.last_working_day(report_due),
        summary_before=summary_before,
        summary_post_by=Deadline(post_by, provisional),
        summary_post_by_working_day=calendar.last_working_day(post_by),
        summary_period=(first, last),
    )


def add_working_days(start: datetime.date, n: int) -> Deadline:
    return WorkingCalendar().add_working_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date) -> DayCount:
    return WorkingCalendar().working_days_between(a, b)


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar().is_working_day(day)
