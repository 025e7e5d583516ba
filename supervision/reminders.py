"""Reminder e-mail (issue 6): each user gets at most one digest a day of what waits in their
inbox. ``manage.py send_reminders`` (cron) writes each digest and queues it; the background worker
(``manage.py db_worker``) sends it (``send_digest``) — never a web request, never the cron job.

Idempotent per user per day, twice over: the queued ``Delivery`` is unique per (user, day), so a
second run queues nothing; and the ``ReminderSent`` row is written in the same transaction as the
send, under a unique (user, day) constraint, so nothing is sent twice. If the mail server refuses,
the row rolls back and the worker tries again with backoff (notifications.services); after the
last attempt the digest stays in the admin's failed deliveries.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from audit.services import event_record
from fundadmin.inbox import InboxItem
from fundadmin.models import RoleAssignment, User
from fundadmin.workdays import CONVENTION_NOTE, WorkingCalendar
from notifications.channels import QueuedChannel, enqueue
from notifications.models import Delivery
from notifications.services import delivery_attempt

from .models import ReminderSent

log = logging.getLogger(__name__)

# The channel (settings.NOTIFICATION_CHANNELS) the digest goes out through.
DIGEST_CHANNEL = "email"


@dataclass
class ReminderRun:
    day: datetime.date
    queued: list[Delivery] = field(default_factory=list)
    skipped_already_sent: int = 0  # sent or queued already today
    skipped_nothing: int = 0


def user_items(user: User, calendar: WorkingCalendar) -> list[InboxItem]:
    """Exactly what the user's inbox shows."""
    from fundadmin.inbox import inbox_items

    return inbox_items(user, calendar)


def digest_text(user: User, items: list[InboxItem], today: datetime.date) -> tuple[str, str]:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    overdue = sum(1 for i in items if i.is_overdue(today))
    subject = f"【专项经费】待办提醒：{len(items)}项" + (f"，其中{overdue}项已超期" if overdue else "")
    lines = [f"{user.display_name}，您好：", "", f"截至{today:%Y年%m月%d日}，以下事项等待您办理：", ""]
    for n, item in enumerate(items, start=1):
        when = ""
        if item.deadline is not None:
            when = f"（{'已超期，' if item.is_overdue(today) else ''}期限 {item.deadline}）"
        lines.append(f"{n}. {item.action}：{item.title}{when}")
        lines.append(f"   {item.community}　{base}{item.url}")
        if item.note:
            lines.append(f"   {item.note}")
    lines += ["", f"期限{CONVENTION_NOTE}。", "此邮件由系统每天至多发送一次，请登录系统办理。"]
    return subject, "\n".join(lines)


def recipients() -> list[User]:
    active_users = RoleAssignment.objects.active().values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=active_users).exclude(email="").order_by("pk"))


def reminders_send(*, today: datetime.date | None = None, dry_run: bool = False) -> ReminderRun:
    """Queue today's digest for every active user with an e-mail address and something waiting."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar()
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
        subject, body = digest_text(user, items, today)
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
                    url=settings.PUBLIC_BASE_URL.rstrip("/") + "/inbox/",
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
    user, today, body = delivery.recipient, delivery.day, delivery.body
    try:
        with transaction.atomic():
            sent = ReminderSent.objects.create(
                user=user,
                day=today,
                email=delivery.address,
                item_count=delivery.data.get("items", 0),
                digest_sha256=hashlib.sha256(body.encode()).hexdigest(),
            )
            event_record(
                action="reminder.send",
                obj=sent,
                actor=None,
                object_repr=f"{today} 待办提醒 → {user.display_name}",
                changes={"user": user.pk, "items": sent.item_count, "sha256": sent.digest_sha256},
            )
            channel.send(delivery)  # refused: the row and the event roll back, the worker retries
    except IntegrityError:
        return "skipped"  # sent already today (by a run before the queue, or by hand)
    return "sent"
