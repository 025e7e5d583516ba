"""Supervision during, evaluation after (SPEC.md Art. 14, 16, 18): supervision opinions, the
community's annual report and the working committee's evaluation of it, and the reminder log.

Everything here is written by ``supervision.services`` inside one transaction with its trail
event; what has been said is never edited: an opinion is answered once, a report is submitted
once, and a re-evaluation is a new record beside the old one.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from fundadmin.models import Community, FundYear, WorkingCommittee

from .indicators.kinds import Kind as IndicatorKind

KIND_CHOICES = IndicatorKind.choices

# Art. 16: the report reaches the working committee *before* 1 December; from that day it is late.
REPORT_LATE_FROM = (12, 1)


def report_late_from(year: int) -> datetime.date:
    return datetime.date(year, *REPORT_LATE_FROM)


class Frozen(models.Model):
    """Rows that are written once: ``save`` on an existing row is refused unless a service
    names the fields it is allowed to fill in (an opinion's answer, exactly once)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and not kwargs.get("update_fields"):
            raise ValidationError("该记录已提交，不能修改。", code="frozen")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("该记录不能删除。", code="frozen")


class OpinionQuerySet(models.QuerySet):
    def open(self) -> OpinionQuerySet:
        return self.filter(answered_at__isnull=True)


class Opinion(Frozen):
    """监督意见: what the deliberation & supervision committee says about a project, a payment or
    a notice (Art. 14). The body it is addressed to must answer."""

    class Subject(models.TextChoices):
        PROJECT = "project", "项目"
        SETTLEMENT = "settlement", "经费支付（结算）"
        NOTICE = "notice", "公示"

    class Addressee(models.TextChoices):
        COMMUNITY = "community", "社区党委"
        COMMITTEE = "committee", "社区党工委"

    # Who may answer for each addressee (fundadmin.roles).
    ANSWER_PERMISSION = {Addressee.COMMUNITY: "act_for_community", Addressee.COMMITTEE: "manage_execution"}

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    subject = models.CharField("监督对象", max_length=20, choices=Subject.choices)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="项目"
    )
    settlement = models.ForeignKey(
        "projects.Settlement", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="结算"
    )
    notice = models.ForeignKey(
        "publicity.Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="公示"
    )
    addressed_to = models.CharField("答复单位", max_length=20, choices=Addressee.choices)
    text = models.TextField("监督意见", max_length=4000)
    # The integrity indicator the opinion was filed from, if any (Art. 19).
    finding = models.ForeignKey(
        "supervision.Finding",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name="所依据的廉政预警",
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_by_name = models.CharField("提出人", max_length=100)
    raised_at = models.DateTimeField("提出时间")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_by_name = models.CharField("答复人", max_length=100, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = "监督意见"
        verbose_name_plural = "监督意见"
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["community", "answered_at"]), models.Index(fields=["project"])]
        constraints = [
            models.CheckConstraint(
                name="opinion_subject_has_object",
                condition=(Q(subject="project") & Q(project__isnull=False))
                | (Q(subject="settlement") & Q(settlement__isnull=False) & Q(project__isnull=False))
                | (Q(subject="notice") & Q(notice__isnull=False)),
            ),
            models.CheckConstraint(
                name="opinion_answer_complete",
                condition=(Q(answered_at__isnull=True) & Q(answer="")) | (Q(answered_at__isnull=False) & ~Q(answer="")),
            ),
        ]

    def __str__(self) -> str:
        return f"监督意见 #{self.pk}（{self.about}）"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    @property
    def about(self) -> str:
        if self.subject == self.Subject.NOTICE and self.notice_id:
            return f"公示：{self.notice.title}"
        if self.subject == self.Subject.SETTLEMENT and self.project_id:
            return f"结算：{self.project}"
        return f"项目：{self.project}" if self.project_id else self.get_subject_display()


