"""A service project: the record the process (``projects.process``) moves along.

``Project.status`` is a protected django-fsm field: it changes only through the transition
methods of ``projects.machine.Transitions``, one per step of the table, which the services in
``projects.services`` call inside one transaction with the row locked.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField

from fundadmin.models import MONEY, Community, FundYear, SpendingCategory

from .. import process
from ..machine import Transitions
from ..process import Status

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class ContractorKind(models.TextChoices):
    ORGANISATION = "organisation", "承办单位（可开具发票）"
    INDIVIDUAL = "individual", "个人承办人（无法开具发票）"
    AID = "aid", "直接发放给个人的帮扶资金（无发票）"


class ProjectQuerySet(models.QuerySet):
    def for_fund_year(self, fund_year: FundYear) -> ProjectQuerySet:
        return self.filter(fund_year=fund_year)

    def committed(self) -> ProjectQuerySet:
        """Approved and not yet paid (Art. 13): the ledger's "committed" money."""
        return self.filter(status__in=process.COMMITTED_STATES)

    def small_group_counted(self) -> ProjectQuerySet:
        """Small-group projects that count against the 20% cap: in flight, approved or spent."""
        return self.filter(is_small_group=True, status__in=process.SMALL_GROUP_COUNTED_STATES)

    def awaiting_approval(self) -> ProjectQuerySet:
        return self.filter(status__in=process.APPROVAL_STATES)

    def paid(self) -> ProjectQuerySet:
        """Paid (Art. 13): the money has left the subject."""
        return self.filter(status__in=process.PAID_STATES)

    def counted(self) -> ProjectQuerySet:
        """Counted in a year's figures: not withdrawn, not rejected."""
        return self.filter(status__in=process.COUNTED_STATES)

    def ended(self) -> ProjectQuerySet:
        return self.filter(status__in=process.ENDED_STATES)

    def with_budget_total(self) -> ProjectQuerySet:
        """Annotate ``budget_sum`` with a correlated subquery: no GROUP BY over the project's
        columns, so it costs the same beside any select_related or filter."""
        lines = (
            BudgetLine.objects.filter(project=models.OuterRef("pk"))
            .order_by()
            .values("project")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(budget_sum=models.Subquery(lines, output_field=models.DecimalField(**MONEY)))


class Project(Transitions, ConcurrentTransitionMixin, models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="projects", verbose_name="社区")
    fund_year = models.ForeignKey(FundYear, on_delete=models.PROTECT, related_name="projects", verbose_name="经费年度")
    number = models.CharField("项目编号", max_length=40, unique=True, editable=False)
    title = models.CharField("项目名称", max_length=100)
    category = models.ForeignKey(
        SpendingCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name="经费使用范围"
    )
    description = models.TextField("项目内容", blank=True)
    spending_plan = models.TextField("经费使用方案", blank=True, help_text="资金怎样用、分几次用、由谁经手")
    needs = models.ManyToManyField("publicity.Need", blank=True, related_name="projects", verbose_name="回应的民意诉求")
    need_source = models.TextField("需求来源说明", blank=True, help_text="入户走访、服务大厅或其他渠道收集到的情况")
    beneficiaries = models.CharField("受益对象", max_length=200, blank=True)
    beneficiary_count = models.PositiveIntegerField("受益人数（估计）", null=True, blank=True)
    is_small_group = models.BooleanField("受益群体较小", default=False)
    small_group_justification = models.TextField("受益群体较小的理由", blank=True)
    contractor_kind = models.CharField(
        "承办方类型", max_length=20, choices=ContractorKind.choices, default=ContractorKind.ORGANISATION
    )
    contractor_name = models.CharField("承办方名称/姓名", max_length=100, blank=True)
    contractor_contact = models.CharField("承办方联系方式", max_length=100, blank=True)
    planned_start = models.DateField("计划开始日期", null=True, blank=True)
    planned_end = models.DateField("计划完成日期", null=True, blank=True)
    # Art. 4: the five things the fund must not pay for, each declared not to apply.
    decl_not_office = models.BooleanField("不属于社区办公经费", default=False)
    decl_not_salary = models.BooleanField("不用于社区工作者工资、补贴", default=False)
    decl_not_government = models.BooleanField("不属于政府公共服务支出", default=False)
    decl_not_funded = models.BooleanField("不属于市级财政已安排经费的服务", default=False)
    decl_not_property = models.BooleanField("不属于应由物业服务企业承担的费用", default=False)

    status = FSMField("状态", max_length=30, choices=Status.choices, default=Status.DRAFT, protected=True)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposed_projects", verbose_name="提议人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    status_changed_at = models.DateTimeField("状态变更时间", default=timezone.now)
    approved_amount = models.DecimalField("批准金额", **MONEY, null=True, blank=True, editable=False)
    received_on = models.DateField("党工委收到申请表日期", null=True, blank=True, editable=False)
    approved_on = models.DateField("批准日期", null=True, blank=True, editable=False)
    followup_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_projects",
        verbose_name="跟进专人",
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "status"]), models.Index(fields=["fund_year", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=0), name="project_approved_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # -- derived facts -----------------------------------------------------------------------

    @property
    def budget_total(self) -> Decimal:
        # SQLite's SUM drops trailing zeros; amounts are always shown and compared to the cent.
        if hasattr(self, "budget_sum"):
            total = self.budget_sum or ZERO
        elif "budget_lines" in getattr(self, "_prefetched_objects_cache", {}):  # the page shows them
            total = sum((line.amount for line in self.budget_lines.all()), ZERO)
        else:
            total = self.budget_lines.aggregate(total=Sum("amount"))["total"] or ZERO
        return total.quantize(CENT)

    @property
    def declaration_complete(self) -> bool:
        return all(getattr(self, name) for name in DECLARATION_FIELDS)

    @property
    def pays_by_invoice(self) -> bool:
        return self.contractor_kind == ContractorKind.ORGANISATION

    @property
    def state(self) -> process.State:
        return process.STATE[self.status]

    @property
    def stage(self) -> str:
        stage = self.state.stage
        return stage.value if stage else ""

    @property
    def public_status(self) -> str:
        """The state as residents read it (projects.process)."""
        return self.state.public

    @property
    def is_ended(self) -> bool:
        return self.state.ended

    @property
    def is_editable(self) -> bool:
        return self.status in process.EDITABLE_STATES

    @property
    def current_amount(self) -> Decimal:
        """What the project may spend: the approved (or changed) amount, else the budget total."""
        return self.approved_amount if self.approved_amount is not None else self.budget_total


DECLARATION_FIELDS = (
    "decl_not_office",
    "decl_not_salary",
    "decl_not_government",
    "decl_not_funded",
    "decl_not_property",
)


class BudgetLine(models.Model):
    """One line of the spending plan; its amount is quantity × unit price, never typed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines", verbose_name="项目")
    item = models.CharField("项目/物品", max_length=100)
    quantity = models.DecimalField(
        "数量", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit = models.CharField("单位", max_length=10, blank=True)
    unit_price = models.DecimalField("单价（元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    amount = models.DecimalField("金额（元）", **MONEY, editable=False)
    in_procurement_catalogue = models.BooleanField(
        "属于政府采购目录", default=False, help_text="属于政府采购目录的，须按政府采购规定执行（第十二条）"
    )

    class Meta:
        verbose_name = "预算明细"
        verbose_name_plural = "预算明细"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(unit_price__gt=0), name="budget_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"

    def save(self, *args, **kwargs):
        self.amount = (self.quantity * self.unit_price).quantize(Decimal("0.01"))
        super().save(*args, **kwargs)
