"""The inbox (待办): what waits for a user, gathered from each part of the process.

Each app contributes a function ``inbox_items(user, calendar) -> list[InboxItem]``; they are
listed here explicitly, in process order, so a reader sees every source of work in one place.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .workdays import Deadline, WorkingCalendar


@dataclass(frozen=True)
class InboxItem:
    title: str
    action: str  # what the user is expected to do, e.g. "审批"
    url: str
    community: str
    deadline: Deadline | None = None
    note: str = ""

    def is_overdue(self, today: datetime.date) -> bool:
        return self.deadline is not None and self.deadline.date < today


def sources() -> list:
    """Every part of the process that can leave work for someone, in process order."""
    from projects.inbox import inbox_items as projects_items
    from publicity.inbox import inbox_items as publicity_items
    from supervision.inbox import inbox_items as supervision_items

    return [projects_items, publicity_items, supervision_items]


def inbox_items(user, calendar: WorkingCalendar | None = None) -> list[InboxItem]:
    calendar = calendar or WorkingCalendar()
    items: list[InboxItem] = []
    for source in sources():
        items.extend(source(user, calendar))
    far = datetime.date.max
    return sorted(items, key=lambda i: (i.deadline.date if i.deadline else far, i.title))
