"""Openness (SPEC.md Art. 7(4), 9, 10, 13, 15): residents' needs, notices, objections."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fundadmin.models import Community


def new_tracking_code() -> str:
    return secrets.token_hex(5).upper()


# What a typed tracking code may hold (upper-cased): anything else cannot be one.
TRACKING_CODE = re.compile(r"[0-9A-Z]{1,12}")


class Need(models.Model):
    """A resident's need, gathered door to door, at the service hall or online (Art. 6, 9)."""

    class Channel(models.TextChoices):
        DOOR_TO_DOOR = "door_to_door", "入户走访"
        SERVICE_HALL = "service_hall", "服务大厅"
        ONLINE = "online", "网上提交"
        OTHER = "other", "其他渠道"

    class Outcome(models.TextChoices):
        RECEIVED = "received", "已收到"
        ADOPTED = "adopted", "已纳入项目"
        NOT_ADOPTED = "not_adopted", "未采纳"

    class Status(models.TextChoices):
        """What a resident follows with the tracking code, like an objection's state."""

        RECEIVED = "received", "收到"
        RESPONDED = "responded", "已回应"
        ADOPTED = "adopted", "纳入项目"

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="needs", verbose_name="社区")
    channel = models.CharField("收集渠道", max_length=20, choices=Channel.choices)
    received_on = models.DateField("收集日期", default=timezone.localdate)
    content = models.TextField("诉求内容", max_length=2000)
    submitter_name = models.CharField("提出人（可不填）", max_length=50, blank=True)
    submitter_contact = models.CharField("联系方式（可不填，不公开）", max_length=50, blank=True)
    outcome = models.CharField("处理情况", max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED)
    outcome_note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The resident's receipt (like an objection's): the need's page is found with it.
    tracking_code = models.CharField("查询码", max_length=12, unique=True, default=new_tracking_code)
    response = models.TextField("社区回应", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    # Fixed when the need is recorded (settings.NEED_REPLY_WORKING_DAYS after received_on), so a
    # later change of the setting never moves a date already promised (SPEC.md "Decisions").
    reply_due_on = models.DateField("答复期限", null=True, blank=True)
    reply_due_provisional = models.BooleanField("答复期限为暂定", default=False)

    class Meta:
        verbose_name = "民意诉求"
        verbose_name_plural = "民意诉求"
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_on} {self.content[:30]}"

    @property
    def effective_outcome(self) -> str:
        """Adoption is read from the proposals that cite the need (``Project.needs``, Art. 9), so it
        can never disagree with them; "not adopted" is the community's recorded decision."""
        if self.projects.all():
            return self.Outcome.ADOPTED
        return self.outcome if self.outcome == self.Outcome.NOT_ADOPTED else self.Outcome.RECEIVED

    @property
    def effective_outcome_label(self) -> str:
        return self.Outcome(self.effective_outcome).label

    @property
    def status(self) -> str:
        """收到 → 已回应 (the community answered, or decided not to take it up) → 纳入项目 (a
        proposal cites it, Art. 9). Read from the record, so it cannot disagree with it."""
        if self.projects.all():
            return self.Status.ADOPTED
        if self.response or self.outcome == self.Outcome.NOT_ADOPTED:
            return self.Status.RESPONDED
        return self.Status.RECEIVED

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    def reply_overdue(self, today: datetime.date) -> bool:
        """No answer of any kind (a response, a refusal, a proposal citing it) by the due date."""
        return self.status == self.Status.RECEIVED and self.reply_due_on is not None and today > self.reply_due_on


class NoticeQuerySet(models.QuerySet):
    def current(self) -> NoticeQuerySet:
        """Notices not replaced by a correction."""
        return self.filter(superseded_by__isnull=True)

    def up_on(self, day: datetime.date) -> NoticeQuerySet:
        return self.current().filter(withdrawn_at__isnull=True, posted_on__lte=day, ends_on__gte=day)


