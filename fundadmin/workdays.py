"""Working days on China's official calendar (SPEC.md "Working days").

Periods follow the Civil Code, art. 201: the day of the event is not counted; the period starts
the next day. A notice posted on D for 3 working days runs to the end of the 3rd working day
after D; a form received on R is due by the end of the 5th working day after R.

A year whose calendar the State Council has not yet published is computed from weekends alone
and every answer that touches it is marked ``provisional`` — never guessed silently.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from .models import CalendarYear, SpecialDay

CONVENTION_NOTE = "按工作日计算，当天不计入，自次日起算（《民法典》第二百零一条）"
PROVISIONAL_NOTE = "该年度法定节假日安排尚未公布，按周末推算，仅供参考"


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

    def _load(self) -> None:
        if self._published is None:
            self._published = frozenset(CalendarYear.objects.filter(is_published=True).values_list("year", flat=True))
            # An unpublished year is weekends alone, whatever special days were entered for it.
            self._special = {
                day: kind for day, kind in SpecialDay.objects.values_list("date", "kind") if day.year in self._published
            }

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

    def working_days_between(self, a: datetime.date, b: datetime.date) -> DayCount:
        """Working days after ``a`` up to and including ``b`` (0 when b <= a)."""
        count, provisional, day = 0, False, a
        while day < b:
            day += datetime.timedelta(days=1)
            provisional |= not self.is_published(day.year)
            count += self.is_working_day(day)
        return DayCount(count, provisional)


def add_working_days(start: datetime.date, n: int) -> Deadline:
    return WorkingCalendar().add_working_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date) -> DayCount:
    return WorkingCalendar().working_days_between(a, b)


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar().is_working_day(day)
