"""Reading a user's notifications: the header's count (one query, once per request) and the list."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification

# The header shows "99+" beyond this: counting stops there, so the query stays small however
# many unread lines a person has let pile up.
COUNT_CAP = 100


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[:COUNT_CAP].count()


def user_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-occurred_at", "-pk")
