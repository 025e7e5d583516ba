"""A failed send is retried with backoff, a bounded number of times, and then kept for the
administrator, who sees it in the admin and can send it again."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fundadmin.roles import Role
from notifications import services
from notifications.models import Delivery
from projects import services as project_services
from tests.factories import UserFactory
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def refusing(monkeypatch):
    calls = []

    def refuse(self, *a, **k):
        calls.append(self.to)
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    return calls


@pytest.fixture
def one_recipient(people, fund_year, with_email):
    """A step that tells exactly one person by e-mail: the committee member has no address."""
    member = people[Role.COMMITTEE_MEMBER]
    member.email = ""
    member.save(update_fields=["email"])
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    return people[Role.COMMITTEE_SECRETARY]


def test_backoff_grows_and_is_capped(settings):
    settings.NOTIFICATION_RETRY = {"ATTEMPTS": 9, "FIRST_DELAY": 60, "FACTOR": 4, "MAX_DELAY": 3600}
    assert [services.backoff(n).total_seconds() for n in range(1, 6)] == [60, 240, 960, 3600, 3600]


def test_a_failed_send_is_retried_after_the_backoff_and_then_sent(one_recipient, refusing, monkeypatch, worker, clock):
    worker()
    delivery = Delivery.objects.get(recipient=one_recipient)
    assert delivery.state == Delivery.State.RETRYING and delivery.attempts == 1
    assert delivery.last_error == "ConnectionRefusedError: smtp down"
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 55 <= wait <= 60  # the first backoff: one minute
    assert "重试" in delivery.state_text
    # The failed attempt is a failed task result too, with its traceback (admin: 任务结果).
    failed = DBTaskResult.objects.failed().get(task_path="notifications.tasks.deliver")
    assert "smtp down" in failed.traceback
    assert worker() == 0  # not due yet
    monkeypatch.undo()
    clock.traveller.shift(dt.timedelta(seconds=61))
    assert worker() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and delivery.attempts == 2
    assert [m.to for m in mail.outbox] == [[one_recipient.email]]


def test_after_the_last_attempt_it_stays_failed_and_the_admin_sees_it(
    one_recipient, refusing, monkeypatch, worker, clock, settings
):
    settings.NOTIFICATION_RETRY = {"ATTEMPTS": 3, "FIRST_DELAY": 60, "FACTOR": 4, "MAX_DELAY": 3600}
    worker()
    for wait in (60, 240):
        clock.traveller.shift(dt.timedelta(seconds=wait + 1))
        assert worker() == 1
    delivery = Delivery.objects.get(recipient=one_recipient)
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == 3 and delivery.next_attempt_at is None
    assert len(refusing) == 3
    clock.traveller.shift(dt.timedelta(days=1))
    assert worker() == 0  # bounded: nothing more is queued
    assert not DBTaskResult.objects.ready().exists()

    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/notifications/delivery/?state=problems").content.decode()
    assert one_recipient.email in page and "发送失败，已停止重试（共尝试 3 次）" in page and "smtp down" in page
    ok = client.get("/admin/notifications/delivery/?state=sent").content.decode()
    assert one_recipient.email not in ok

    # The administrator sends it again once the mail server is back.
    monkeypatch.undo()
    response = client.post(
        "/admin/notifications/delivery/", {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "已重新排队 1 条" in response.content.decode()
    assert worker() == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert [m.to for m in mail.outbox] == [[one_recipient.email]]


def test_only_an_administrator_may_resend(one_recipient, refusing, worker, settings, people):
    settings.NOTIFICATION_RETRY = {"ATTEMPTS": 1}
    worker()
    delivery = Delivery.objects.get(recipient=one_recipient)
    assert delivery.state == Delivery.State.FAILED
    with pytest.raises(services.PermissionDenied):
        services.delivery_resend(delivery=delivery, by=people[Role.COMMITTEE_SECRETARY])
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
