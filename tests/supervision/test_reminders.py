"""Reminder e-mail: a digest of the inbox, once per user per day, from a management command."""

import pytest
from django.core import mail
from django.core.management import call_command

from audit.models import AuditEvent
from fundadmin.roles import Role
from projects.models import Status
from supervision import services
from supervision.models import ReminderSent
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(people, fund_year, clock, supervisor):
    for role, user in people.items():
        user.email = f"{role}@example.org"
        user.save(update_fields=["email"])
    project = walk(new_project(people, fund_year), people, Status.PUBLICITY, clock)
    services.opinion_record(
        community=fund_year.community,
        by=supervisor,
        subject="project",
        addressed_to="community",
        text="请说明",
        project=project,
    )
    return project


def test_digest_is_sent_once_per_user_per_day(waiting, people):
    call_command("send_reminders")
    recipients = {m.to[0] for m in mail.outbox}
    assert f"{Role.COMMUNITY_SECRETARY}@example.org" in recipients
    assert f"{Role.SUPERVISOR}@example.org" not in recipients  # nothing waits on a supervisor
    [message] = [m for m in mail.outbox if m.to == [f"{Role.COMMUNITY_SECRETARY}@example.org"]]
    assert "答复监督意见" in message.body and "待办提醒" in message.subject
    assert "http" in message.body and "/supervision/opinions/" in message.body
    sent = ReminderSent.objects.count()
    assert sent == len(mail.outbox) == AuditEvent.objects.filter(action="reminder.send").count()
    call_command("send_reminders")
    assert len(mail.outbox) == sent and ReminderSent.objects.count() == sent


def test_next_day_sends_again(waiting):
    call_command("send_reminders", "--date", "2026-09-10")
    first = len(mail.outbox)
    call_command("send_reminders", "--date", "2026-09-11")
    assert len(mail.outbox) == 2 * first > 0


def test_failed_send_records_nothing_and_is_retried(waiting, settings, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(self, *a, **k):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    events = AuditEvent.objects.count()
    with pytest.raises(Exception, match="重试"):
        call_command("send_reminders")
    assert not ReminderSent.objects.exists() and AuditEvent.objects.count() == events
    monkeypatch.undo()
    call_command("send_reminders")
    assert ReminderSent.objects.exists()


def test_dry_run_sends_nothing(waiting):
    call_command("send_reminders", "--dry-run")
    assert not mail.outbox and not ReminderSent.objects.exists()


def test_users_without_email_or_role_are_skipped(waiting, people):
    people[Role.COMMUNITY_SECRETARY].email = ""
    people[Role.COMMUNITY_SECRETARY].save(update_fields=["email"])
    call_command("send_reminders")
    assert all(m.to != [f"{Role.COMMUNITY_SECRETARY}@example.org"] for m in mail.outbox)


def test_bad_date_is_explained():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2026/11/28")
