"""Reminder e-mail (issue 6): each user gets at most one digest a day of what waits in their
inbox. What a digest says and who gets one is decided here; ``manage.py send_reminders``
(notifications.digest) queues the digests and the background worker sends them.

Idempotent per user per day: the ``ReminderSent`` row is written (``reminder_sent_record``) in
the same transaction as the send, under a unique (user, day) constraint, so nothing is sent
twice; if the mail server refuses, the row rolls back and the worker tries again.
"""

from __future__ import annotations

import datetime
import hashlib

from audit.services import event_record
from fundadmin.addresses import public_base_url
from fundadmin.inbox import InboxItem, inbox_items
from fundadmin.models import RoleAssignment, User
from fundadmin.permissions import scopes_with
from fundadmin.workdays import CONVENTION_NOTE, WorkingCalendar, YearDeadlines, year_deadlines

from .models import ReminderSent


def user_items(user: User, calendar: WorkingCalendar) -> list[InboxItem]:
    """Exactly what the user's inbox shows."""

    return inbox_items(user, calendar)


# From 1 November to the last posting day of the annual summary the digest carries the year's
# two December dates (Art. 15, 16) for those who must meet or watch them.
DATES_FROM = (11, 1)
DATES_FOR = ("act_for_community", "evaluate_report")


def _md(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def year_dates_lines(user: User, today: datetime.date, deadlines: YearDeadlines) -> list[str]:
    if not (datetime.date(today.year, *DATES_FROM) <= today <= deadlines.summary_post_by.date):
        return []
    if not any(scopes_with(user, codename) for codename in DATES_FOR):
        return []
    d, mark = deadlines, "（暂定）" if deadlines.provisional else ""
    report = f"年度报告：{_md(d.report_before)}前报送党工委（《细则》第十六条）"
    if d.report_last_working_day != d.report_due.date:
        report += f"，最后一个工作日为 {_md(d.report_last_working_day)}"
    first, last = d.summary_period
    summary = (
        f"年度公示：最迟 {_md(d.summary_post_by.date)}{mark}张贴，公示期 {_md(first)}至{_md(last)}，"
        f"12月20日前公示满5个工作日（《细则》第十五条）"
    )
    return ["", f"本年度截止日期{mark}：", f"- {report}", f"- {summary}"]


def digest_text(
    user: User, items: list[InboxItem], today: datetime.date, deadlines: YearDeadlines | None = None
) -> tuple[str, str]:
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
    lines += year_dates_lines(user, today, deadlines or year_deadlines(today.year))
    lines += ["", f"期限{CONVENTION_NOTE}。", "此邮件由系统每天至多发送一次，请登录系统办理。"]
    return subject, "\n".join(lines)


def recipients() -> list[User]:
    active_users = RoleAssignment.objects.active().values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=active_users).exclude(email="").order_by("pk"))


def reminder_sent_record(*, user: User, day: datetime.date, email: str, item_count: int, body: str) -> ReminderSent:
    """Record, with its trail event, that today's digest goes to ``user``: call it in the
    transaction that sends the mail. A second one for the same day raises IntegrityError."""
    sent = ReminderSent.objects.create(
        user=user,
        day=day,
        email=email,
        item_count=item_count,
        digest_sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
    event_record(
        action="reminder.send",
        obj=sent,
        actor=None,
        object_repr=f"{day} 待办提醒 → {user.display_name}",
        changes={"user": user.pk, "items": item_count, "sha256": sent.digest_sha256},
    )
    return sent
