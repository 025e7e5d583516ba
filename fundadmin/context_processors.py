"""What every staff page shows whatever the page: the working-day calendar's state.

From 1 December the State Council's calendar for next year is due (SPEC.md "Working days"); until
an administrator loads it, deadlines that fall in that year are counted over weekends alone and
shown as provisional. Every signed-in page says so and links to the import (templates/base.html,
block ``calendar_notice``). Read lazily, so public pages for residents never ask.
"""

from __future__ import annotations

import datetime
from functools import cached_property

from django.utils import timezone

from .workdays import PROVISIONAL_NOTE, REPORT_BEFORE, published_years

# From this day of a year the next year's calendar is expected.
NEXT_YEAR_EXPECTED_FROM = REPORT_BEFORE  # (12, 1)


def years_to_flag(today: datetime.date, published: frozenset[int]) -> list[int]:
    """The years whose calendar staff should be told is missing: this year at any time, and next
    year from 1 December."""
    years = [today.year]
    if today >= datetime.date(today.year, *NEXT_YEAR_EXPECTED_FROM):
        years.append(today.year + 1)
    return [y for y in years if y not in published]


class CalendarNotice:
    note = PROVISIONAL_NOTE

    def __init__(self, request):
        self.request = request

    @cached_property
    def missing_years(self) -> list[int]:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return years_to_flag(timezone.localdate(), published_years())

    @property
    def years_label(self) -> str:
        return "、".join(f"{y}年" for y in self.missing_years)

    @property
    def can_import(self) -> bool:
        user = self.request.user
        return user.is_active and user.is_staff

    def __bool__(self) -> bool:
        return bool(self.missing_years)


def calendar_notice(request) -> dict:
    return {"calendar_notice": CalendarNotice(request)}
