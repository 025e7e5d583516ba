"""Notifications off the request.

1. ``tasks.event_committed`` is registered with ``audit.hooks`` (NotificationsConfig.ready):
   after an event commits it queues ``tasks.notify_event`` for the events that concern anyone.
   The request that took the step does one INSERT into the queue and sends nothing.
2. The worker runs ``notify_fan_out``: recipients (notifications.recipients), the words
   (notifications.texts), and each configured channel takes the message — the in-app list at once,
   every queued channel as one ``Delivery`` per person, itself queued (``tasks.deliver``).
3. ``delivery_attempt`` sends one delivery. A failure is kept on the row (attempts, the error,
   when it is tried again) and retried with exponential backoff up to
   ``NOTIFICATION_RETRY["ATTEMPTS"]`` attempts; after the last one the delivery stays 已停止重试
   in the admin's 消息发送 list, from which an administrator sends it again.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent

from . import channels, recipients, texts
from .models import Delivery, Notification

log = logging.getLogger(__name__)

RETRY_DEFAULTS = {"ATTEMPTS": 5, "FIRST_DELAY": 60, "FACTOR": 4, "MAX_DELAY": 6 * 3600}


class DeliveryFailed(Exception):
    """One attempt did not go out; the task result shows it, the delivery row says what next."""


def notify_fan_out(event_id: int) -> int:
    """Tell everyone ``event`` concerns through every configured channel; the number told.
    Idempotent: running it twice adds no line and no delivery."""
    event = AuditEvent.objects.select_related("community").get(pk=event_id)
    people = recipients.recipients_for(event)
    if not people:
        return 0
    message = texts.describe(event)
    with transaction.atomic():
        for channel in channels.configured().values():
            channel.accept(message, people)
    return len(people)


def retry_policy() -> dict:
    return {**RETRY_DEFAULTS, **getattr(settings, "NOTIFICATION_RETRY", {})}


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failure: FIRST_DELAY × FACTOR^(attempts−1), capped."""
    policy = retry_policy()
    seconds = min(policy["FIRST_DELAY"] * policy["FACTOR"] ** (attempts - 1), policy["MAX_DELAY"])
    return datetime.timedelta(seconds=seconds)


def delivery_attempt(delivery_id: int, *, send: Callable[[Delivery, channels.QueuedChannel], str] | None = None) -> str:
    """Make one attempt at ``delivery_id``; what happened, in a word, for the task result.

    ``send(delivery, channel)`` does the sending (default: ``channel.send``) and may return
    "skipped" when there was nothing left to send; anything it raises is a failed attempt.
    """
    delivery = Delivery.objects.select_related("recipient", "event").get(pk=delivery_id)
    if delivery.state not in (Delivery.State.PENDING, Delivery.State.RETRYING):
        return delivery.state  # sent already, or given up on: a stale or duplicate task
    try:
        channel = channels.channel(delivery.channel)
        outcome = send(delivery, channel) if send is not None else (channel.send(delivery) or "sent")
    except Exception as exc:
        _record_failure(delivery, exc)
        raise DeliveryFailed(f"{delivery}：{delivery.state_text}") from exc
    delivery.attempts += 1
    delivery.state = Delivery.State.SKIPPED if outcome == "skipped" else Delivery.State.SENT
    delivery.sent_at = timezone.now() if delivery.state == Delivery.State.SENT else None
    delivery.next_attempt_at = None
    delivery.save(update_fields=["attempts", "state", "sent_at", "next_attempt_at"])
    return delivery.state


def _record_failure(delivery: Delivery, exc: Exception) -> None:
    log.warning("delivery %s via %s to %s failed: %s", delivery.pk, delivery.channel, delivery.address, exc)
    with transaction.atomic():
        delivery.attempts += 1
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts < retry_policy()["ATTEMPTS"]:
            delivery.state = Delivery.State.RETRYING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        else:
            delivery.state = Delivery.State.FAILED
            delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        if delivery.state == Delivery.State.RETRYING:
            channels.enqueue(delivery, run_after=delivery.next_attempt_at)


def delivery_resend(*, delivery: Delivery, by) -> Delivery:
    """An administrator sends a failed delivery again: a fresh round of attempts, queued now."""
    if not by.is_staff:
        raise PermissionDenied("只有系统管理员可以重新发送。")
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state != Delivery.State.FAILED:
            return delivery
        delivery.state = Delivery.State.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = None
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda: channels.enqueue(delivery))
    return delivery


# -- the in-app list -------------------------------------------------------------------------------


def notification_read(*, notification: Notification, by) -> Notification:
    """Mark one of ``by``'s own notifications read (someone else's is refused)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied("这不是您的消息。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_read_all(*, by) -> int:
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())
