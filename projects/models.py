"""A service project and its life, as SPEC.md Art. 9–15 describe it.

The ``Project.status`` field is a protected django-fsm field: it changes only through the
transition methods below, which read top to bottom like the process. Each transition declares
who may take it (``permission``, answered by fundadmin.permissions with a reason) and what must
hold first (``conditions``, each a ``rule`` with the message the UI shows when it does not).
Services in ``projects.services`` call them inside one transaction with the row locked, and
write the trail.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from fundadmin.models import MONEY, Community, FundYear, SpendingCategory
from fundadmin.permissions import Verdict, check
from fundadmin.roles import Role

from .facts import facts

if TYPE_CHECKING:
    from fundadmin.models import User

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class Status(models.TextChoices):
    DRAFT = "draft", "草拟中"
    CONSENT_REQUESTED = "consent_requested", "待党工委初步同意"
    CONSENTED = "consented", "待召开联席会议"
    SHELVED = "shelved", "暂时搁置"
    PUBLICITY = "publicity", "方案公示中"
    SUBMITTED = "submitted", "待审批"
    COMMITTEE_APPROVED = "committee_approved", "党工委已批准，待建管委审批"
    CONSTRUCTION_APPROVED = "construction_approved", "建管委已批准，待党工委审批"
    APPROVED = "approved", "已批准，待实施"
    EXECUTING = "executing", "实施中"
    INSPECTION = "inspection", "待验收"
    ACCEPTED = "accepted", "验收合格，待结算"
    INVOICE_SIGNING_1 = "invoice_signing_1", "发票待社区党委书记签字"
    INVOICE_SIGNING_2 = "invoice_signing_2", "发票待建管委主任签字"
    INVOICE_SIGNING_3 = "invoice_signing_3", "发票待党工委书记签字"
    SIGNED = "signed", "发票已签，待财务结算"
    PAID = "paid", "已结算，待完成公示"
    COMPLETION_NOTICE = "completion_notice", "完成情况公示中"
    CLOSED = "closed", "已完成归档"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "不予批准"


# The stepper on every project page: the card's six stages (提议→申报→公示→审批→验收→拨付) with
# execution and the completion notice in their places; each fine state belongs to one stage.
STAGES: list[tuple[str, str, tuple[Status, ...]]] = [
    ("proposal", "提议", (Status.DRAFT,)),
    ("application", "申报", (Status.CONSENT_REQUESTED, Status.CONSENTED, Status.SHELVED)),
    ("publicity", "公示", (Status.PUBLICITY,)),
    ("approval", "审批", (Status.SUBMITTED, Status.COMMITTEE_APPROVED, Status.CONSTRUCTION_APPROVED)),
    ("execution", "实施", (Status.APPROVED, Status.EXECUTING)),
    ("acceptance", "验收", (Status.INSPECTION,)),
    (
        "payment",
        "拨付",
        (Status.ACCEPTED, Status.INVOICE_SIGNING_1, Status.INVOICE_SIGNING_2, Status.INVOICE_SIGNING_3, Status.SIGNED),
    ),
    ("completion", "完成公示", (Status.PAID, Status.COMPLETION_NOTICE, Status.CLOSED)),
]
STAGE_OF = {status: key for key, _, statuses in STAGES for status in statuses}
STAGE_INDEX = {key: i for i, (key, _, _) in enumerate(STAGES)}

# Approved and not yet paid: the money the ledger counts as committed (Art. 13, 18).
COMMITTED_STATES = (
    Status.APPROVED,
    Status.EXECUTING,
    Status.INSPECTION,
    Status.ACCEPTED,
    Status.INVOICE_SIGNING_1,
    Status.INVOICE_SIGNING_2,
    Status.INVOICE_SIGNING_3,
    Status.SIGNED,
)
ENDED_STATES = (Status.CLOSED, Status.WITHDRAWN, Status.REJECTED)
EDITABLE_STATES = (Status.DRAFT,)


class ContractorKind(models.TextChoices):
    ORGANISATION = "organisation", "承办单位（可开具发票）"
    INDIVIDUAL = "individual", "个人承办人（无法开具发票）"
    AID = "aid", "直接发放给个人的帮扶资金（无发票）"


# -- rules: conditions with the message shown when they do not hold --------------------------------


def rule(message: str, *, reads: tuple[str, ...] = ()):
    """Mark a transition condition with the Chinese sentence that explains it when it fails, and
    the facts (projects.facts.FACTS) it reads, so that a page can load them in bulk."""

    def decorate(func):
        func.message = message
        func.reads = reads
        return func

    return decorate


@rule("《细则》第四条的五项声明须全部确认。")
def declaration_confirmed(project: Project) -> bool:
    return project.declaration_complete


@rule("须选择经费使用范围（第八条六类之一）。")
def has_category(project: Project) -> bool:
    return project.category_id is not None


@rule("预算合计须大于零（请至少填写一项预算明细）。")
def budget_positive(project: Project) -> bool:
    return project.budget_total > ZERO


@rule("受益群体较小的项目须说明理由。")
def small_group_justified(project: Project) -> bool:
    return not project.is_small_group or bool(project.small_group_justification.strip())


@rule("须先登记一次同意的联席会议。", reads=("meetings",))
def meeting_agreed(project: Project) -> bool:
    meeting = max(facts(project, "meetings"), key=lambda m: m.pk, default=None)  # the latest recorded
    return meeting is not None and meeting.agreed


@rule("公示期未满或仍有未处理的异议，不能结束公示。", reads=("notices",))
def plan_notice_cleared(project: Project) -> bool:
    from publicity.selectors import plan_notice_clearance

    return bool(plan_notice_clearance(project))


@rule("须先由党工委指派跟进专人。")
def has_followup(project: Project) -> bool:
    return project.followup_user_id is not None


@rule("还有待党工委决定的变更申请。", reads=("change_requests",))
def no_pending_change(project: Project) -> bool:
    return not any(c.status == ChangeRequest.Outcome.PENDING for c in facts(project, "change_requests"))


@rule("完成情况公示期未满或仍有未处理的异议。", reads=("notices",))
def completion_notice_cleared(project: Project) -> bool:
    from publicity.selectors import completion_notice_clearance

    return bool(completion_notice_clearance(project))


def _current_document_kinds(project: Project) -> set[str]:
    # Filtered in Python on purpose: with "superseded_by IS NULL" in SQL, SQLite walks the unique
    # index on superseded_by (every current document of the city) instead of the project's few rows.
    return {d.kind for d in facts(project, "documents") if d.superseded_by_id is None}


@rule("须先上传发票。", reads=("documents",))
def invoice_uploaded(project: Project) -> bool:
    return Document.Kind.INVOICE in _current_document_kinds(project)


@rule("无发票支付须先有事前会议决定、事中签字证明和领款人签字凭证（第十三条）。", reads=("documents",))
def no_invoice_vouchers(project: Project) -> bool:
    kinds = _current_document_kinds(project)
    return {Document.Kind.PAYMENT_DECISION, Document.Kind.SIGNED_PROOF, Document.Kind.PAYEE_SIGNATURE} <= kinds


@rule("该项目由承办单位开具发票，请走发票会签流程。")
def no_invoice_path(project: Project) -> bool:
    return not project.pays_by_invoice


@rule("该项目的承办方无法开具发票，请走无发票支付流程。")
def invoice_path(project: Project) -> bool:
    return project.pays_by_invoice


# -- permissions: who may take a transition ----------------------------------------------------------


def _may(codename: str):
    def permission(project: Project, user: User) -> Verdict:
        return check(user, codename, project)

    permission.codename = codename
    return permission


def _may_not_be_proposer(codename: str):
    """Separation of duties (Art. 11, 13): the proposer never approves or countersigns."""

    def permission(project: Project, user: User) -> Verdict:
        verdict = check(user, codename, project)
        if verdict and user.pk == project.proposer_id:
            return Verdict(False, "项目的提议人不能审批或会签自己的项目。")
        return verdict

    permission.codename = codename
    return permission


may_propose = _may("propose_project")
may_act_for_community = _may("act_for_community")
may_consent = _may("give_consent")
may_manage_execution = _may("manage_execution")
may_keep_ledger = _may("keep_ledger")
may_approve_committee = _may_not_be_proposer("approve_for_committee")
may_approve_construction = _may_not_be_proposer("approve_for_construction")
may_sign_community = _may("sign_invoice_community")
may_sign_construction = _may_not_be_proposer("sign_invoice_construction")
may_sign_committee = _may_not_be_proposer("sign_invoice_committee")


# -- the project -----------------------------------------------------------------------------------


class ProjectQuerySet(models.QuerySet):
    def for_fund_year(self, fund_year: FundYear) -> ProjectQuerySet:
        return self.filter(fund_year=fund_year)

    def committed(self) -> ProjectQuerySet:
        """Approved and not yet paid (Art. 13): the ledger's "committed" money."""
        return self.filter(status__in=COMMITTED_STATES)

    def small_group_counted(self) -> ProjectQuerySet:
        """Small-group projects that count against the 20% cap: in flight, approved or spent."""
        return self.filter(is_small_group=True).exclude(status__in=(Status.DRAFT, Status.WITHDRAWN, Status.REJECTED))

    def awaiting_approval(self) -> ProjectQuerySet:
        return self.filter(status__in=(Status.SUBMITTED, Status.COMMITTEE_APPROVED, Status.CONSTRUCTION_APPROVED))

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