class Notice(models.Model):
    """A public notice. Its content is a frozen snapshot taken when it is published; a correction
    is a new version that says what changed, and the old one stays readable."""

    class Kind(models.TextChoices):
        PLAN = "plan", "项目方案公示"
        COMPLETION = "completion", "项目完成情况公示"
        PAYMENT = "payment", "无发票支付公示"
        ANNUAL = "annual", "年度经费使用情况公示"

    # Minimum length in working days (Art. 10, 13, 15).
    PERIOD_DAYS = {Kind.PLAN: 3, Kind.COMPLETION: 3, Kind.PAYMENT: 3, Kind.ANNUAL: 5}

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="notices", verbose_name="社区")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name="项目",
    )
    fund_year = models.ForeignKey(
        "fundadmin.FundYear", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    kind = models.CharField("公示类型", max_length=20, choices=Kind.choices)
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name="更正前版本"
    )
    correction_note = models.TextField("更正说明", blank=True)
    title = models.CharField("标题", max_length=200)
    snapshot = models.JSONField("公示内容")
    content_hash = models.CharField("内容哈希", max_length=64)
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_on = models.DateField("张贴日期")
    period_days = models.PositiveSmallIntegerField("公示期（工作日）")
    ends_on = models.DateField("公示截止日期")
    ends_provisional = models.BooleanField("截止日期为暂定", default=False)
    withdrawn_at = models.DateTimeField("撤下时间", null=True, blank=True)
    withdrawn_reason = models.TextField("撤下原因", blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    board_photo = models.FileField("公示栏张贴照片", upload_to="notice_photos/", blank=True)
    board_photo_type = models.CharField("照片类型", max_length=30, blank=True)
    board_photo_sha256 = models.CharField("照片SHA-256", max_length=64, blank=True)
    # The audit checkpoint made when this notice was published (audit/checkpoints.py): printed on
    # the paper notice and shown on the board, so residents hold a copy the database cannot change.
    checkpoint_seq = models.PositiveBigIntegerField("留痕检查点序号", null=True, blank=True)
    checkpoint_hash = models.CharField("留痕检查点哈希", max_length=64, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-posted_on", "-pk"]
        indexes = [
            models.Index(fields=["community", "posted_on"]),
            models.Index(fields=["project", "kind"]),
            # The public index counts the notices up today: a range on ends_on finds the few that
            # have not ended without scanning ten years of them (bench/results).
            models.Index(fields=["ends_on"], name="publicity_notice_ends_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("posted_on")), name="notice_ends_after_posting"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and type(self).objects.filter(pk=self.pk).exclude(content_hash=self.content_hash).exists()
        ):
            raise ValueError("A published notice's content is frozen; publish a correction instead.")
        super().save(*args, **kwargs)

    @staticmethod
    def hash_snapshot(title: str, snapshot: dict) -> str:
        data = json.dumps({"title": title, "snapshot": snapshot}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    @property
    def checkpoint_label(self) -> str:
        """The line the paper notice and the board both print (verify_audit --paper reads it)."""
        if self.checkpoint_seq is None:
            return ""
        return f"本公示发布时全程留痕第 {self.checkpoint_seq} 号，摘要 {self.checkpoint_hash[:8].upper()}"

    @property
    def successor(self) -> Notice | None:
        """The correction that replaced this version, if any."""
        try:
            return self.superseded_by
        except Notice.DoesNotExist:
            return None

    @property
    def is_current(self) -> bool:
        return self.successor is None

    def status_on(self, day: datetime.date) -> str:
        return self.status_of(
            withdrawn=self.withdrawn_at is not None,
            superseded=not self.is_current,
            posted_on=self.posted_on,
            ends_on=self.ends_on,
            day=day,
        )

    @staticmethod
    def status_of(
        *, withdrawn: bool, superseded: bool, posted_on: datetime.date, ends_on: datetime.date, day: datetime.date
    ) -> str:
        """The status from the few values it depends on (the public notice page reads only those
        on a visit whose content is cached)."""
        if withdrawn:
            return "withdrawn"
        if superseded:
            return "superseded"
        if day < posted_on:
            return "scheduled"
        if day <= ends_on:
            return "up"
        return "ended"

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    STATUS_LABELS = {
        "scheduled": "待张贴",
        "up": "公示中",
        "ended": "公示期满",
        "withdrawn": "已撤下",
        "superseded": "已更正（请看新版本）",
    }

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]


class Objection(models.Model):
    """A resident's objection while a notice is up (Art. 10). It holds the project until the
    working committee decides it."""

    class State(models.TextChoices):
        OPEN = "open", "待社区答复"
        ANSWERED = "answered", "社区已答复，待党工委决定"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"
        # Another objection to the same plan was upheld and the plan went back: nothing is left
        # to decide, and leaving it open would hold the next plan notice for ever.
        MOOT = "moot", "方案已退回，一并办结"

    class Remedy(models.TextChoices):
        REVISE = "revise", "退回修改后重新公示"
        SHELVE = "shelve", "暂时搁置"

    OPEN_STATES = (State.OPEN, State.ANSWERED)

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    text = models.TextField("异议内容", max_length=2000)
    name = models.CharField("姓名（可不填）", max_length=50, blank=True)
    contact = models.CharField("联系方式（可不填，不公开）", max_length=50, blank=True)
    tracking_code = models.CharField("查询码", max_length=12, unique=True, default=new_tracking_code)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    submitted_at = models.DateTimeField(auto_now_add=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    answer = models.TextField("社区答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField("党工委决定", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    remedy = models.CharField("异议成立后的处理", max_length=10, choices=Remedy.choices, blank=True)
    # By when the community must answer (settings.OBJECTION_REPLY_WORKING_DAYS after the day it
    # came in), fixed at submission and shown on the tracking page (SPEC.md "Decisions").
    reply_due_on = models.DateField("答复期限", null=True, blank=True)
    reply_due_provisional = models.BooleanField("答复期限为暂定", default=False)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return f"异议 {self.tracking_code}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def reply_overdue(self, today: datetime.date) -> bool:
        """Still waiting for the community's answer after its due date."""
        return self.state == self.State.OPEN and self.reply_due_on is not None and today > self.reply_due_on
