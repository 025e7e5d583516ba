"""The trail: one append-only, hash-chained event for every write (SPEC.md Art. 14, 17–19)."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

GENESIS_HASH = "0" * 64


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes: the rows of an append-only table are never updated or deleted."""

    def update(self, **kwargs):
        raise ValidationError("审计记录只能追加，不能修改。", code="append_only")

    def delete(self):
        raise ValidationError("审计记录只能追加，不能删除。", code="append_only")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人姓名", max_length=100, blank=True)
    actor_role = models.CharField("操作人角色", max_length=50, blank=True)
    actor_scope = models.CharField("角色范围", max_length=100, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60)
    object_id = models.CharField("对象编号", max_length=40)
    object_repr = models.CharField("对象", max_length=200)
    community = models.ForeignKey(
        "fundadmin.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="社区",
    )
    project_id = models.BigIntegerField("项目编号", null=True, blank=True, db_index=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.TextField("原因/说明", blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    prev_hash = models.CharField("上一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["seq"]
        indexes = [models.Index(fields=["community", "seq"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("审计记录只能追加，不能修改。", code="append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("审计记录只能追加，不能删除。", code="append_only")

    def canonical_bytes(self) -> bytes:
        return canonical_bytes(self.hashed_fields())

    def hashed_fields(self) -> dict:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "actor_role": self.actor_role,
            "actor_scope": self.actor_scope,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "community_id": self.community_id,
            "project_id": self.project_id,
            "changes": self.changes,
            "reason": self.reason,
            "client_address": self.client_address,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


def canonical_bytes(data: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes on SQLite and PostgreSQL (jsonb reorders keys)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class AuditHead(models.Model):
    """One row holding the chain's tip. Appends lock it so two writers never take the same seq.

    Locking the newest event instead would not do: under READ COMMITTED the second writer, once
    the first commits, re-reads the *old* newest row and computes a duplicate sequence number.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class VerificationRun(models.Model):
    """The result of recomputing the chain: shown to supervisors as "verified up to event N"."""

    ran_at = models.DateTimeField("核验时间", auto_now_add=True)
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_through_seq = models.PositiveBigIntegerField("核验至序号", default=0)
    ok = models.BooleanField("完整")
    first_broken_seq = models.PositiveBigIntegerField("首个断点", null=True, blank=True)
    message = models.TextField("结果", blank=True)
    full = models.BooleanField("全量核验", default=True)
    started_after_seq = models.PositiveBigIntegerField("自此序号之后核验", default=0)
    checkpoints_checked = models.PositiveIntegerField("核对的检查点数", default=0)
    # The newest signed checkpoint this run found the chain agrees with: where the next
    # incremental run starts (it is trusted only because a signed checkpoint says the same).
    anchor_seq = models.PositiveBigIntegerField("锚定检查点序号", null=True, blank=True)
    anchor_hash = models.CharField("锚定检查点哈希", max_length=64, blank=True)
    problems = models.JSONField("发现的问题", default=list, blank=True)

    class Meta:
        verbose_name = "审计链核验"
        verbose_name_plural = "审计链核验"
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return self.message


class Checkpoint(models.Model):
    """A signed statement of the chain's head — sequence number, hash, time — made every day and
    at every notice publication (audit/checkpoints.py). The signing key is not in the database,
    and the signed copy is written where the database cannot rewrite it (an append-only folder
    or an S3-compatible bucket) and printed on the notice. This row is the outbox and an index:
    deleting or editing it hides nothing, because verification reads the copies outside."""

    class Reason(models.TextChoices):
        DAILY = "daily", "每日定时"
        NOTICE = "notice", "公示发布"
        MANUAL = "manual", "手动"

    seq = models.PositiveBigIntegerField("链头序号", db_index=True)
    hash = models.CharField("链头哈希", max_length=64)
    made_at = models.DateTimeField("时间")
    reason = models.CharField("原因", max_length=20, choices=Reason.choices)
    statement = models.TextField("签名内容")
    algorithm = models.CharField("签名算法", max_length=20)
    key_id = models.CharField("密钥标识", max_length=64)
    signature = models.TextField("签名")
    timestamp_token = models.TextField("可信时间戳", blank=True)
    exported_at = models.DateTimeField("写出时间", null=True, blank=True)
    export_name = models.CharField("写出文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "审计检查点"
        verbose_name_plural = "审计检查点"
        ordering = ["seq", "made_at"]

    def __str__(self) -> str:
        return f"检查点 第 {self.seq} 号 {self.hash[:8].upper()}"