class Project(ConcurrentTransitionMixin, models.Model):
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
    def stage(self) -> str:
        return STAGE_OF.get(Status(self.status), "")

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    @property
    def current_amount(self) -> Decimal:
        """What the project may spend: the approved (or changed) amount, else the budget total."""
        return self.approved_amount if self.approved_amount is not None else self.budget_total

    # -- 1. 提议 Proposal (Art. 9) -----------------------------------------------------------------

    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.CONSENT_REQUESTED,
        permission=may_act_for_community,
        conditions=[has_category, declaration_confirmed, budget_positive, small_group_justified],
        custom={"label": "报请党工委初步同意", "stage": "proposal"},
    )
    def request_consent(self) -> None:
        pass

    @transition(
        field=status,
        source=[
            Status.DRAFT,
            Status.CONSENT_REQUESTED,
            Status.CONSENTED,
            Status.SHELVED,
            Status.PUBLICITY,
            Status.SUBMITTED,
        ],
        target=Status.WITHDRAWN,
        permission=may_act_for_community,
        custom={"label": "撤回项目", "needs_reason": True},
    )
    def withdraw(self) -> None:
        pass

    # -- 2. 申报 Application (Art. 10) -------------------------------------------------------------

    @transition(
        field=status,
        source=Status.CONSENT_REQUESTED,
        target=Status.CONSENTED,
        permission=may_consent,
        custom={"label": "初步同意"},
    )
    def consent(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.CONSENT_REQUESTED,
        target=Status.DRAFT,
        permission=may_consent,
        custom={"label": "退回修改", "needs_reason": True},
    )
    def return_for_revision(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.CONSENTED, Status.SHELVED],
        target=Status.SHELVED,
        permission=may_act_for_community,
        custom={"label": "联席会议意见分歧，暂时搁置"},
    )
    def shelve(self) -> None:
        """A joint meeting with sharply divided opinions shelves the project (Art. 10)."""

    # -- 3. 公示 Public notice (Art. 10) -----------------------------------------------------------

    @transition(
        field=status,
        source=[Status.CONSENTED, Status.SHELVED],
        target=Status.PUBLICITY,
        permission=may_act_for_community,
        conditions=[meeting_agreed, budget_positive],
        custom={"label": "张贴方案公示"},
    )
    def start_publicity(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.PUBLICITY,
        target=Status.SUBMITTED,
        permission=may_act_for_community,
        conditions=[plan_notice_cleared],
        custom={"label": "公示无异议，报送党工委审批"},
    )
    def submit_for_approval(self) -> None:
        pass

    @transition(field=status, source=Status.PUBLICITY, target=Status.DRAFT, permission=may_manage_execution)
    def objection_upheld_revise(self) -> None:
        """An upheld objection sends the plan back to be revised and posted again (Art. 10)."""

    @transition(field=status, source=Status.PUBLICITY, target=Status.SHELVED, permission=may_manage_execution)
    def objection_upheld_shelve(self) -> None:
        """An upheld objection shelves the project until a new meeting agrees (Art. 10)."""

    # -- 4. 审批 Review and approval (Art. 11) -------------------------------------------------------

    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.COMMITTEE_APPROVED,
        permission=may_approve_committee,
        custom={"label": "党工委班子会议批准"},
    )
    def approve_by_committee(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.CONSTRUCTION_APPROVED,
        target=Status.APPROVED,
        permission=may_approve_committee,
        custom={"label": "党工委班子会议批准"},
    )
    def approve_by_committee_last(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.CONSTRUCTION_APPROVED,
        permission=may_approve_construction,
        custom={"label": "建管委批准"},
    )
    def approve_by_construction(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.COMMITTEE_APPROVED,
        target=Status.APPROVED,
        permission=may_approve_construction,
        custom={"label": "建管委批准"},
    )
    def approve_by_construction_last(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.CONSTRUCTION_APPROVED],
        target=Status.DRAFT,
        permission=may_approve_committee,
        custom={"label": "党工委退回修改", "needs_reason": True},
    )
    def return_by_committee(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.COMMITTEE_APPROVED],
        target=Status.DRAFT,
        permission=may_approve_construction,
        custom={"label": "建管委退回修改", "needs_reason": True},
    )
    def return_by_construction(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.CONSTRUCTION_APPROVED],
        target=Status.REJECTED,
        permission=may_approve_committee,
        custom={"label": "党工委不予批准", "needs_reason": True},
    )
    def reject_by_committee(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.SUBMITTED, Status.COMMITTEE_APPROVED],
        target=Status.REJECTED,
        permission=may_approve_construction,
        custom={"label": "建管委不予批准", "needs_reason": True},
    )
    def reject_by_construction(self) -> None:
        pass

    # -- 5. 实施 Execution (Art. 11, 12) -------------------------------------------------------------

    @transition(
        field=status,
        source=Status.APPROVED,
        target=Status.EXECUTING,
        permission=may_act_for_community,
        conditions=[has_followup],
        custom={"label": "开始实施"},
    )
    def start_execution(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.EXECUTING,
        target=Status.INSPECTION,
        permission=may_act_for_community,
        conditions=[no_pending_change],
        custom={"label": "项目完成，申请验收"},
    )
    def request_inspection(self) -> None:
        pass

    # -- 6. 验收 Acceptance (Art. 12) ----------------------------------------------------------------

    @transition(
        field=status,
        source=Status.INSPECTION,
        target=Status.ACCEPTED,
        permission=may_manage_execution,
        custom={"label": "验收合格"},
    )
    def accept(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.INSPECTION,
        target=Status.EXECUTING,
        permission=may_manage_execution,
        custom={"label": "验收不合格，限期整改", "needs_reason": True},
    )
    def require_rectification(self) -> None:
        pass

    # -- 7. 拨付 Payment (Art. 13) -------------------------------------------------------------------

    @transition(
        field=status,
        source=Status.ACCEPTED,
        target=Status.INVOICE_SIGNING_1,
        permission=may_act_for_community,
        conditions=[invoice_path, invoice_uploaded],
        custom={"label": "登记发票，提交会签"},
    )
    def submit_invoice(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.INVOICE_SIGNING_1,
        target=Status.INVOICE_SIGNING_2,
        permission=may_sign_community,
        custom={"label": "社区党委书记签字"},
    )
    def sign_as_community_secretary(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.INVOICE_SIGNING_2,
        target=Status.INVOICE_SIGNING_3,
        permission=may_sign_construction,
        custom={"label": "建管委主任签字"},
    )
    def sign_as_construction_director(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.INVOICE_SIGNING_3,
        target=Status.SIGNED,
        permission=may_sign_committee,
        custom={"label": "党工委书记签字"},
    )
    def sign_as_committee_secretary(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.SIGNED,
        target=Status.PAID,
        permission=may_keep_ledger,
        custom={"label": "与承办方结算付款"},
    )
    def settle(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.ACCEPTED,
        target=Status.PAID,
        permission=may_keep_ledger,
        conditions=[no_invoice_path, no_invoice_vouchers],
        custom={"label": "凭领款人签字结算（无发票）"},
    )
    def settle_without_invoice(self) -> None:
        pass

    # -- 8. 完成公示 Completion notice (Art. 15) -----------------------------------------------------

    @transition(
        field=status,
        source=Status.PAID,
        target=Status.COMPLETION_NOTICE,
        permission=may_act_for_community,
        custom={"label": "张贴完成情况公示"},
    )
    def start_completion_notice(self) -> None:
        pass

    @transition(
        field=status,
        source=Status.COMPLETION_NOTICE,
        target=Status.CLOSED,
        permission=may_act_for_community,
        conditions=[completion_notice_cleared],
        custom={"label": "公示期满，归档"},
    )
    def close(self) -> None:
        pass


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
    decided_at = models.DateTimeField("时间", default=timezone.now)
    meeting_date = models.DateField("班子会议日期", null=True, blank=True)
    meeting_attendees = models.TextField("参会人员", blank=True)

    class Meta:
        verbose_name = "审批意见"
        verbose_name_plural = "审批意见"
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.get_outcome_display()}"


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


