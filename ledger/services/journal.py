"""The journal's entries: appropriations received from the city, payments (consuming the
project's commitment), reversals; the subject's name; the allocation guard (Art. 5, 13, 17)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit.services import event_record
from fundadmin.formats import money
from fundadmin.models import FundYear

from ..models import DEBIT_KINDS, CommitmentKind, FundAccount, JournalEntry, Kind
from ..selectors import ZERO, fund_balances
from .books import (
    account_lock,
    amount_validate,
    entry_create,
    entry_date_validate,
    fund_year_fresh,
    overdraft_check,
    reason_validate,
    reversal_check,
    reversal_target_year,
)
from .commitments import commitment_create, commitment_held, commitment_home

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
        fund_year = fund_year_fresh(fund_year)
        entry_date_validate(fund_year=fund_year, entry_date=entry_date)
        received = fund_balances(fund_year).received
        if received + amount > fund_year.allocation:
            raise ValidationError(
                f"拨款合计将超过{fund_year.year}年度经费 {money(fund_year.allocation)}（已到账 {money(received)}）。",
                code="over_allocation",
            )
        entry = entry_create(
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


# -- payments ------------------------------------------------------------------------------------------


def payment_post(*, settlement, by, entry_date: datetime.date | None = None) -> JournalEntry:
    """Post the payment of a settled project (Art. 13); see the CONTRACT above."""
    project = settlement.project
    amount = amount_validate(settlement.amount)
    entry_date = entry_date or settlement.paid_on
    with transaction.atomic():
        account = account_lock(project.community)
        fund_year = commitment_home(project)
        if not fund_year.is_closed and entry_date.year > fund_year.year:
            # Art. 13: last year's approved, unpaid projects are paid in the new year once the
            # close has carried their commitments there; until then the old year's books are open.
            raise ValidationError(
                f"付款日期须在{fund_year.year}年度内。{fund_year.year}年度尚未结转：请先办理年度结转，"
                f"本项目已批准未支付的指标随之转入{fund_year.year + 1}年度，再按新年度记账付款。",
                code="date_outside_year",
            )
        entry_date_validate(fund_year=fund_year, entry_date=entry_date)
        net = JournalEntry.objects.filter(settlement=settlement).aggregate(d=Sum("debit"), c=Sum("credit"))
        if (net["d"] or ZERO) - (net["c"] or ZERO) != ZERO:
            raise ValidationError("该结算已记账支付，不能重复支付。", code="already_paid")
        held = commitment_held(project, fund_year)
        if held < amount:
            # A payment consumes what the approval committed: nothing is paid that was not approved.
            raise ValidationError(
                f"该项目在{fund_year.year}年度已批准未支付的指标为 {money(held)}，不足以支付 {money(amount)}。",
                code="no_commitment",
            )
        overdraft_check(fund_year, amount)
        entry = entry_create(
            account=account,
            fund_year=fund_year,
            vouchers=project.documents.filter(superseded_by__isnull=True),
            entry_date=entry_date,
            kind=Kind.PAYMENT,
            debit=amount,
            summary=f"支付{project.number}{project.title}（{settlement.payee}）"[:200],
            reference=settlement.reference,
            project=project,
            settlement=settlement,
            created_by=by,
        )
        commitment_create(
            account=account,
            fund_year=fund_year,
            project=project,
            kind=CommitmentKind.PAYMENT,
            amount=amount,
            entry_date=entry_date,
            summary=f"支付核销：{project.number}{project.title}（凭证 {entry.voucher_label}）",
            journal_entry=entry,
            created_by=by,
        )
        event_record(
            action="ledger.payment",
            obj=entry,
            actor=by,
            community=project.community,
            project_id=project.pk,
            changes={
                "voucher": entry.voucher_label,
                "amount": amount,
                "date": entry_date,
                "consumed": amount,
                "left": held - amount,
                "commitment_year": fund_year.year,
            },
        )
    return entry


def entry_reverse(*, entry: JournalEntry, reason: str, by, entry_date: datetime.date | None = None) -> JournalEntry:
    """Reverse an entry (冲销): the only way to correct the journal (Art. 17).

    The reversal mirrors the entry's amount on the other side and carries its project and
    settlement. While the entry's year is open it goes into that year; once the year is closed it
    goes into the next open year, with the original voucher number in its summary. A reversal that
    would leave the subject overdrawn (undoing a receipt that has been spent) is refused. A
    reversed payment gives its project back the commitment it consumed, in the year the reversal
    is booked: the money is owed again until the settlement is posted again (the workflow's
    re-post step) — so what can still be approved does not grow by a payment that was only undone.
    """
    reason = reason_validate(reason)
    with transaction.atomic():
        account = account_lock(entry.fund_year.community)
        entry = JournalEntry.objects.select_related("fund_year__community", "account", "project").get(pk=entry.pk)
        reversal_check(entry)
        target = reversal_target_year(entry)
        if target is None:
            raise ValidationError("没有可记账的开放年度，请先结转。", code="no_open_year")
        entry_date = entry_date or timezone.localdate()
        entry_date_validate(fund_year=target, entry_date=entry_date)
        if entry.kind not in DEBIT_KINDS:
            overdraft_check(target, entry.credit)
        summary = f"冲销{entry.fund_year.year}年第{entry.voucher_no}号凭证：{entry.summary}"[:200]
        reversal = entry_create(
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
        changes = {
            "voucher": reversal.voucher_label,
            "reverses": entry.voucher_label,
            "amount": entry.amount,
            "date": entry_date,
        }
        if entry.kind == Kind.PAYMENT and entry.project is not None:
            commitment_create(
                account=account,
                fund_year=target,
                project=entry.project,
                kind=CommitmentKind.PAYMENT_REVERSAL,
                amount=entry.debit,
                entry_date=entry_date,
                summary=f"冲销恢复：{entry.project.number}{entry.project.title}（冲销凭证 {reversal.voucher_label}）",
                journal_entry=reversal,
                created_by=by,
            )
            changes.update(restored=entry.debit, commitment_year=target.year)
        event_record(
            action="ledger.reverse",
            obj=reversal,
            actor=by,
            community=target.community,
            project_id=entry.project_id,
            reason=reason,
            changes=changes,
        )
    return reversal


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
