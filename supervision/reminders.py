"""Reminder e-mail (issue 6): each user gets at most one digest a day of what waits in their
inbox, sent by ``manage.py send_reminders`` from cron — never from a thread in a web request.

Idempotent per user per day: the ``ReminderSent`` row is written in the same transaction as the
send, under a unique (user, day) constraint, so a second run (or two overlapping runs) sends
nothing twice; if the mail server refuses, the row rolls back and the next run tries again.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.addresses import public_base_url
from fundadmin.inbox import InboxItem
from fundadmin.models import RoleAssignment, User
from fundadmin.workdays import CONVENTION_NOTE, WorkingCalendar

from .models import ReminderSent

log = logging.getLogger(__name__)


@dataclass
class ReminderRun:
    day: datetime.date
    sent: list[ReminderSent] = field(default_factory=list)
    skipped_already_sent: int = 0
    skipped_nothing: int = 0
    failed: list[str] = field(default_factory=list)


def user_items(user: User, calendar: WorkingCalendar) -> list[InboxItem]:
    """Exactly what the user's inbox shows."""
    from fundadmin.inbox import inbox_items

    return inbox_items(user, calendar)


def digest_text(user: User, items: list[InboxItem], today: datetime.date) -> tuple[str, str]:
    base = public_base_url()
    overdue = sum(1 for i in items if i.is_overdue(today))
    subject = f"【专项经费】待办提醒：{len(items)}项" + (f"，其中{overdue}项已超期" if overdue else "")
    lines = [f"{user.display_name}，您好：", "", f"截至{today:%Y年%m月%d日}，以下事项等待您办理：", ""]
    for n, item in enumerate(items, start=1):
        when = ""
        if item.deadline is not None:
            when = f"（{'已超期，' if item.is_overdue(today) else ''}期限 {item.deadline}）"
        lines.append(f"{n}. {item.action}：{item.title}{when}")
        if item.sentence:
            lines.append(f"   {item.sentence}")
        lines.append(f"   {item.community}　{base}{item.url}")
        if item.note:
            lines.append(f"   {item.note}")
    lines += ["", f"期限{CONVENTION_NOTE}。", "此邮件由系统每天至多发送一次，请登录系统办理。"]
    return subject, "\n".join(lines)


def recipients() -> list[User]:
    active_users = RoleAssignment.objects.active().values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=active_users).exclude(email="").order_by("pk"))


def reminders_send(*, today: datetime.date | None = None, dry_run: bool = False) -> ReminderRun:
    """Send today's digest to every active user with an e-mail address and something waiting."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar()
    run = ReminderRun(day=today)
    already = set(ReminderSent.objects.filter(day=today).values_list("user_id", flat=True))
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
                sent = ReminderSent.objects.create(
                    user=user,
                    day=today,
                    email=user.email,
                    item_count=len(items),
                    digest_sha256=hashlib.sha256(body.encode()).hexdigest(),
                )
                event_record(
                    action="reminder.send",
                    obj=sent,
                    actor=None,
                    object_repr=f"{today} 待办提醒 → {user.display_name}",
                    changes={"user": user.pk, "items": len(items), "sha256": sent.digest_sha256},
                )
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
        except IntegrityError:
            run.skipped_already_sent += 1  # another run got there first
        except Exception as exc:  # the mail server refused: nothing recorded, retried next run
            log.warning("reminder to %s failed: %s", user.email, exc)
            run.failed.append(user.email)
        else:
            run.sent.append(sent)
    return run
