"""The inbox (待办): what waits for a user, gathered from each part of the process.

The core knows no app: the sources are listed in the setting ``FUNDADMIN_INBOX_SOURCES``, each a
function ``inbox_items(user, calendar) -> list[InboxItem]``, in process order, so a reader sees
every source of work in one place.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .workdays import Deadline, WorkingCalendar


@dataclass(frozen=True)
class InboxItem:
    title: str
    action: str  # what the user is expected to do, e.g. "初步同意"
    url: str
    community: str
    deadline: Deadline | None = None
    note: str = ""
    sentence: str = ""  # whom and what it waits for, and by when (projects.next_step)

    def is_overdue(self, today: datetime.date) -> bool:
        return self.deadline is not None and self.deadline.date < today


@cache
def sources() -> list:
    """Every part of the process that can leave work for someone, in process order."""
    return [import_string(path) for path in settings.FUNDADMIN_INBOX_SOURCES]


def inbox_items(user, calendar: WorkingCalendar | None = None) -> list[InboxItem]:
    calendar = calendar or WorkingCalendar()
    items: list[InboxItem] = []
    for source in sources():
        items.extend(source(user, calendar))
    far = datetime.date.max
    # A total order (the address breaks ties between two items of one title): the same list on
    # every database and in every process.
    return sorted(items, key=lambda i: (i.deadline.date if i.deadline else far, i.title, i.action, i.url))