class Invoice(models.Model):
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField("发票号码", max_length=40)
    issued_on = models.DateField("开票日期")
    amount = models.DecimalField("发票金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    issuer = models.CharField("开票单位", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发票"
        verbose_name_plural = "发票"

    def __str__(self) -> str:
        return f"发票 {self.number}"


class Signature(models.Model):
    """One of the three invoice signatures, in order (Art. 13), with the role held at that moment."""

    ORDER_ROLES = {1: Role.COMMUNITY_SECRETARY, 2: Role.CONSTRUCTION_DIRECTOR, 3: Role.COMMITTEE_SECRETARY}

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="signatures")
    order = models.PositiveSmallIntegerField("顺序", validators=[MinValueValidator(1), MaxValueValidator(3)])
    role = models.CharField("签字身份", max_length=32, choices=Role.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role_assignment = models.ForeignKey("fundadmin.RoleAssignment", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "发票签字"
        verbose_name_plural = "发票签字"
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "order"], name="signature_order_unique"),
            models.UniqueConstraint(fields=["invoice", "signer"], name="signature_signers_distinct"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_role_display()} {self.signer}"


class Settlement(models.Model):
    """Payment made directly to the contractor or payee by finance staff (Art. 13)."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", "银行转账"
        CHEQUE = "cheque", "支票"
        CASH = "cash", "现金"

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="settlement")
    amount = models.DecimalField("结算金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField("付款日期")
    method = models.CharField("付款方式", max_length=10, choices=Method.choices)
    reference = models.CharField("付款凭据号", max_length=60)
    payee = models.CharField("收款方", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "结算"
        verbose_name_plural = "结算"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_positive")]

    def __str__(self) -> str:
        return f"结算 {self.amount}"


def document_path(instance: Document, filename: str) -> str:
    return f"documents/{instance.project.community.code}/{instance.project_id}/{filename}"


class Document(models.Model):
    """A typed attachment, hashed on upload and locked once its stage is passed (Art. 17)."""

    class Kind(models.TextChoices):
        APPLICATION_FORM = "application_form", "申请审批表扫描件"
        MEETING_MINUTES = "meeting_minutes", "会议记录"
        NOTICE_PHOTO = "notice_photo", "公示照片"
        PROGRESS_PHOTO = "progress_photo", "实施进展照片"
        INVOICE = "invoice", "发票"
        SIGNATURE_VOUCHER = "signature_voucher", "签字凭证"
        ACCEPTANCE_RECORD = "acceptance_record", "验收记录"
        PAYMENT_DECISION = "payment_decision", "支付事前会议决定"
        SIGNED_PROOF = "signed_proof", "签字证明"
        PAYEE_SIGNATURE = "payee_signature", "领款人签字凭证"
        OTHER = "other", "其他"

    # The stage after which a document of each kind can no longer be replaced.
    LOCKED_AFTER = {
        Kind.APPLICATION_FORM: "approval",
        Kind.MEETING_MINUTES: "application",
        Kind.NOTICE_PHOTO: "publicity",
        Kind.PROGRESS_PHOTO: "execution",
        Kind.ACCEPTANCE_RECORD: "acceptance",
        Kind.INVOICE: "payment",
        Kind.SIGNATURE_VOUCHER: "payment",
        Kind.PAYMENT_DECISION: "payment",
        Kind.SIGNED_PROOF: "payment",
        Kind.PAYEE_SIGNATURE: "payment",
        Kind.OTHER: "completion",
    }

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    title = models.CharField("说明", max_length=100, blank=True)
    file = models.FileField("文件", upload_to=document_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=60)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField("上传时所处阶段", max_length=20)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes", verbose_name="更正版本"
    )

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_locked(self) -> bool:
        """Locked once the project has moved past the stage this kind of document belongs to."""
        if self.project.status in ENDED_STATES:
            return True
        current = STAGE_INDEX.get(self.project.stage, len(STAGES))
        return current > STAGE_INDEX[self.LOCKED_AFTER[self.kind]]

    @staticmethod
    def hash_file(fileobj) -> str:
        digest = hashlib.sha256()
        for chunk in fileobj.chunks():
            digest.update(chunk)
        fileobj.seek(0)
        return digest.hexdigest()
