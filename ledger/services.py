"""Writes to the journal.

CONTRACT (used by projects.services; keep the names and meanings):
    payment_post(*, settlement, by) -> JournalEntry
        Called by the workflow's payment step inside its transaction, after the Settlement row
        is saved. Posts one payment entry (借/贷 as the journal defines) for settlement.amount
        dated settlement.paid_on into the project's fund year, linked to the project, the
        settlement and its vouchers. Refuses with django.core.exceptions.ValidationError (Chinese
        message, a ``code``) when the year is closed or the payment would overdraw the subject
        (FundBalances.cash < amount), locking the account row so two finance staff settling at
        once cannot both pass the check.

Every function here locks the community's ``FundAccount`` row first (``account_lock``) and only
then reads balances or voucher numbers: that one lock is what makes voucher numbers gapless and
the overdraft check hold when two finance staff act at the same moment. The trail event is
written inside the same transaction as the entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from audit.services import event_record
from fundadmin.formats import TOO_MANY_DECIMALS, money
from fundadmin.models import Community, FundYear

from .models import DEBIT_KINDS, FundAccount, JournalEntry, Kind
from .selectors import ZERO, fund_balances

CENT = Decimal("0.01")

# The workflow's states in which a project has been paid (see projects.models.Status).
PAID_STATES = ("paid", "completion_notice", "closed")


# -- validation shared with the forms -------------------------------------------------------------


def amount_validate(amount: Decimal) -> Decimal:
    """Amounts are yuan with at most two decimals, and positive (SPEC.md "Money")."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError("金额须为数字。", code="amount_invalid")
    if amount <= 0:
        raise ValidationError("金额须大于零。", code="amount_not_positive")
    if amount != amount.quantize(CENT):
        raise ValidationError(TOO_MANY_DECIMALS, code="amount_precision")
    if amount >= Decimal("1e12"):
        raise ValidationError("金额过大。", code="amount_too_large")
    return amount.quantize(CENT)


def entry_date_validate(*, fund_year: FundYear, entry_date: datetime.date) -> datetime.date:
    """An entry is dated inside its fund year, and the year is still open (Art. 13)."""
    if fund_year.is_closed:
        raise ValidationError(f"{fund_year.year}年度已结转，不能再记账。", code="year_closed")
    if entry_date.year != fund_year.year:
        raise ValidationError(
            f"日期须在{fund_year.year}年1月1日至12月31日之间（该年度的账）。", code="date_outside_year"
        )
    return entry_date


