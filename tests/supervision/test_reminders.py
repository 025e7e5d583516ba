"""Reminder e-mail: a digest of the inbox, once per user per day. The management command queues
it; the background worker sends it (and retries a refused send)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from audit.models import AuditEvent
from fundadmin.roles import Role
from notifications.models import Delivery
from projects.models import Status
from supervision import services
from supervision.models import ReminderSent
from tests.notifications.helpers import run_worker
from tests.projects.helpers import new_project, walk

# The worker runs what committed: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


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
    run_worker()  # the news of those steps goes out first; these tests count the digests
    mail.outbox.clear()
    return project


def test_digest_is_sent_once_per_user_per_day(waiting, people):
    call_command("send_reminders")
    assert mail.outbox == []  # the command queues; the worker sends
    run_worker()
    recipients = {m.to[0] for m in mail.outbox}
    assert f"{Role.COMMUNITY_SECRETARY}@example.org" in recipients
    assert f"{Role.SUPERVISOR}@example.org" not in recipients  # nothing waits on a supervisor
    [message] = [m for m in mail.outbox if m.to == [f"{Role.COMMUNITY_SECRETARY}@example.org"]]
    assert "答复监督意见" in message.body and "待办提醒" in message.subject
    assert "http" in message.body and "/supervision/opinions/" in message.body
    sent = ReminderSent.objects.count()
    assert sent == len(mail.outbox) == AuditEvent.objects.filter(action="reminder.send").count()
    call_command("send_reminders")
    run_worker()
    assert len(mail.outbox) == sent and ReminderSent.objects.count() == sent


def test_running_twice_before_the_worker_queues_once(waiting):
    call_command("send_reminders")
    queued = Delivery.objects.filter(kind=Delivery.Kind.DIGEST).count()
    assert queued > 0
    call_command("send_reminders")
    assert Delivery.objects.filter(kind=Delivery.Kind.DIGEST).count() == queued
    run_worker()
    assert len(mail.outbox) == queued == ReminderSent.objects.count()


def test_next_day_sends_again(waiting):
    call_command("send_reminders", "--date", "2026-09-10")
    run_worker()
    first = len(mail.outbox)
    call_command("send_reminders", "--date", "2026-09-11")
    run_worker()
    assert len(mail.outbox) == 2 * first > 0


def test_failed_send_records_nothing_and_is_retried(waiting, settings, monkeypatch, clock):
    from django.core.mail import EmailMessage

    def refuse(self, *a, **k):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    events = AuditEvent.objects.count()
    call_command("send_reminders")
    run_worker()
    digests = Delivery.objects.filter(kind=Delivery.Kind.DIGEST)
    assert digests.exists() and all("重试" in d.state_text for d in digests)
    assert not ReminderSent.objects.exists() and AuditEvent.objects.count() == events
    monkeypatch.undo()
    clock.traveller.shift(dt.timedelta(minutes=2))  # past the first backoff
    run_worker()
    assert ReminderSent.objects.exists()
    assert ReminderSent.objects.count() == digests.count() == len(mail.outbox)


def test_dry_run_sends_nothing(waiting):
    call_command("send_reminders", "--dry-run")
    run_worker()
    assert not mail.outbox and not ReminderSent.objects.exists()
    assert not Delivery.objects.filter(kind=Delivery.Kind.DIGEST).exists()


def test_users_without_email_or_role_are_skipped(waiting, people):
    people[Role.COMMUNITY_SECRETARY].email = ""
    people[Role.COMMUNITY_SECRETARY].save(update_fields=["email"])
    call_command("send_reminders")
    run_worker()
    assert all(m.to != [f"{Role.COMMUNITY_SECRETARY}@example.org"] for m in mail.outbox)


def test_bad_date_is_explained():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2026/11/28")
