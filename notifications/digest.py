"""The daily digest through the queue: ``manage.py send_reminders`` (cron) queues one digest per
user and day, the worker sends it. What a digest says and who gets one is supervision.reminders'.

Idempotent per user per day, twice over: the queued ``Delivery`` is unique per (user, day), so a
second run queues nothing; and ``ReminderSent`` is written in the same transaction as the send,
under its own unique (user, day), so nothing is sent twice. A refused send rolls that back and is
retried with backoff (notifications.services); after the last attempt the digest stays in the
admin's failed deliveries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from fundadmin.addresses import public_url
from fundadmin.workdays import WorkingCalendar, year_deadlines
from supervision.models import ReminderSent
from supervision.reminders import digest_text, recipients, reminder_sent_record, user_items

from .channels import QueuedChannel, enqueue
from .models import Delivery
from .services import delivery_attempt

# The channel (settings.NOTIFICATION_CHANNELS) the digest goes out through.
DIGEST_CHANNEL = "email"


@dataclass
class ReminderRun:
    day: datetime.date
    queued: list[Delivery] = field(default_factory=list)
    skipped_already_sent: int = 0  # sent or queued already today
    skipped_nothing: int = 0


def digests_queue(*, today: datetime.date | None = None, dry_run: bool = False) -> ReminderRun:
    """Queue today's digest for every active user with an e-mail address and something waiting."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar()
    deadlines = year_deadlines(today.year, calendar)
    run = ReminderRun(day=today)
    already = set(ReminderSent.objects.filter(day=today).values_list("user_id", flat=True))
    already |= set(
        Delivery.objects.filter(kind=Delivery.Kind.DIGEST, channel=DIGEST_CHANNEL, day=today).values_list(
            "recipient_id", flat=True
        )
    )
    for user in recipients():
        if user.pk in already:
            run.skipped_already_sent += 1
            continue
        items = user_items(user, calendar)
        if not items:
            run.skipped_nothing += 1
            continue
        subject, body = digest_text(user, items, today, deadlines)
        if dry_run:
            continue
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    kind=Delivery.Kind.DIGEST,
                    channel=DIGEST_CHANNEL,
                    recipient=user,
                    address=user.email,
                    day=today,
                    subject=subject,
                    body=body,
                    url=public_url("/inbox/"),
                    data={"items": len(items)},
                    task=send_digest.module_path,
                )
                transaction.on_commit(partial(enqueue, delivery))
        except IntegrityError:
            run.skipped_already_sent += 1  # another run queued it first
        else:
            run.queued.append(delivery)
    return run


@task()
def send_digest(delivery_id: int) -> str:
    """The worker sends one queued digest (retried with backoff when the mail server refuses)."""
    return delivery_attempt(delivery_id, send=_digest_send)


def _digest_send(delivery: Delivery, channel: QueuedChannel) -> str:
    try:
        with transaction.atomic():
            reminder_sent_record(
                user=delivery.recipient,
                day=delivery.day,
                email=delivery.address,
                item_count=delivery.data.get("items", 0),
                body=delivery.body,
            )
            channel.send(delivery)  # refused: the row and the event roll back, the worker retries
    except IntegrityError:
        return "skipped"  # sent already today (by a run before the queue, or by hand)
    return "sent"
