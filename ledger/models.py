"""The fund's own books (SPEC.md Art. 5, 13, 17, 18): one subject per community, one journal.

The subject "党组织服务群众专项经费" is a fund (专项应付款-type) subject in the community's books:
money received from the city budget, or carried in from last year, is entered on the credit side
(贷方); money paid out, or carried out to next year, on the debit side (借方). Its balance is a
credit balance: credit − debit. Reversals (冲销) mirror the entry they reverse.

Beside the journal, the subject keeps its commitments (指标占用, budget accounting's reserved
appropriations): what approved projects hold of the year's fund before they are paid
(``CommitmentEntry``). An approval commits, a payment consumes, a lower change or the project's end
releases, the year-end close carries what is still open into the next year (Art. 11, 13). The
commitments are memorandum records: they never move money, so they are not journal entries and
take no voucher number; ``committed`` and ``available`` are read from them.

Entries are append-only (Art. 17, 19): the model refuses updates and deletes, the queryset refuses
bulk ones, the admin is read-only and on PostgreSQL a trigger refuses UPDATE and DELETE. Every
entry is written by ``ledger.services`` under the account's row lock.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fundadmin.models import MONEY, Community, FundYear

ZERO = Decimal("0.00")
DEFAULT_SUBJECT_NAME = "党组织服务群众专项经费"
DEFAULT_SUBJECT_CODE = "24101"


def default_subject_name() -> str:
    return getattr(settings, "LEDGER_SUBJECT_NAME", DEFAULT_SUBJECT_NAME)


def default_subject_code() -> str:
    return getattr(settings, "LEDGER_SUBJECT_CODE", DEFAULT_SUBJECT_CODE)


class FundAccount(models.Model):
    """The community's separate subject for the fund (Art. 17). Its row is the lock every write
    to the community's journal takes, so voucher numbers and balance checks are serialised."""

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="fund_account", verbose_name="社区"
    )
    subject_name = models.CharField("科目名称", max_length=60, default=default_subject_name)
    subject_code = models.CharField("科目代码", max_length=20, default=default_subject_code)
    created_at = models.DateTimeField("开设时间", auto_now_add=True)

    class Meta:
        verbose_name = "专项经费科目"
        verbose_name_plural = "专项经费科目"
        ordering = ["community__committee__code", "community__code"]

    def __str__(self) -> str:
        return f"{self.community.name} {self.subject_code} {self.subject_name}"

    def delete(self, *args, **kwargs):
        raise ValidationError("经费科目不能删除。", code="append_only")


class Kind(models.TextChoices):
    APPROPRIATION = "appropriation", "财政拨款"
    CARRY_IN = "carry_in", "上年结余转入"
    CARRY_OUT = "carry_out", "结余转下年"
    PAYMENT = "payment", "项目支付"
    REVERSAL = "reversal", "冲销"


CREDIT_KINDS = (Kind.APPROPRIATION, Kind.CARRY_IN)
DEBIT_KINDS = (Kind.PAYMENT, Kind.CARRY_OUT)


class JournalEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("台账凭证只能追加，不能修改；更正请做冲销。", code="append_only")

    def delete(self):
        raise ValidationError("台账凭证只能追加，不能删除；更正请做冲销。", code="append_only")

    def for_fund_year(self, fund_year: FundYear) -> JournalEntryQuerySet:
        return self.filter(fund_year=fund_year)

    def in_book_order(self) -> JournalEntryQuerySet:
        return self.order_by("entry_date", "voucher_no")