def reason_validate(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("冲销须填写原因。", code="reason_required")
    return reason


def reversal_target_year(entry: JournalEntry) -> FundYear | None:
    """Where a reversal of ``entry`` goes: its own year while open; once that year is closed, the
    community's first open year after it, with a reference back to the original (Art. 13)."""
    if not entry.fund_year.is_closed:
        return entry.fund_year
    return (
        FundYear.objects.open()
        .filter(community_id=entry.fund_year.community_id, year__gt=entry.fund_year.year)
        .order_by("year")
        .first()
    )


def reversal_check(entry: JournalEntry) -> None:
    """What may be reversed: an entry not yet reversed, that is neither a reversal nor a carry-over."""
    if entry.kind == Kind.REVERSAL:
        raise ValidationError("冲销凭证不能再冲销；如需恢复，请重新登记。", code="reversal_of_reversal")
    if entry.kind in (Kind.CARRY_IN, Kind.CARRY_OUT):
        raise ValidationError("结转凭证由年度结转自动生成，不能冲销。", code="carry_not_reversible")
    if JournalEntry.objects.filter(reversed_entry=entry).exists():
        raise ValidationError(f"凭证 {entry.voucher_label} 已被冲销。", code="already_reversed")


# -- internals ---------------------------------------------------------------------------------------


def account_lock(community: Community) -> FundAccount:
    """Open the community's subject if needed and lock its row until the transaction ends."""
    account, _ = FundAccount.objects.get_or_create(community=community)
    return FundAccount.objects.select_for_update().get(pk=account.pk)


def _fund_year_fresh(fund_year: FundYear) -> FundYear:
    # Re-read after the account lock: another transaction may have closed the year meanwhile.
    return FundYear.objects.select_related("community").get(pk=fund_year.pk)


def _entry_create(*, account: FundAccount, fund_year: FundYear, vouchers: Iterable = (), **fields) -> JournalEntry:
    """Append one entry with the next voucher number. The caller holds the account lock, which
    serialises every writer of this community's journal, so ``max + 1`` is gapless and unique."""
    last = JournalEntry.objects.filter(fund_year=fund_year).aggregate(n=Max("voucher_no"))["n"] or 0
    entry = JournalEntry(account=account, fund_year=fund_year, voucher_no=last + 1, **fields)
    entry.save()
    vouchers = list(vouchers)
    if vouchers:
        entry.vouchers.add(*vouchers)
    return entry


def _overdraft_check(fund_year: FundYear, amount: Decimal) -> None:
    cash = fund_balances(fund_year).cash
    if cash < amount:
        raise ValidationError(
            f"余额不足：{fund_year}专项经费现有余额 {money(cash)}，不足以支付 {money(amount)}。",
            code="overdraft",
        )


# -- the services ------------------------------------------------------------------------------------


def appropriation_record(
    *,
    fund_year: FundYear,
    amount: Decimal,
    entry_date: datetime.date,
    by,
    summary: str = "",
    reference: str = "",
) -> JournalEntry:
    """Record money received from the city budget for the year's allocation (Art. 5).

    Receipts beyond the year's allocation are refused: the allocation is changed first
    (``fundadmin.services.fund_year_set_allocation``), so a slip typed twice cannot inflate the fund.
    """
    amount = amount_validate(amount)
    with transaction.atomic():
        account = account_lock(fund_year.community)
        fund_year = _fund_year_fresh(fund_year)
        entry_date_validate(fund_year=fund_year, entry_date=entry_date)
        received = fund_balances(fund_year).received
        if received + amount > fund_year.allocation:
            raise ValidationError(
                f"拨款合计将超过{fund_year.year}年度经费 {money(fund_year.allocation)}（已到账 {money(received)}）。",
                code="over_allocation",
            )
        entry = _entry_create(
            account=account,
            fund_year=fund_year,
            entry_date=entry_date,
            kind=Kind.APPROPRIATION,
            credit=amount,
            summary=(summary or "").strip() or f"收到{fund_year.year}年度财政拨款",
            reference=(reference or "").strip(),
            created_by=by,
        )
        event_record(
            action="ledger.appropriation",
            obj=entry,
            actor=by,
            community=fund_year.community,
            changes={"voucher": entry.voucher_label, "amount": amount, "date": entry_date, "summary": entry.summary},
        )
    return entry


def payment_post(*, settlement, by) -> JournalEntry:
    """Post the payment of a settled project (Art. 13); see the CONTRACT above."""
    project = settlement.project
    amount = amount_validate(settlement.amount)
    with transaction.atomic():
        account = account_lock(project.community)
        fund_year = _fund_year_fresh(project.fund_year)
        entry_date_validate(fund_year=fund_year, entry_date=settlement.paid_on)
        net = JournalEntry.objects.filter(settlement=settlement).aggregate(d=Sum("debit"), c=Sum("credit"))
        if (net["d"] or ZERO) - (net["c"] or ZERO) != ZERO:
            raise ValidationError("该结算已记账支付，不能重复支付。", code="already_paid")
        _overdraft_check(fund_year, amount)
        entry = _entry_create(
            account=account,
            fund_year=fund_year,
            vouchers=project.documents.filter(superseded_by__isnull=True),
            entry_date=settlement.paid_on,
            kind=Kind.PAYMENT,
            debit=amount,
            summary=f"支付{project.number}{project.title}（{settlement.payee}）"[:200],
            reference=settlement.reference,
            project=project,
            settlement=settlement,
            created_by=by,
        )
        event_record(
            action="ledger.payment",
            obj=entry,
            actor=by,
            community=project.community,
            project_id=project.pk,
            changes={"voucher": entry.voucher_label, "amount": amount, "date": settlement.paid_on},
        )
    return entry


def entry_reverse(*, entry: JournalEntry, reason: str, by, entry_date: datetime.date | None = None) -> JournalEntry:
    """Reverse an entry (冲销): the only way to correct the journal (Art. 17).

    The reversal mirrors the entry's amount on the other side and carries its project and
    settlement. While the entry's year is open it goes into that year; once the year is closed it
    goes into the next open year, with the original voucher number in its summary. A reversal that
    would leave the subject overdrawn (undoing a receipt that has been spent) is refused.
    """
    reason = reason_validate(reason)
    with transaction.atomic():
        account = account_lock(entry.fund_year.community)
        entry = JournalEntry.objects.select_related("fund_year__community", "account").get(pk=entry.pk)
        reversal_check(entry)
        target = reversal_target_year(entry)
        if target is None:
            raise ValidationError("没有可记账的开放年度，请先结转。", code="no_open_year")
        entry_date = entry_date or timezone.localdate()
        entry_date_validate(fund_year=target, entry_date=entry_date)
        if entry.kind not in DEBIT_KINDS:
            _overdraft_check(target, entry.credit)
        summary = f"冲销{entry.fund_year.year}年第{entry.voucher_no}号凭证：{entry.summary}"[:200]
        reversal = _entry_create(
            account=account,
            fund_year=target,
            entry_date=entry_date,
            kind=Kind.REVERSAL,
            debit=entry.credit,
            credit=entry.debit,
            summary=summary,
            reference=entry.voucher_label,
            project=entry.project,
            settlement=entry.settlement,
            reversed_entry=entry,
            reason=reason,
            created_by=by,
        )
        event_record(
            action="ledger.reverse",
            obj=reversal,
            actor=by,
            community=target.community,
            project_id=entry.project_id,
            reason=reason,
            changes={
                "voucher": reversal.voucher_label,
                "reverses": entry.voucher_label,
                "amount": entry.amount,
                "date": entry_date,
            },
        )
    return reversal


@dataclass(frozen=True)
class CloseResult:
    fund_year: FundYear
    next_year: FundYear
    surplus: Decimal
    already_closed: bool = False
    next_year_created: bool = False

    @property
    def message(self) -> str:
        if self.already_closed:
            return f"{self.fund_year}已于此前结转，未作改动。"
        text = f"{self.fund_year}已结转，结余 {money(self.surplus)}转入{self.next_year.year}年度。"
        if self.next_year_created:
            text += f"{self.next_year.year}年度此前不存在，已新建（年度经费暂为 0 元，请设置）。"
        return text


def fund_year_close(*, fund_year: FundYear, by, today: datetime.date | None = None) -> CloseResult:
    """Year-end close (结转, Art. 13): carry the year's surplus into the next year and close it.

    Posts 结余转下年 in the closing year and 上年结余转入 in the next (creating the next FundYear
    with allocation 0 if missing), then stamps ``closed_at``. Idempotent: closing a closed year
    changes nothing. Refused while the year has not ended, while the previous year is open (its
    surplus would land in a closed year), or while approved projects of the year are still unpaid
    (after closing nothing can be paid from this year).
    """
    from projects.models import Project

    today = today or timezone.localdate()
    with transaction.atomic():
        account = account_lock(fund_year.community)
        fund_year = FundYear.objects.select_for_update(of=("self",)).select_related("community").get(pk=fund_year.pk)
        if fund_year.is_closed:
            next_year = FundYear.objects.get(community=fund_year.community, year=fund_year.year + 1)
            carried = JournalEntry.objects.filter(fund_year=fund_year, kind=Kind.CARRY_OUT).first()
            return CloseResult(fund_year, next_year, carried.debit if carried else ZERO, already_closed=True)
        if today.year <= fund_year.year:
            raise ValidationError(f"{fund_year.year}年度尚未结束，不能结转。", code="year_not_ended")
        if FundYear.objects.open().filter(community=fund_year.community, year__lt=fund_year.year).exists():
            raise ValidationError("请先结转以前年度。", code="previous_year_open")
        unpaid = list(
            Project.objects.for_fund_year(fund_year).committed().order_by("number").values_list("number", flat=True)
        )
        if unpaid:
            raise ValidationError(
                f"以下已批准项目尚未支付，不能结转：{'、'.join(unpaid)}。", code="year_has_commitments"
            )
        next_year, created = FundYear.objects.get_or_create(
            community=fund_year.community, year=fund_year.year + 1, defaults={"allocation": ZERO}
        )
        next_year = FundYear.objects.select_for_update().get(pk=next_year.pk)
        if next_year.is_closed:  # cannot happen while years close in order; refuse rather than guess
            raise ValidationError(f"{next_year.year}年度已结转。", code="next_year_closed")
        surplus = fund_balances(fund_year).cash
        if surplus < 0:  # the overdraft checks make this impossible; never carry a debt silently
            raise ValidationError(f"{fund_year}余额为负（{money(surplus)}），请先核对台账。", code="negative_balance")
        if surplus > 0:
            out = _entry_create(
                account=account,
                fund_year=fund_year,
                entry_date=datetime.date(fund_year.year, 12, 31),
                kind=Kind.CARRY_OUT,
                debit=surplus,
                summary=f"{fund_year.year}年度结余转下年",
                created_by=by,
            )
            _entry_create(
                account=account,
                fund_year=next_year,
                entry_date=datetime.date(next_year.year, 1, 1),
                kind=Kind.CARRY_IN,
                credit=surplus,
                summary=f"{fund_year.year}年度结余转入",
                reference=out.voucher_label,
                created_by=by,
            )
        fund_year.closed_at = timezone.now()
        fund_year.save(update_fields=["closed_at"])
        result = CloseResult(fund_year, next_year, surplus, next_year_created=created)
        event_record(
            action="ledger.close_year",
            obj=fund_year,
            actor=by,
            community=fund_year.community,
            changes={
                "year": fund_year.year,
                "surplus": surplus,
                "next_year": next_year.year,
                "next_year_created": created,
            },
            reason=result.message,
        )
    return result


def account_subject_set(*, account: FundAccount, subject_name: str, subject_code: str, by) -> FundAccount:
    """Rename the community's subject or change its code (Art. 17: the books' own subject)."""
    subject_name, subject_code = subject_name.strip(), subject_code.strip()
    if not subject_name or not subject_code:
        raise ValidationError("科目名称和代码不能为空。", code="subject_required")
    with transaction.atomic():
        locked = FundAccount.objects.select_for_update().get(pk=account.pk)
        before = {"subject_name": locked.subject_name, "subject_code": locked.subject_code}
        locked.subject_name, locked.subject_code = subject_name, subject_code
        locked.save(update_fields=["subject_name", "subject_code"])
        event_record(
            action="ledger.subject_set",
            obj=locked,
            actor=by,
            community=locked.community,
            changes={"before": before, "after": {"subject_name": subject_name, "subject_code": subject_code}},
        )
    return locked


def allocation_covers_the_books(fund_year: FundYear, allocation: Decimal) -> None:
    """A year's allocation never falls below what has been received from the city, nor, with the
    carry-over, below what is already approved or spent (Art. 5, 13). Registered with the core's
    ``fundadmin.services.allocation_check`` (LedgerConfig.ready)."""
    balances = fund_balances(fund_year)
    if allocation < balances.received:
        raise ValidationError(f"年度经费不能低于已到账的拨款 {money(balances.received)}。", code="below_received")
    if allocation + balances.carry_over < balances.committed + balances.spent:
        raise ValidationError(
            f"年度经费加上年结余不能低于已批准和已支出的合计 {money(balances.committed + balances.spent)}。",
            code="below_committed",
        )
