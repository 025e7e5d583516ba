"""Residents' timescales (UX.md "Phones and older residents"; SPEC.md "Working days" and
"Decisions the rules leave to us"): how many working days a notice that is up still runs, and
by when the community must answer an objection or a need.

Every count follows the Civil Code's rule (民法典第二百零一条): the day something happens is not
counted; the period starts the next day and ends with the end of its last working day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from fundadmin.workdays import Deadline, WorkingCalendar

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DaysLeft:
    """What is left of a notice period on ``today``."""

    days: int  # working days still to run, today included when it is one of them
    ends_on: datetime.date
    provisional: bool  # the end lies in a year whose official calendar is not yet published
    today_counts: bool  # today is a working day of the period (not the posting day, not a day off)

    @property
    def last_day(self) -> bool:
        return self.today_counts and self.days == 1

    def sentence(self) -> str:
        end = f"{self.ends_on.year}年{self.ends_on.month}月{self.ends_on.day}日"
        mark = "（暂定）" if self.provisional else ""
        if self.last_day:
            return f"今天是公示期的最后一天，至今天（{end}）{mark}结束时止。"
        today = "（含今天）" if self.today_counts else "（今天不计入）"
        return f"还剩 {self.days} 个工作日{today}，至 {end}{mark}止。"


def period_end(
    *, posted_on: datetime.date, ends_on: datetime.date, ends_provisional: bool, period_days: int, calendar
) -> Deadline:
    """The last day of a notice's period. One counted before the year's calendar was published is
    counted again with the calendar known now, and never ends earlier than first announced."""
    if not ends_provisional:
        return Deadline(ends_on, False)
    now = calendar.add_working_days(posted_on, period_days)
    return Deadline(max(ends_on, now.date), now.provisional)


def notice_days_left(
    *,
    posted_on: datetime.date,
    ends_on: datetime.date,
    ends_provisional: bool,
    period_days: int,
    today: datetime.date,
    calendar: WorkingCalendar,
) -> DaysLeft | None:
    """The working days left of a notice that is up on ``today``; None before it is posted or
    after it has run, with a provisional end counted again (``period_end``)."""
    end = period_end(
        posted_on=posted_on,
        ends_on=ends_on,
        ends_provisional=ends_provisional,
        period_days=period_days,
        calendar=calendar,
    )
    ends_on, ends_provisional = end.date, end.provisional
    if not posted_on <= today <= ends_on:
        return None
    first = max(today, posted_on + ONE_DAY)  # the posting day itself is never counted
    left = calendar.working_days_between(first - ONE_DAY, ends_on)
    today_counts = today > posted_on and calendar.is_working_day(today)
    return DaysLeft(left.days, ends_on, ends_provisional or left.provisional, today_counts)


def objection_reply_deadline(received: datetime.date, calendar: WorkingCalendar) -> Deadline:
    """The community answers an objection within OBJECTION_REPLY_WORKING_DAYS working days."""
    return calendar.add_working_days(received, settings.OBJECTION_REPLY_WORKING_DAYS)


def need_reply_deadline(received: datetime.date, calendar: WorkingCalendar) -> Deadline:
    """The community answers a need within NEED_REPLY_WORKING_DAYS working days."""
    return calendar.add_working_days(received, settings.NEED_REPLY_WORKING_DAYS)


def reply_deadline_now(
    *, due_on: datetime.date, provisional: bool, received: datetime.date, days: int, calendar: WorkingCalendar
) -> Deadline:
    """A stored due date as it stands today: a provisional one is counted again with the
    calendar published since, and never moves earlier than the date the resident was given."""
    if not provisional:
        return Deadline(due_on, False)
    now = calendar.add_working_days(received, days)
    return Deadline(max(due_on, now.date), now.provisional)
