"""The journal's ground rules: the checks every write makes (amounts, dates in an open year,
reasons, what may be reversed) and the internals every writer shares — the account row lock
that serialises a community's writers, gapless voucher numbers, the overdraft check."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max

from fundadmin.formats import TOO_MANY_DECIMALS, money
from fundadmin.models import Community, FundYear

from ..models import FundAccount, JournalEntry, Kind
from ..selectors import fund_balances

CENT = Decimal("0.01")


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


def fund_year_fresh(fund_year: FundYear) -> FundYear:
    # Re-read after the account lock: another transaction may have closed the year meanwhile.
    return FundYear.objects.select_related("community").get(pk=fund_year.pk)


def entry_create(*, account: FundAccount, fund_year: FundYear, vouchers: Iterable = (), **fields) -> JournalEntry:
    """Append one entry with the next voucher number. The caller holds the account lock, which
    serialises every writer of this community's journal, so ``max + 1`` is gapless and unique."""
    last = JournalEntry.objects.filter(fund_year=fund_year).aggregate(n=Max("voucher_no"))["n"] or 0
    entry = JournalEntry(account=account, fund_year=fund_year, voucher_no=last + 1, **fields)
    entry.save()
    vouchers = list(vouchers)
    if vouchers:
        entry.vouchers.add(*vouchers)
    return entry


def overdraft_check(fund_year: FundYear, amount: Decimal) -> None:
    cash = fund_balances(fund_year).cash
    if cash < amount:
        raise ValidationError(
            f"余额不足：{fund_year}专项经费现有余额 {money(cash)}，不足以支付 {money(amount)}。",
            code="overdraft",
        )
