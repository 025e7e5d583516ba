"""Who must hear when the working-day calendar changes.

Some deadlines are computed once and stored — a notice's ``ends_on`` with ``ends_provisional``
when its year's calendar was not yet published (SPEC.md "Working days"). When an administrator
loads the State Council's calendar (``import_workdays``, the import page or the admin), those
deadlines are counted again. The core cannot know which apps store such deadlines and must not
import them, so each app registers its recompute function here from its ``AppConfig.ready``; the
core calls them inside the calendar write's own transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from .workdays import Deadline, WorkingCalendar


@dataclass(frozen=True)
class MovedDeadline:
    """One stored deadline that a calendar change touched: what it is (in words), and the
    deadline before and after."""

    what: str
    community: str
    before: Deadline
    after: Deadline
    note: str = ""

    @property
    def moved(self) -> bool:
        return self.before.date != self.after.date


# (*, calendar, by, reason) -> the deadlines it changed
Recompute = Callable[..., list[MovedDeadline]]

_recomputers: list[Recompute] = []


def register_recompute(fn: Recompute) -> None:
    """Called from an app's ``AppConfig.ready``; registering twice is harmless."""
    if fn not in _recomputers:
        _recomputers.append(fn)


def registered() -> tuple[Recompute, ...]:
    return tuple(_recomputers)


def deadlines_recompute(*, by, reason: str, calendar: WorkingCalendar | None = None) -> list[MovedDeadline]:
    """Count every stored provisional deadline again on the calendar as it is now. Call inside
    the transaction that changed the calendar, so both commit together or not at all."""
    calendar = calendar or WorkingCalendar()
    moved: list[MovedDeadline] = []
    for fn in _recomputers:
        moved.extend(fn(calendar=calendar, by=by, reason=reason))
    return moved


def dates_label(before: datetime.date, after: datetime.date) -> str:
    return f"{before:%Y-%m-%d} → {after:%Y-%m-%d}"