class AnnualReport(Frozen):
    """The community's report on its fund year to the working committee (Art. 16): the figures
    are generated from the year's records and frozen with a hash; the narrative is the community's.
    """

    fund_year = models.OneToOneField(
        FundYear, on_delete=models.PROTECT, related_name="annual_report", verbose_name="经费年度"
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    year = models.PositiveSmallIntegerField("年度")
    snapshot = models.JSONField("年度数据")
    content_hash = models.CharField("内容哈希", max_length=64)
    narrative = models.TextField("工作总结", max_length=10000)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by_name = models.CharField("报送人", max_length=100)
    submitted_at = models.DateTimeField("报送时间")
    submitted_on = models.DateField("报送日期")

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = "年度报告"
        ordering = ["-year", "community__code"]

    def __str__(self) -> str:
        return f"{self.community.name}{self.year}年度专项经费使用情况报告"

    @property
    def late_from(self) -> datetime.date:
        return report_late_from(self.year)

    @property
    def is_late(self) -> bool:
        return self.submitted_on >= self.late_from

    @staticmethod
    def hash_content(snapshot: dict, narrative: str) -> str:
        data = json.dumps({"snapshot": snapshot, "narrative": narrative}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


class ReportEvaluation(Frozen):
    """考核评议: the working committee's evaluation of an annual report (Art. 16). Kept for good: a
    re-evaluation is a new row, and the newest one is the current result."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        GOOD = "good", "良好"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    report = models.ForeignKey(AnnualReport, on_delete=models.PROTECT, related_name="evaluations")
    score = models.PositiveSmallIntegerField(
        "评分（0–100）", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    grade = models.CharField("等次", max_length=10, choices=Grade.choices, blank=True)
    comments = models.TextField("评议意见", max_length=4000)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluated_by_name = models.CharField("评议人", max_length=100)
    evaluated_at = models.DateTimeField("评议时间")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name="重新评议前"
    )

    class Meta:
        verbose_name = "年度报告评议"
        verbose_name_plural = "年度报告评议"
        ordering = ["-evaluated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="evaluation_has_score_or_grade", condition=Q(score__isnull=False) | ~Q(grade="")
            ),
            models.CheckConstraint(
                name="evaluation_score_range", condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100)
            ),
        ]

    def __str__(self) -> str:
        parts = [f"{self.score}分" if self.score is not None else "", self.get_grade_display()]
        return "评议：" + " ".join(p for p in parts if p)


class ReminderSent(models.Model):
    """One reminder digest per user per day: what makes ``send_reminders`` safe to run twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    email = models.EmailField("收件地址")
    item_count = models.PositiveIntegerField("事项数")
    digest_sha256 = models.CharField("内容SHA-256", max_length=64)
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "提醒邮件"
        verbose_name_plural = "提醒邮件"
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_once_per_user_per_day")]

    def __str__(self) -> str:
        return f"{self.day} → {self.email}（{self.item_count}项）"


# -- integrity indicators (Art. 19; supervision.indicators) -----------------------------------------


class IndicatorRun(Frozen):
    """One computation of every indicator over the whole city: when, on which data (the trail's
    sequence number at that moment), with which thresholds, by whom (or the daily job)."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "每日定时计算"
        ON_DEMAND = "on_demand", "手动重新计算"

    computed_at = models.DateTimeField("计算时间")
    computed_on = models.DateField("计算日期")
    trail_seq = models.PositiveBigIntegerField("计算时审计链序号", help_text="计算所依据的数据：截至审计链该序号")
    trigger = models.CharField("方式", max_length=20, choices=Trigger.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by_name = models.CharField("计算人", max_length=100, blank=True)
    thresholds = models.JSONField("所用阈值")
    fired = models.PositiveIntegerField("触发数", default=0)
    counts = models.JSONField("各类触发数", default=dict)
    duration_ms = models.PositiveIntegerField("用时（毫秒）", default=0)

    class Meta:
        verbose_name = "廉政预警计算"
        verbose_name_plural = "廉政预警计算"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"廉政预警计算 #{self.pk}（{self.computed_on}，审计链至第 {self.trail_seq} 号）"


class Finding(models.Model):
    """One indicator that fires for one thing (a project, a community's year, a contractor…),
    identified by (kind, key) across runs so that a supervisor's judgement stays with it.

    The row carries the latest evidence; every version of it is kept in ``FindingVersion``. It
    fires now when ``last_run`` is the latest run; one that no longer fires stays on record."""

    kind = models.CharField("预警类型", max_length=30, choices=KIND_CHOICES)
    key = models.CharField("标识", max_length=200)
    committee = models.ForeignKey(WorkingCommittee, on_delete=models.PROTECT, related_name="+", verbose_name="党工委")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="社区"
    )
    year = models.PositiveSmallIntegerField("年度")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="主要项目"
    )
    value = models.DecimalField("测得数值", max_digits=18, decimal_places=4)
    threshold = models.DecimalField("阈值", max_digits=18, decimal_places=4)
    summary = models.CharField("概述", max_length=300)
    evidence = models.JSONField("证据")
    evidence_hash = models.CharField("证据哈希", max_length=64)
    first_run = models.ForeignKey(IndicatorRun, on_delete=models.PROTECT, related_name="+", verbose_name="首次触发")
    last_run = models.ForeignKey(IndicatorRun, on_delete=models.PROTECT, related_name="+", verbose_name="最近触发")

    class Meta:
        verbose_name = "廉政预警"
        verbose_name_plural = "廉政预警"
        ordering = ["-year", "kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="finding_kind_key_unique")]
        indexes = [
            models.Index(fields=["committee", "year"]),
            models.Index(fields=["community", "year"]),
            models.Index(fields=["last_run"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.summary}"

    def delete(self, *args, **kwargs):
        raise ValidationError("廉政预警记录不能删除。", code="frozen")


class FindingVersion(Frozen):
    """The evidence of a finding as one run saw it; a new version whenever it changes."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="versions")
    run = models.ForeignKey(IndicatorRun, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField("测得数值", max_digits=18, decimal_places=4)
    summary = models.CharField("概述", max_length=300)
    evidence = models.JSONField("证据")
    evidence_hash = models.CharField("证据哈希", max_length=64)

    class Meta:
        verbose_name = "廉政预警证据版本"
        verbose_name_plural = "廉政预警证据版本"
        ordering = ["finding", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id} 第 {self.run_id} 次计算：{self.summary}"


class FindingReview(Frozen):
    """A supervisor looked at a finding and judged it, with the reason (Art. 14, 19). Kept for
    good, in the trail too; a later judgement is a new row beside the old one."""

    class Verdict(models.TextChoices):
        EXPLAINED = "explained", "已核实，有合理解释"
        FOLLOW_UP = "follow_up", "需要跟进"

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField("判断", max_length=20, choices=Verdict.choices)
    reason = models.TextField("理由", max_length=4000)
    evidence_hash = models.CharField("所判断的证据哈希", max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_name = models.CharField("判断人", max_length=100)
    at = models.DateTimeField("判断时间")

    class Meta:
        verbose_name = "廉政预警判断"
        verbose_name_plural = "廉政预警判断"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}（{self.by_name}）"
