"""The background tasks (Django's Tasks framework, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django.tasks import task

from . import recipients, services


def event_committed(event) -> None:
    """audit.hooks callback, after an event commits: queue its fan-out if it concerns anyone."""
    if recipients.concerns(event.action):
        notify_event.enqueue(event.pk)


@task()
def notify_event(event_id: int) -> int:
    return services.notify_fan_out(event_id)


@task()
def deliver(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id)