class JournalEntry(models.Model):
    """One voucher (凭证) in a community's fund year. Never edited, never deleted: reversed."""

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="entries", verbose_name="科目")
    fund_year = models.ForeignKey(
        FundYear, on_delete=models.PROTECT, related_name="journal_entries", verbose_name="经费年度"
    )
    voucher_no = models.PositiveIntegerField("凭证号")
    entry_date = models.DateField("日期")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    summary = models.CharField("摘要", max_length=200)
    debit = models.DecimalField("借方", **MONEY, default=ZERO)
    credit = models.DecimalField("贷方", **MONEY, default=ZERO)
    reference = models.CharField("拨款文号/凭据号", max_length=60, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name="项目",
    )
    # Not one-to-one: a payment that is reversed may be posted again for the same settlement, and
    # the reversal carries the settlement too. ``payment_post`` keeps one *net* payment each.
    settlement = models.ForeignKey(
        "projects.Settlement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name="结算",
    )
    reversed_entry = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal", verbose_name="被冲销凭证"
    )
    reason = models.TextField("冲销原因", blank=True)
    vouchers = models.ManyToManyField(
        "projects.Document", blank=True, related_name="journal_entries", verbose_name="原始凭证"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记账人",
    )
    created_at = models.DateTimeField("记账时间", default=timezone.now)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "台账凭证"
        verbose_name_plural = "台账凭证"
        ordering = ["fund_year", "entry_date", "voucher_no"]
        indexes = [models.Index(fields=["fund_year", "entry_date", "voucher_no"])]
        constraints = [
            models.UniqueConstraint(fields=["fund_year", "voucher_no"], name="ledger_voucher_no_unique"),
            models.CheckConstraint(condition=Q(voucher_no__gte=1), name="ledger_voucher_no_positive"),
            # Exactly one side carries the amount, and it is positive.
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)),
                name="ledger_one_side_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=CREDIT_KINDS) | Q(credit__gt=0), name="ledger_receipts_on_credit_side"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=DEBIT_KINDS) | Q(debit__gt=0), name="ledger_spending_on_debit_side"
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.PAYMENT) | (Q(project__isnull=False) & Q(settlement__isnull=False)),
                name="ledger_payment_has_settlement",
            ),
            # A reversal names what it reverses and why; nothing else names a reversed entry.
            models.CheckConstraint(
                condition=(Q(kind=Kind.REVERSAL) & Q(reversed_entry__isnull=False) & ~Q(reason=""))
                | (~Q(kind=Kind.REVERSAL) & Q(reversed_entry__isnull=True)),
                name="ledger_reversal_has_entry_and_reason",
            ),
            # Art. 13: one carry-over in and one out per year.
            models.UniqueConstraint(
                fields=["fund_year"], condition=Q(kind=Kind.CARRY_IN), name="ledger_one_carry_in_per_year"
            ),
            models.UniqueConstraint(
                fields=["fund_year"], condition=Q(kind=Kind.CARRY_OUT), name="ledger_one_carry_out_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_year.year}年第{self.voucher_no}号 {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("台账凭证只能追加，不能修改；更正请做冲销。", code="append_only")
        self.clean()
        # Art. 13: a closed year takes no new entries (the carry-out is posted before closing).
        if FundYear.objects.filter(pk=self.fund_year_id, closed_at__isnull=False).exists():
            raise ValidationError(f"{self.fund_year.year}年度已结转，不能再记账。", code="year_closed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("台账凭证只能追加，不能删除；更正请做冲销。", code="append_only")

    @property
    def community(self) -> Community:
        return self.account.community

    @property
    def amount(self) -> Decimal:
        return self.debit or self.credit

    @property
    def voucher_label(self) -> str:
        return f"{self.fund_year.year}-{self.voucher_no:04d}"

    def clean(self) -> None:
        if self.fund_year_id and self.account_id and self.fund_year.community_id != self.account.community_id:
            raise ValidationError("凭证的经费年度与科目不属于同一社区。", code="community_mismatch")
        if self.entry_date and self.fund_year_id and self.entry_date.year != self.fund_year.year:
            raise ValidationError(f"凭证日期须在{self.fund_year.year}年度内。", code="date_outside_year")


class CommitmentKind(models.TextChoices):
    COMMIT = "commit", "批准占用"
    RELEASE = "release", "释放"
    PAYMENT = "payment", "支付核销"
    PAYMENT_REVERSAL = "payment_reversal", "冲销恢复"
    CARRY_OUT = "carry_out", "结转下年"
    CARRY_IN = "carry_in", "上年结转"


# What raises a project's commitment in a year and what lowers it.
COMMITMENT_PLUS = (CommitmentKind.COMMIT, CommitmentKind.PAYMENT_REVERSAL, CommitmentKind.CARRY_IN)
COMMITMENT_MINUS = (CommitmentKind.RELEASE, CommitmentKind.PAYMENT, CommitmentKind.CARRY_OUT)
# What a small-group project counts against a year's 20% cap (Art. 7(2)): what it was approved
# for in that year, or carried into it, less what it gave back. Paying it changes nothing.
SMALL_GROUP_PLUS = (CommitmentKind.COMMIT, CommitmentKind.CARRY_IN)
SMALL_GROUP_MINUS = (CommitmentKind.RELEASE,)


class CommitmentEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("指标占用记录只能追加，不能修改。", code="append_only")

    def delete(self):
        raise ValidationError("指标占用记录只能追加，不能删除。", code="append_only")


class CommitmentEntry(models.Model):
    """One movement of an approved project's commitment (指标占用) in a fund year (Art. 11, 13).

    ``amount`` is always positive; the kind says whether it raises (``COMMITMENT_PLUS``) or lowers
    (``COMMITMENT_MINUS``) what the project holds in that year. A payment's consumption names its
    journal entry, a reversal's restoration the reversing entry, a carry-in the carry-out it
    continues. Never edited, never deleted."""

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="commitments", verbose_name="科目")
    fund_year = models.ForeignKey(
        FundYear, on_delete=models.PROTECT, related_name="commitment_entries", verbose_name="经费年度"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="commitment_entries", verbose_name="项目"
    )
    kind = models.CharField("类型", max_length=20, choices=CommitmentKind.choices)
    amount = models.DecimalField("金额", **MONEY)
    # Copied from the project at approval (its plan, and so this flag, is frozen from then on).
    small_group = models.BooleanField("受益群体较小", default=False)
    entry_date = models.DateField("日期")
    summary = models.CharField("摘要", max_length=200)
    journal_entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitment_entry",
        verbose_name="台账凭证",
    )
    carried_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_to", verbose_name="上年结转记录"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="经办人",
    )
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    objects = CommitmentEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "指标占用记录"
        verbose_name_plural = "指标占用记录"
        ordering = ["fund_year", "pk"]
        indexes = [models.Index(fields=["fund_year", "project"]), models.Index(fields=["project", "fund_year"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commitment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(kind__in=(CommitmentKind.PAYMENT, CommitmentKind.PAYMENT_REVERSAL))
                | Q(journal_entry__isnull=False),
                name="commitment_payment_has_entry",
            ),
            models.CheckConstraint(
                condition=(Q(kind=CommitmentKind.CARRY_IN) & Q(carried_from__isnull=False))
                | (~Q(kind=CommitmentKind.CARRY_IN) & Q(carried_from__isnull=True)),
                name="commitment_carry_in_has_origin",
            ),
            # Art. 13: a project's commitment is carried out of a year, and into one, at most once.
            models.UniqueConstraint(
                fields=["fund_year", "project"],
                condition=Q(kind=CommitmentKind.CARRY_OUT),
                name="commitment_one_carry_out_per_year",
            ),
            models.UniqueConstraint(
                fields=["fund_year", "project"],
                condition=Q(kind=CommitmentKind.CARRY_IN),
                name="commitment_one_carry_in_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_year.year}年 {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("指标占用记录只能追加，不能修改。", code="append_only")
        if self.fund_year_id and self.account_id and self.fund_year.community_id != self.account.community_id:
            raise ValidationError("指标占用的经费年度与科目不属于同一社区。", code="community_mismatch")
        # Art. 13: a closed year takes no entry (its carry-out is written before it is closed).
        if FundYear.objects.filter(pk=self.fund_year_id, closed_at__isnull=False).exists():
            raise ValidationError(f"{self.fund_year.year}年度已结转，不能再记账。", code="year_closed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("指标占用记录只能追加，不能删除。", code="append_only")

    @property
    def signed(self) -> Decimal:
        return self.amount if self.kind in COMMITMENT_PLUS else -self.amount


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
