"""The records of a project's steps: the opinion boxes of the form, the joint
meetings, the plan's versions and changes, follow-up notes and acceptance inspections."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fundadmin.models import MONEY

from .project import Project


class Review(models.Model):
    """An opinion box of the application form: preliminary consent, the working committee's
    leadership-meeting decision, the construction-management committee's decision (Art. 10, 11)."""

    class Kind(models.TextChoices):
        PRELIMINARY = "preliminary", "党工委初步意见"
        COMMITTEE = "committee", "党工委审批意见"
        CONSTRUCTION = "construction", "建管委审批意见"

    class Outcome(models.TextChoices):
        AGREE = "agree", "同意"
        RETURN = "return", "退回修改"
        REJECT = "reject", "不予批准"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField("意见类型", max_length=20, choices=Kind.choices)
    outcome = models.CharField("结论", max_length=10, choices=Outcome.choices)
    comment = models.TextField("意见", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acting_role = models.CharField("签署身份", max_length=50)
    # Signed by an acting leader (代行职责): the record it was signed under, and the principal's
    # name as it was then — 张德明代李伟（党工委书记）.
    acting = models.ForeignKey(
        "fundadmin.ActingAssignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代行职责",
    )
    acting_for_name = models.CharField("代行对象", max_length=100, blank=True)
    decided_at = models.DateTimeField("时间", default=timezone.now)
    meeting_date = models.DateField("班子会议日期", null=True, blank=True)
    meeting_attendees = models.TextField("参会人员", blank=True)

    class Meta:
        verbose_name = "审批意见"
        verbose_name_plural = "审批意见"
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.get_outcome_display()}"

    @property
    def signed_by(self) -> str:
        """张德明代李伟 for an acting leader's decision, else the name of who decided."""
        name = self.decided_by.display_name
        return f"{name}代{self.acting_for_name}" if self.acting_for_name else name


class JointMeeting(models.Model):
    """The joint meeting of the "two committees" and resident representatives (Art. 10)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField("会议日期")
    attendees = models.TextField("参会人员")
    attendee_count = models.PositiveIntegerField("参会人数", validators=[MinValueValidator(1)])
    votes_for = models.PositiveIntegerField("赞成票")
    votes_against = models.PositiveIntegerField("反对票")
    votes_abstain = models.PositiveIntegerField("弃权票")
    minutes = models.TextField("会议纪要")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    attendee_count__gte=models.F("votes_for") + models.F("votes_against") + models.F("votes_abstain")
                ),
                name="meeting_votes_within_attendance",
            )
        ]

    def __str__(self) -> str:
        return f"联席会议 {self.held_on}"

    @property
    def agreed(self) -> bool:
        """A majority of those present voted for it; anything less is a divided meeting."""
        return self.votes_for * 2 > self.attendee_count


class PlanVersion(models.Model):
    """A frozen copy of the approved plan; every consented change adds one (Art. 11)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plan_versions")
    number = models.PositiveSmallIntegerField("版本")
    snapshot = models.JSONField("方案内容")
    amount = models.DecimalField("金额", **MONEY)
    reason = models.TextField("原因", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "方案版本"
        verbose_name_plural = "方案版本"
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"第{self.number}版"


class ChangeRequest(models.Model):
    """A change during execution, for a special reason, consented by the committee and filed (Art. 11)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待党工委决定"
        CONSENTED = "consented", "已同意并备案"
        REFUSED = "refused", "不同意"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="change_requests")
    reason = models.TextField("变更原因")
    description = models.TextField("变更内容")
    new_amount = models.DecimalField("变更后金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    new_contractor_name = models.CharField("变更后承办方", max_length=100, blank=True)
    new_planned_end = models.DateField("变更后完成日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField("党工委意见", blank=True)
    plan_version = models.OneToOneField(PlanVersion, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = "变更申请"
        verbose_name_plural = "变更申请"
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"变更申请：{self.description[:20]}"


class ProgressNote(models.Model):
    """What the follow-up person saw (Art. 12)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="progress_notes")
    noted_on = models.DateField("日期")
    note = models.TextField("进展情况")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "跟进记录"
        verbose_name_plural = "跟进记录"
        ordering = ["noted_on", "pk"]

    def __str__(self) -> str:
        return f"{self.noted_on} {self.note[:20]}"


class Inspection(models.Model):
    """The committee's acceptance inspection: quality and residents' satisfaction (Art. 12)."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        GOOD = "good", "良好"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField("验收日期")
    inspectors = models.TextField("验收人员")
    quality_grade = models.CharField("项目质量", max_length=10, choices=Grade.choices)
    quality_notes = models.TextField("质量说明", blank=True)
    respondents = models.PositiveIntegerField("满意度调查人数", validators=[MinValueValidator(1)])
    satisfied = models.PositiveIntegerField("满意人数")
    passed = models.BooleanField("验收结论：合格")
    rectification = models.TextField("整改要求", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "验收记录"
        verbose_name_plural = "验收记录"
        ordering = ["inspected_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(satisfied__lte=models.F("respondents")), name="satisfied_within_asked")
        ]

    def __str__(self) -> str:
        return f"验收 {self.inspected_on}"

    @property
    def satisfaction_percent(self) -> Decimal:
        return (Decimal(self.satisfied) * 100 / self.respondents).quantize(Decimal("0.1"))
