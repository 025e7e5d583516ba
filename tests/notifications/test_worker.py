"""Notifications off the request: a step queues one task and sends nothing; the database worker
(django-tasks-db's, run here for a bounded batch) tells everyone it concerns, through the in-app
list and e-mail."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from fundadmin.roles import Role
from notifications.models import Delivery, Notification
from projects import services as project_services
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_step_sends_no_mail_and_the_worker_does(people, fund_year, with_email, worker):
    project = new_project(people, fund_year)
    client = Client()
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    response = client.post(reverse("projects:act", args=[project.pk, "request_consent"]))
    assert response.status_code == 302
    # The request took the step and queued the telling of it; it sent nothing itself.
    assert mail.outbox == []
    assert not Notification.objects.exists()
    [queued] = DBTaskResult.objects.ready()
    assert queued.task_path == "notifications.tasks.notify_event"

    assert worker() == 3  # the fan-out, then one e-mail to each of the two who must act
    told = {m.to[0] for m in mail.outbox}
    # Art. 10: the working committee gives the preliminary consent; its secretary and members act.
    assert told == {with_email[Role.COMMITTEE_SECRETARY], with_email[Role.COMMITTEE_MEMBER]}
    message = mail.outbox[0]
    assert message.subject == f"【专项经费】{project.number} {project.title}：报请党工委初步同意"
    assert "报请党工委初步同意" in message.body and "项目现在：待党工委初步同意" in message.body
    assert f"/projects/{project.pk}/" in message.body
    assert "consent_requested" not in message.body and "project." not in message.body  # no codes
    lines = Notification.objects.filter(project_id=project.pk)
    assert {n.recipient for n in lines} == {people[Role.COMMITTEE_SECRETARY], people[Role.COMMITTEE_MEMBER]}
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 2
    assert worker() == 0  # nothing left, nothing sent twice
    assert len(mail.outbox) == 2


def test_the_actor_is_never_told_of_their_own_act(people, fund_year, with_email, worker):
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    worker()
    mail.outbox.clear()
    project_services.project_consent(project=project, by=people[Role.COMMITTEE_MEMBER], comment="同意")
    worker()
    told = {m.to[0] for m in mail.outbox}
    assert with_email[Role.COMMITTEE_MEMBER] not in told
    assert with_email[Role.COMMUNITY_SECRETARY] in told  # the proposer, who must now hold the meeting
    consent = Notification.objects.filter(event__action="project.consent")
    assert people[Role.COMMUNITY_SECRETARY] in {n.recipient for n in consent}
    assert not consent.filter(recipient=people[Role.COMMITTEE_MEMBER]).exists()


def test_db_worker_command_runs_a_bounded_batch(people, fund_year, with_email):
    """The documented command itself: ``manage.py db_worker --batch`` runs what is due and stops."""
    import signal

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)
    finally:
        for s, handler in handlers.items():  # the command installs its own; give pytest its own back
            signal.signal(s, handler)
    assert {m.to[0] for m in mail.outbox} == {
        with_email[Role.COMMITTEE_SECRETARY],
        with_email[Role.COMMITTEE_MEMBER],
    }


def test_a_user_without_email_gets_the_in_app_line_only(people, fund_year, with_email, worker):
    member = people[Role.COMMITTEE_MEMBER]
    member.email = ""
    member.save(update_fields=["email"])
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    worker()
    assert Notification.objects.filter(recipient=member).count() == 1
    assert not Delivery.objects.filter(recipient=member).exists()
    assert {m.to[0] for m in mail.outbox} == {with_email[Role.COMMITTEE_SECRETARY]}
