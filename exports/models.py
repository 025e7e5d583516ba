"""A document rendered in the background and kept in storage until the data it shows changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Export(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在生成"
        DONE = "done", "已生成"
        FAILED = "failed", "生成失败"

    kind = models.CharField("类别", max_length=40)
    key = models.CharField("对象", max_length=200)
    fingerprint = models.CharField("数据指纹", max_length=64)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    step = models.CharField("当前步骤", max_length=100, blank=True)
    file = models.FileField("文件", upload_to="exports/%Y/", blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("请求时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台生成的文件"
        verbose_name_plural = "后台生成的文件"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One rendering per version of the data, however many people ask at once.
            models.UniqueConstraint(fields=["kind", "key", "fingerprint"], name="export_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}（{self.get_state_display()}）"
