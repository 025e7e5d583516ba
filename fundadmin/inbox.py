"""The inbox (待办): what waits for a user, gathered from each part of the process.

The core knows no app: the sources are listed in the setting ``FUNDADMIN_INBOX_SOURCES``, each a
function ``inbox_items(user, calendar) -> list[InboxItem]``, in process order, so a reader sees
every source of work in one place.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .workdays import Deadline, WorkingCalendar


class InboxItem:
    """One line of the inbox. The deadline is known for every item (the list is sorted by it and
    counted over all of it); ``url`` and ``sentence`` may be given as functions of no argument,
    called on first use and kept, so only the page shown builds its sentences and addresses.
    ``key`` breaks ties between two items of one title and action (a source that gives a lazy
    address gives a key; otherwise the address is the key)."""

    __slots__ = ("_sentence", "_url", "action", "community", "deadline", "key", "note", "title")

    def __init__(
        self,
        *,
        title: str,
        action: str,
        url: str | Callable[[], str],
        community: str,
        deadline: Deadline | None = None,
        note: str = "",
        sentence: str | Callable[[], str] = "",  # whom and what it waits for, and by when
        key: str = "",
    ):
        self.title, self.action, self.community = title, action, community
        self.deadline, self.note = deadline, note
        self._url, self._sentence = url, sentence
        self.key = key or (url if isinstance(url, str) else "")

    @property
    def url(self) -> str:
        if callable(self._url):
            self._url = self._url()
        return self._url

    @property
    def sentence(self) -> str:
        if callable(self._sentence):
            self._sentence = self._sentence()
        return self._sentence

    def sort_key(self, far: datetime.date = datetime.date.max) -> tuple:
        return (self.deadline.date if self.deadline else far, self.title, self.action, self.key)

    def is_overdue(self, today: datetime.date) -> bool:
        return self.deadline is not None and self.deadline.date < today

    def __repr__(self) -> str:
        return f"InboxItem({self.action}: {self.title}, {self.deadline})"


@cache
def sources() -> list:
    """Every part of the process that can leave work for someone, in process order."""
    return [import_string(path) for path in settings.FUNDADMIN_INBOX_SOURCES]


def inbox_items(user, calendar: WorkingCalendar | None = None) -> list[InboxItem]:
    calendar = calendar or WorkingCalendar()
    items: list[InboxItem] = []
    for source in sources():
        items.extend(source(user, calendar))
    # A total order (the key breaks ties between two items of one title): the same list on every
    # database and in every process. Nothing lazy is built to sort.
    return sorted(items, key=InboxItem.sort_key)
