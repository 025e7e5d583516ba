"""The core domain: who runs the fund, for which communities, for which years, and when."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .roles import (
    COMMITTEE_PERMISSIONS,
    COMMUNITY_PERMISSIONS,
    PRINCIPAL_ROLES,
    ROLE_SCOPE,
    Body,
    Role,
    ScopeLevel,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


DISPLAY_NAME_MAX = 100


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    # Compared with contractors' contacts by the integrity indicators (Art. 19): a contractor
    # reachable on a role holder's phone is a possible conflict of interest.
    phone = models.CharField("手机号码", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        # Django lets a username run to 150 characters; the trail and the records copy this name
        # into 100-character columns (AuditEvent.actor_name, Opinion.raised_by_name, …).
        return (self.full_name or self.get_full_name() or self.username)[:DISPLAY_NAME_MAX]

    def delete(self, *args, **kwargs):
        # Art. 17/19: the trail names every actor for years; users are deactivated, never deleted.
        raise ValidationError("用户不能删除，只能停用（保留审计记录中的姓名）。", code="user_undeletable")


class WorkingCommittee(models.Model):
    """社区党工委: manages the fund for its communities (Art. 2, 14)."""

    name = models.CharField("名称", max_length=100, unique=True)
    code = models.SlugField("代码", max_length=40, unique=True)
    city = models.CharField("城市", max_length=50, blank=True)
    construction_committee_name = models.CharField(
        "建管委名称", max_length=100, blank=True, help_text="与党工委同级的社区建设管理委员会"
    )

    class Meta:
        verbose_name = "社区党工委"
        verbose_name_plural = "社区党工委"
        ordering = ["code"]
        permissions = list(COMMITTEE_PERMISSIONS.items())

    def __str__(self) -> str:
        return self.name

    @property
    def committee(self) -> WorkingCommittee:
        return self


class CommunityQuerySet(models.QuerySet):
    def in_committee(self, committee: WorkingCommittee) -> CommunityQuerySet:
        return self.filter(committee=committee)


class Community(models.Model):
    """社区: one community Party committee and its fund subject (Art. 2, 17)."""

    committee = models.ForeignKey(
        WorkingCommittee, on_delete=models.PROTECT, related_name="communities", verbose_name="所属党工委"
    )
    name = models.CharField("社区名称", max_length=100)
    code = models.SlugField("代码", max_length=40, unique=True)
    party_committee_name = models.CharField("社区党委名称", max_length=100, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = "社区"
        verbose_name_plural = "社区"
        ordering = ["committee__code", "code"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="community_name_unique_in_committee")]
        permissions = list(COMMUNITY_PERMISSIONS.items())

    def __str__(self) -> str:
        return self.name

    @property
    def community(self) -> Community:
        return self

    @property
    def applicant_name(self) -> str:
        return self.party_committee_name or f"{self.name}党委"

    def body_name(self, body: str) -> str:
        """The name of a body over this community, as a sentence names it (fundadmin.roles.Body)."""
        committee = self.committee
        return {
            Body.COMMUNITY_PARTY: self.applicant_name,
            Body.SUPERVISION: f"{self.name}议事监督委员会",
            Body.COMMITTEE: committee.name,
            Body.CONSTRUCTION: committee.construction_committee_name or f"{committee.name}（建管委）",
            Body.SYSTEM: "系统管理员",
        }[body]


class SpendingCategory(models.Model):
    """The six categories the fund may be spent on (Art. 8), kept as data."""

    number = models.PositiveSmallIntegerField("序号", unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    description = models.TextField("说明")

    class Meta:
        verbose_name = "经费使用范围"
        verbose_name_plural = "经费使用范围"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class FundYearQuerySet(models.QuerySet):
    def open(self) -> FundYearQuerySet:
        return self.filter(closed_at__isnull=True)


class FundYear(models.Model):
    """One community's fund for one calendar year: the annual allocation (Art. 5).

    The carry-over from the previous year (Art. 13) and every balance come from the ledger, never
    from a number typed here.
    """

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="fund_years", verbose_name="社区")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000)])
    allocation = models.DecimalField(
        "年度经费", **MONEY, validators=[MinValueValidator(Decimal("0"))], help_text="市财政年度拨款（元）"
    )
    closed_at = models.DateTimeField("结转时间", null=True, blank=True, editable=False)

    objects = FundYearQuerySet.as_manager()

    class Meta:
        verbose_name = "经费年度"
        verbose_name_plural = "经费年度"
        ordering = ["community", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="fund_year_unique"),
            models.CheckConstraint(condition=Q(allocation__gte=0), name="fund_year_allocation_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.community.name} {self.year}年度"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, at: datetime.date | None = None) -> RoleAssignmentQuerySet:
        day = at or timezone.localdate()
        return self.filter(revoked_at__isnull=True, valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def covering(self, community: Community) -> RoleAssignmentQuerySet:
        """Assignments whose scope includes this community (its own or its committee's)."""
        return self.filter(Q(community=community) | Q(committee_id=community.committee_id))


class RoleAssignment(models.Model):
    """A user holds a role over one scope for a period. Revoked, never deleted."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments", verbose_name="用户")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    committee = models.ForeignKey(
        WorkingCommittee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name="党工委",
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name="社区",
    )
    valid_from = models.DateField("生效日期", default=timezone.localdate)
    valid_until = models.DateField("截止日期", null=True, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="授予人"
    )
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="撤销人"
    )
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "角色任命"
        verbose_name_plural = "角色任命"
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_level",
                condition=(
                    Q(
                        role__in=[r for r, lvl in ROLE_SCOPE.items() if lvl == ScopeLevel.COMMUNITY],
                        community__isnull=False,
                        committee__isnull=True,
                    )
                    | Q(
                        role__in=[r for r, lvl in ROLE_SCOPE.items() if lvl == ScopeLevel.COMMITTEE],
                        committee__isnull=False,
                        community__isnull=True,
                    )
                    | Q(
                        role__in=[r for r, lvl in ROLE_SCOPE.items() if lvl == ScopeLevel.SYSTEM],
                        committee__isnull=True,
                        community__isnull=True,
                    )
                ),
            ),
            models.CheckConstraint(
                name="role_validity_ordered",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope(self) -> Community | WorkingCommittee | None:
        return self.community or self.committee

    @property
    def scope_label(self) -> str:
        return str(self.scope) if self.scope else "全市"

    def is_active(self, at: datetime.date | None = None) -> bool:
        day = at or timezone.localdate()
        return (
            self.revoked_at is None and self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
        )

    def clean(self) -> None:
        if self.role not in Role.values:
            return  # clean_fields says the role is not one of the choices; there is no scope to check
        level = ROLE_SCOPE[Role(self.role)]
        if level == ScopeLevel.COMMUNITY and (not self.community_id or self.committee_id):
            raise ValidationError("该角色必须任命到一个社区。", code="scope_community")
        if level == ScopeLevel.COMMITTEE and (not self.committee_id or self.community_id):
            raise ValidationError("该角色必须任命到一个党工委。", code="scope_committee")
        if level == ScopeLevel.SYSTEM and (self.committee_id or self.community_id):
            raise ValidationError("该角色的范围是全市，不能任命到某个社区或党工委。", code="scope_system")
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError("截止日期不能早于生效日期。", code="validity_order")


def acting_path(instance: ActingAssignment, filename: str) -> str:
    scope = instance.principal.community or instance.principal.committee
    return f"acting/{scope.code}/{instance.starts_on:%Y%m%d}-{instance.user_id}/{filename}"


class ActingAssignmentQuerySet(models.QuerySet):
    def running(self, at: datetime.date | None = None) -> ActingAssignmentQuerySet:
        """The acting periods in force on ``at`` (today): within their dates, not ended early, the
        principal still holding the role, and the acting person still holding their own role in
        the same body. Asked on the day, so a period starts and ends on time without a nightly job."""
        day = at or timezone.localdate()
        # The same scope as the principal's: their committee, or their community (a NULL never
        # equals a NULL in SQL, hence one branch per level).
        own_role = RoleAssignment.objects.active(day).filter(
            Q(committee__isnull=False, committee=OuterRef("principal__committee"))
            | Q(community__isnull=False, community=OuterRef("principal__community")),
            user=OuterRef("user"),
            role=OuterRef("user_role"),
        )
        return self.filter(
            revoked_at__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
            user__is_active=True,
            principal__revoked_at__isnull=True,
            principal__valid_from__lte=day,
        ).filter(Q(principal__valid_until__isnull=True) | Q(principal__valid_until__gte=day), Exists(own_role))

    def live(self) -> ActingAssignmentQuerySet:
        """Not ended early (they may still lie ahead)."""
        return self.filter(revoked_at__isnull=True)


class ActingAssignment(models.Model):
    """代行职责: while a principal leader is away, a person who already holds a role in the same body
    acts in the principal's role for a period, on a written authorisation (SPEC.md "Decisions the
    rules leave to us: Acting leaders"). Ended early, never edited or deleted."""

    principal = models.ForeignKey(
        RoleAssignment, on_delete=models.PROTECT, related_name="acting_periods", verbose_name="被代行的职务"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="acting_assignments", verbose_name="代行人")
    user_role = models.CharField("代行人本人职务", max_length=32, choices=Role.choices)
    starts_on = models.DateField("代行开始日期")
    ends_on = models.DateField("代行结束日期")
    reason = models.CharField("代行原因", max_length=200)
    authorisation = models.FileField("书面授权", upload_to=acting_path, max_length=200)
    authorisation_name = models.CharField("授权文件原名", max_length=200)
    authorisation_type = models.CharField("授权文件类型", max_length=60)
    authorisation_size = models.PositiveBigIntegerField("授权文件大小（字节）")
    authorisation_sha256 = models.CharField("授权文件 SHA-256", max_length=64)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="登记人")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    revoked_at = models.DateTimeField("提前结束时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="提前结束登记人"
    )
    revoke_reason = models.CharField("提前结束原因", max_length=200, blank=True)

    objects = ActingAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "代行职责"
        verbose_name_plural = "代行职责"
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="acting_period_ordered", condition=Q(ends_on__gte=models.F("starts_on"))),
            models.CheckConstraint(
                name="acting_deputy_role",
                condition=Q(user_role__in=sorted({r for deputies in PRINCIPAL_ROLES.values() for r in deputies})),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name}代{self.principal.user.display_name}（{self.role_label}）"

    @property
    def role_label(self) -> str:
        return self.principal.get_role_display()

    @property
    def acting_name(self) -> str:
        """How a record names who acted: 张德明代李伟."""
        return f"{self.user.display_name}代{self.principal.user.display_name}"

    def is_running(self, at: datetime.date | None = None) -> bool:
        """Within its dates and not ended early (the roles behind it: ``running``)."""
        day = at or timezone.localdate()
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on


class CalendarYear(models.Model):
    """Whether a year's official working-day calendar is known (published by the State Council)."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    is_published = models.BooleanField("已公布", default=False)
    source = models.CharField("来源", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年（{'已公布' if self.is_published else '未公布'}）"


class SpecialDay(models.Model):
    """A day that breaks the weekday/weekend rule: a statutory holiday on a weekday, or an
    adjusted working day (调休) on a weekend. Every other day follows Monday–Friday."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休息）"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class JobRun(models.Model):
    """One server's claim on a scheduled job for one period (fundadmin.jobs): cron runs the same
    commands on every app server, and the unique constraint lets exactly one of them do the work."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    job = models.CharField("任务", max_length=60)
    period = models.CharField("周期", max_length=20)
    host = models.CharField("服务器", max_length=100)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["-started_at", "-pk"]
        constraints = [
            # A failed run stays on record and does not block a retry in the same period.
            models.UniqueConstraint(
                fields=["job", "period"],
                condition=Q(outcome__in=["running", "done"]),
                name="jobrun_one_claim_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period} {self.get_outcome_display()}（{self.host}）"
