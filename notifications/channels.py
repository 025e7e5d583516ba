"""Channels: the ways a person is told. Pluggable — ``settings.NOTIFICATION_CHANNELS`` lists them:

    NOTIFICATION_CHANNELS = {
        "inapp": {"CLASS": "notifications.channels.InAppChannel"},
        "email": {"CLASS": "notifications.channels.EmailChannel"},
        "webhook": {"CLASS": "notifications.channels.WebhookChannel",
                    "OPTIONS": {"url": "https://bot.city.internal/hook", "secret": "…"}},
        "sms": {"CLASS": "cityhall.sms.SmsChannel", "OPTIONS": {…}},   # a city's own
    }

The in-app channel writes the user's list at once. Every other channel is a ``QueuedChannel``: it
says how a person is reached (``address_for``) and how one message goes out (``send``, which
raises when it did not); the worker sends, retries with backoff and keeps what failed for the
administrator (notifications.services). docs/notifications.md shows a city's SMS channel.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.module_loading import import_string

from fundadmin.addresses import public_url

from . import webhook
from .models import Delivery, Notification

# The task that sends one delivery (notifications.tasks.deliver), by path: the channels are loaded
# by the tasks, so they name it rather than import it.
DELIVER_TASK = "notifications.tasks.deliver"


@dataclass(frozen=True)
class Message:
    """What happened, in words, for everyone it concerns (notifications.texts)."""

    event: object  # audit.models.AuditEvent
    title: str
    text: str
    path: str  # the page it is about, e.g. /projects/12/
    project_id: int | None = None

    @property
    def link(self) -> str:
        return public_url(self.path) if self.path else ""


class Channel:
    label = ""

    def __init__(self, alias: str, **options) -> None:
        self.alias = alias
        if options:
            raise ImproperlyConfigured(f"通知渠道 {alias} 不支持这些选项：{', '.join(sorted(options))}")

    def accept(self, message: Message, recipients: list) -> None:
        """Take ``message`` for these people; runs inside the fan-out's transaction."""
        raise NotImplementedError


class InAppChannel(Channel):
    """The user's list of what happened (消息), with the unread count in the header."""

    label = "站内消息"

    def accept(self, message: Message, recipients: list) -> None:
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    event=message.event,
                    project_id=message.project_id,
                    title=message.title,
                    text=message.text,
                    url=message.path,
                    occurred_at=message.event.created_at,
                )
                for user in recipients
            ],
            ignore_conflicts=True,  # a fan-out that runs twice adds nothing
        )


class QueuedChannel(Channel):
    """A channel whose messages the worker sends, one ``Delivery`` per person, with retries."""

    def address_for(self, user) -> str:
        """Where this person is reached on this channel; "" when they are not."""
        raise NotImplementedError

    def subject_for(self, message: Message) -> str:
        return message.title

    def body_for(self, message: Message, user) -> str:
        lines = [f"{user.display_name}，您好：", "", message.text]
        if message.link:
            lines += ["", f"查看详情：{message.link}"]
        lines += ["", "此消息由系统自动发送，登录后可在“消息”中查看全部通知。"]
        return "\n".join(lines)

    def send(self, delivery: Delivery) -> None:
        """Send one message; raise if it did not go out (the worker retries)."""
        raise NotImplementedError

    def accept(self, message: Message, recipients: list) -> None:
        for user in recipients:
            address = self.address_for(user)
            if not address:
                continue
            delivery, created = Delivery.objects.get_or_create(
                event=message.event,
                recipient=user,
                channel=self.alias,
                defaults={
                    "kind": Delivery.Kind.EVENT,
                    "address": address[:300],
                    "subject": self.subject_for(message)[:200],
                    "body": self.body_for(message, user),
                    "url": message.link[:300],
                    "task": DELIVER_TASK,
                },
            )
            if created:
                transaction.on_commit(partial(enqueue, delivery))


def enqueue(delivery: Delivery, *, run_after=None) -> None:
    task = import_string(delivery.task)
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(delivery.pk)


class EmailChannel(QueuedChannel):
    label = "电子邮件"

    def address_for(self, user) -> str:
        return user.email or ""

    def subject_for(self, message: Message) -> str:
        return f"【专项经费】{message.title}"

    def send(self, delivery: Delivery) -> None:
        EmailMessage(delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.address]).send()


class WebhookChannel(QueuedChannel):
    """A JSON POST per message to one address, signed with a shared secret (notifications.webhook):
    a work-messenger bot or a city's message hub receives it and forwards it to the person."""

    label = "Webhook"

    def __init__(self, alias: str, *, url: str = "", secret: str = "", timeout: float = 10, **options) -> None:
        super().__init__(alias, **options)
        self.url, self.secret, self.timeout = url.strip(), secret, float(timeout)
        if self.url and not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"通知渠道 {alias} 的地址须以 https:// 或 http:// 开头。")
        if self.url and len(self.secret) < 16:
            raise ImproperlyConfigured(f"通知渠道 {alias} 须设置至少 16 个字符的共享密钥（secret）。")

    def address_for(self, user) -> str:
        return self.url  # "" when no address is configured: the channel is off

    def body_for(self, message: Message, user) -> str:
        return message.text  # the receiver addresses the person itself

    @staticmethod
    def payload(delivery: Delivery) -> dict:
        user = delivery.recipient
        return {
            "delivery": delivery.pk,
            "kind": delivery.kind,
            "event": delivery.event.seq if delivery.event_id else None,
            "action": delivery.event.action if delivery.event_id else None,
            "occurred_at": delivery.event.created_at.isoformat() if delivery.event_id else None,
            "recipient": {"username": user.username, "name": user.display_name, "email": user.email},
            "title": delivery.subject,
            "text": delivery.body,
            "url": delivery.url,
        }

    def send(self, delivery: Delivery) -> None:
        body = json.dumps(self.payload(delivery), ensure_ascii=False, separators=(",", ":")).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers=webhook.signed_headers(self.secret, body, delivery_id=delivery.pk),
        )
        # urlopen raises HTTPError for any 4xx/5xx answer, so a receiver's refusal is a failure.
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read(1024)


def configured() -> dict[str, Channel]:
    """The channels of ``settings.NOTIFICATION_CHANNELS``, by alias. Built on each call (cheap),
    so a test's ``settings`` override takes effect at once."""
    channels = {}
    for alias, spec in getattr(settings, "NOTIFICATION_CHANNELS", {}).items():
        try:
            cls = import_string(spec["CLASS"])
        except (KeyError, ImportError) as exc:
            raise ImproperlyConfigured(f"通知渠道 {alias}：找不到渠道类 {spec.get('CLASS')!r}。") from exc
        channels[alias] = cls(alias, **spec.get("OPTIONS", {}))
    return channels


def channel(alias: str) -> QueuedChannel:
    found = configured().get(alias)
    if not isinstance(found, QueuedChannel):
        raise ImproperlyConfigured(f"通知渠道 {alias} 未配置（NOTIFICATION_CHANNELS），无法发送。")
    return found
