"""What happened, told to the people it concerns: an in-app list per user, and deliveries through
the other channels (e-mail, a webhook, whatever a city plugs in) made by the background worker.

A ``Notification`` is one line in a user's list (消息). A ``Delivery`` is one message to one
person through one queued channel, with its attempts: it is what the administrator reads when a
send failed, and what the worker retries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications", verbose_name="接收人"
    )
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, related_name="+", verbose_name="审计事件")
    project_id = models.BigIntegerField("项目编号", null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容")
    url = models.CharField("链接", max_length=300, blank=True)
    occurred_at = models.DateTimeField("发生时间")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            # The header's unread count and the list, both per recipient.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-occurred_at"], name="notification_list"),
        ]
        constraints = [
            # The worker may run a fan-out twice (at-least-once): one line per person per event.
            models.UniqueConstraint(fields=["recipient", "event"], name="notification_once_per_event"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Delivery(models.Model):
    class Kind(models.TextChoices):
        EVENT = "event", "事项通知"
        DIGEST = "digest", "每日待办提醒"

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        RETRYING = "retrying", "发送失败，等待重试"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败，已停止重试"
        SKIPPED = "skipped", "无需发送"

    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    channel = models.CharField("渠道", max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="接收人"
    )
    address = models.CharField("发送地址", max_length=300)
    event = models.ForeignKey(
        "audit.AuditEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审计事件"
    )
    day = models.DateField("提醒日期", null=True, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("链接", max_length=300, blank=True)
    data = models.JSONField("附加数据", default=dict, blank=True)  # what its task needs beyond the text
    # The task that sends it (its module path): the worker re-enqueues it for a retry, and the
    # administrator's "send again" enqueues it afresh.
    task = models.CharField("发送任务", max_length=200)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    last_error = models.TextField("最近一次错误", blank=True)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息发送"
        verbose_name_plural = "消息发送"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="delivery_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"],
                condition=Q(event__isnull=False),
                name="delivery_once_per_event",
            ),
            # One digest per person per channel per day, however often send_reminders runs.
            models.UniqueConstraint(
                fields=["recipient", "channel", "day"], condition=Q(kind="digest"), name="delivery_digest_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(kind="event", event__isnull=False) | Q(kind="digest", day__isnull=False),
                name="delivery_kind_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.address}：{self.subject}"

    @property
    def state_text(self) -> str:
        """The state in a sentence, with the retry time or the last error."""
        label = self.get_state_display()
        if self.state == self.State.RETRYING and self.next_attempt_at:
            return f"{label}（第 {self.attempts} 次失败，将于 {timezone.localtime(self.next_attempt_at):%Y-%m-%d %H:%M} 重试）"
        if self.state == self.State.FAILED:
            return f"{label}（共尝试 {self.attempts} 次）"
        return label
