"""Writes to the journal and to the commitments.

CONTRACT (used by projects.services; keep the names and meanings):
    commitment_record(*, project, amount, by, reason) -> CommitmentEntry
        Called by the approval step once both principal leaders have approved (Art. 11): the
        project's approved amount is committed (指标占用) in its fund year.
    commitment_adjust(*, project, before, after, by, reason) -> CommitmentEntry | None
        Called when a change is consented: a higher amount commits the difference, a lower one
        releases it.
    commitment_release_all(*, project, by, reason) -> list[CommitmentEntry]
        Called when a project ends (closed, withdrawn, rejected): what it still holds is released.
    payment_post(*, settlement, by, entry_date=None) -> JournalEntry
        Called by the workflow's payment step inside its transaction, after the Settlement row
        is saved, and by the step that posts it again after a reversal. Posts one payment entry
        (借/贷 as the journal defines) for settlement.amount, dated settlement.paid_on (or
        ``entry_date``), into the fund year where the project's commitment lives — its own year,
        or the year the year-end close carried it into (Art. 13) — linked to the project, the
        settlement and its vouchers, and consumes as much of the commitment. Refuses with
        django.core.exceptions.ValidationError (Chinese message, a ``code``) when the year is
        closed, the date outside it, the commitment short of the amount, or the payment would
        overdraw the subject (FundBalances.cash < amount), locking the account row so two finance
        staff settling at once cannot both pass the check.

The ledger takes the workflow's project and settlement as given objects (their number, title,
community, fund year, amount); it never imports the workflow (docs/architecture.md).

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

from .models import DEBIT_KINDS, CommitmentEntry, CommitmentKind, FundAccount, JournalEntry, Kind
from .selectors import ZERO, CommitmentLine, fund_balances, year_commitments

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


# -- commitments (指标占用, Art. 11, 13) ------------------------------------------------------------


def commitment_home(project) -> FundYear:
    """The fund year where the project's commitment lives now: the year of its latest commitment
    entry (a commitment carried by the year-end close lives in the year it was carried into),
    else the project's own fund year. Read after the account lock."""
    last = (
        CommitmentEntry.objects.filter(project_id=project.pk)
        .select_related("fund_year__community")
        .order_by("-fund_year__year", "-pk")
        .first()
    )
    if last is not None:
        return FundYear.objects.select_related("community").get(pk=last.fund_year_id)
    return _fund_year_fresh(project.fund_year)


def commitment_held(project, fund_year: FundYear) -> Decimal:
    """What the project holds in ``fund_year`` (approved, not yet paid, not released)."""
    return sum((e.signed for e in CommitmentEntry.objects.filter(project_id=project.pk, fund_year=fund_year)), ZERO)


def _small_group(project) -> bool:
    first = CommitmentEntry.objects.filter(project_id=project.pk).order_by("pk").first()
    return first.small_group if first is not None else bool(project.is_small_group)


def _commitment_create(
    *, account: FundAccount, fund_year: FundYear, project, entry_date: datetime.date | None = None, **fields
) -> CommitmentEntry:
    entry = CommitmentEntry(
        account=account,
        fund_year=fund_year,
        project=project,
        small_group=_small_group(project),
        entry_date=entry_date or timezone.localdate(),
        **fields,
    )
    entry.summary = entry.summary[:200]
    entry.save()
    return entry


def _commitment_event(action: str, entry: CommitmentEntry, project, by, *, reason: str = "", **changes) -> None:
    event_record(
        action=action,
        obj=entry,
        actor=by,
        community=entry.fund_year.community,
        project_id=project.pk,
        object_repr=str(project),
        reason=reason,
        changes={"year": entry.fund_year.year, "amount": entry.amount, "date": entry.entry_date, **changes},
    )


def commitment_record(*, project, amount: Decimal, by, reason: str = "") -> CommitmentEntry:
    """Commit ``amount`` of the year's fund to an approved project (指标占用, Art. 11, 13): in the
    year where its commitment lives (its own year, unless the close carried it). Whether the year
    can bear it is the approval rules' question, asked first under the same account lock with
    the refusal people read (``projects.rules.funds_available``); the ledger asks it again so
    that nothing it is handed can make the year's availability negative."""
    amount = amount_validate(amount)
    with transaction.atomic():
        account = account_lock(project.community)
        fund_year = commitment_home(project)
        if fund_year.is_closed:
            raise ValidationError(f"{fund_year.year}年度已结转，不能再记账。", code="year_closed")
        available = fund_balances(fund_year).available
        if amount > available:
            raise ValidationError(
                f"{fund_year}可用经费为 {money(available)}，不足以占用 {money(amount)}，"
                f"不足 {money(amount - available)}。",
                code="insufficient_funds",
            )
        entry = _commitment_create(
            account=account,
            fund_year=fund_year,
            project=project,
            kind=CommitmentKind.COMMIT,
            amount=amount,
            summary=f"批准占用：{project.number}{project.title}",
            created_by=by,
        )
        held = commitment_held(project, fund_year)
        _commitment_event("ledger.commit", entry, project, by, reason=reason, held=held)
    return entry


def _release(*, account, fund_year: FundYear, project, amount: Decimal, by, reason: str) -> CommitmentEntry:
    entry = _commitment_create(
        account=account,
        fund_year=fund_year,
        project=project,
        kind=CommitmentKind.RELEASE,
        amount=amount,
        summary=f"释放指标：{project.number}{project.title}（{reason}）",
        created_by=by,
    )
    _commitment_event("ledger.release", entry, project, by, reason=reason, held=commitment_held(project, fund_year))
    return entry


def commitment_adjust(*, project, before: Decimal, after: Decimal, by, reason: str = "") -> CommitmentEntry | None:
    """A consented change of the approved amount (Art. 11): a higher amount commits the difference,
    a lower one releases it. Never releases more than the project holds."""
    if after == before:
        return None
    if after > before:
        return commitment_record(project=project, amount=after - before, by=by, reason=reason or "变更增加金额")
    amount = amount_validate(before - after)
    with transaction.atomic():
        account = account_lock(project.community)
        fund_year = commitment_home(project)
        held = commitment_held(project, fund_year)
        if held < amount:
            raise ValidationError(
                f"该项目占用的指标为 {money(held)}，不能释放 {money(amount)}。", code="release_exceeds_commitment"
            )
        return _release(
            account=account, fund_year=fund_year, project=project, amount=amount, by=by, reason=reason or "变更减少金额"
        )


def _held_by_year(project) -> dict[int, Decimal]:
    by_year: dict[int, Decimal] = {}
    for e in CommitmentEntry.objects.filter(project_id=project.pk):
        by_year[e.fund_year_id] = by_year.get(e.fund_year_id, ZERO) + e.signed
    return {pk: value for pk, value in by_year.items() if value > 0}


def commitment_release_all(*, project, by, reason: str) -> list[CommitmentEntry]:
    """A project that ends keeps no money (Art. 13): release what it still holds, in every open
    year where it holds something (normally one). Nothing held, nothing written and no lock taken."""
    if not _held_by_year(project):
        return []
    released = []
    with transaction.atomic():
        account = account_lock(project.community)
        held = _held_by_year(project)  # again under the lock: a year-end close may have carried it
        for fund_year in FundYear.objects.filter(pk__in=held).select_related("community").order_by("year"):
            if fund_year.is_closed:  # the close carries every open commitment: cannot happen
                raise ValidationError(f"{fund_year.year}年度已结转，不能再记账。", code="year_closed")
            released.append(
                _release(
                    account=account,
                    fund_year=fund_year,
                    project=project,
                    amount=held[fund_year.pk],
                    by=by,
                    reason=reason,
                )
            )
    return released


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
        _overdraft_check(fund_year, amount)
        entry = _entry_create(
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
        _commitment_create(
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
        changes = {
            "voucher": reversal.voucher_label,
            "reverses": entry.voucher_label,
            "amount": entry.amount,
            "date": entry_date,
        }
        if entry.kind == Kind.PAYMENT and entry.project is not None:
            _commitment_create(
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


# -- the year-end close (Art. 13) ---------------------------------------------------------------------


@dataclass(frozen=True)
class CarriedCommitment:
    """One approved, unpaid project's commitment carried into the next year by the close."""

    number: str
    title: str
    amount: Decimal

    @property
    def line(self) -> str:
        return f"{self.number} {self.title} {money(self.amount)}"


@dataclass(frozen=True)
class CloseResult:
    fund_year: FundYear
    next_year: FundYear
    surplus: Decimal
    already_closed: bool = False
    next_year_created: bool = False
    carried: tuple[CarriedCommitment, ...] = ()

    @property
    def carried_total(self) -> Decimal:
        return sum((c.amount for c in self.carried), ZERO)

    @property
    def carried_text(self) -> str:
        """The close report's list of carried commitments, in words."""
        if not self.carried:
            return "没有已批准未支付的项目。"
        lines = "；".join(c.line for c in self.carried)
        return (
            f"已批准未支付的项目 {len(self.carried)} 个，指标共 {money(self.carried_total)}随结余转入"
            f"{self.next_year.year}年度，在新年度支付：{lines}。"
        )

    @property
    def message(self) -> str:
        if self.already_closed:
            text = f"{self.fund_year}已于此前结转，未作改动。"
            if self.carried:
                text += f"当时{self.carried_text}"
            return text
        text = f"{self.fund_year}已结转，结余 {money(self.surplus)}转入{self.next_year.year}年度。"
        if self.carried:
            text += f"其中{self.carried_text}"
        if self.next_year_created:
            text += f"{self.next_year.year}年度此前不存在，已新建（年度经费暂为 0 元，请设置）。"
        return text


def _carried(fund_year: FundYear) -> tuple[CarriedCommitment, ...]:
    return tuple(
        CarriedCommitment(line.project.number, line.project.title, line.carried_out)
        for line in year_commitments(fund_year)
        if line.carried_out
    )


def fund_year_close(*, fund_year: FundYear, by, today: datetime.date | None = None) -> CloseResult:
    """Year-end close (结转, Art. 13): carry the year's surplus, and the commitments of its approved,
    unpaid projects with their money, into the next year, and close it.

    Posts 结余转下年 in the closing year and 上年结余转入 in the next (creating the next FundYear
    with allocation 0 if missing); for every project still holding a commitment, a 结转下年 entry
    in the closing year and a 上年结转 entry in the next, so the project is paid in the new year
    against it and the new year's availability and 20% cap count it once (SPEC.md "Decisions the
    rules leave to us"); then stamps ``closed_at``. The result lists every carried commitment.
    Idempotent: closing a closed year changes nothing. Refused while the year has not ended,
    while the previous year is open (its surplus would land in a closed year), or while the
    surplus cannot carry the open commitments with their money.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        account = account_lock(fund_year.community)
        fund_year = FundYear.objects.select_for_update(of=("self",)).select_related("community").get(pk=fund_year.pk)
        if fund_year.is_closed:
            next_year = FundYear.objects.get(community=fund_year.community, year=fund_year.year + 1)
            carried = JournalEntry.objects.filter(fund_year=fund_year, kind=Kind.CARRY_OUT).first()
            return CloseResult(
                fund_year,
                next_year,
                carried.debit if carried else ZERO,
                already_closed=True,
                carried=_carried(fund_year),
            )
        if today.year <= fund_year.year:
            raise ValidationError(f"{fund_year.year}年度尚未结束，不能结转。", code="year_not_ended")
        if FundYear.objects.open().filter(community=fund_year.community, year__lt=fund_year.year).exists():
            raise ValidationError("请先结转以前年度。", code="previous_year_open")
        next_year, created = FundYear.objects.get_or_create(
            community=fund_year.community, year=fund_year.year + 1, defaults={"allocation": ZERO}
        )
        next_year = FundYear.objects.select_for_update().select_related("community").get(pk=next_year.pk)
        if next_year.is_closed:  # cannot happen while years close in order; refuse rather than guess
            raise ValidationError(f"{next_year.year}年度已结转。", code="next_year_closed")
        surplus = fund_balances(fund_year).cash
        if surplus < 0:  # the overdraft checks make this impossible; never carry a debt silently
            raise ValidationError(f"{fund_year}余额为负（{money(surplus)}），请先核对台账。", code="negative_balance")
        open_lines: list[CommitmentLine] = [line for line in year_commitments(fund_year) if line.held != ZERO]
        negative = [line for line in open_lines if line.held < 0]
        if negative:  # the services never let a commitment fall below zero; refuse rather than carry it
            raise ValidationError(
                f"以下项目的指标为负数，请先核对台账：{'、'.join(line.project.number for line in negative)}。",
                code="negative_commitment",
            )
        carried_total = sum((line.held for line in open_lines), ZERO)
        if carried_total > surplus:
            # SPEC.md: the commitments cross the year end *with their money*. Money still to come
            # from the city (an allocation not fully received) would vanish at the close while the
            # projects counting on it stay approved; wait for it, or change the projects first.
            raise ValidationError(
                f"{fund_year}结余 {money(surplus)}不足以结转已批准未支付项目的指标 {money(carried_total)}，"
                f"不足 {money(carried_total - surplus)}：请先登记尚未到账的拨款，或变更相应项目后再结转。",
                code="commitments_exceed_surplus",
            )
        if surplus > 0:
            summary = f"{fund_year.year}年度结余转下年"
            if open_lines:
                summary += f"（含已批准未支付项目 {len(open_lines)} 个的指标 {money(carried_total)}）"
            out = _entry_create(
                account=account,
                fund_year=fund_year,
                entry_date=datetime.date(fund_year.year, 12, 31),
                kind=Kind.CARRY_OUT,
                debit=surplus,
                summary=summary,
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
        for line in open_lines:
            project = line.project
            carried_out = _commitment_create(
                account=account,
                fund_year=fund_year,
                project=project,
                kind=CommitmentKind.CARRY_OUT,
                amount=line.held,
                entry_date=datetime.date(fund_year.year, 12, 31),
                summary=f"结转下年：{project.number}{project.title}",
                created_by=by,
            )
            carried_in = _commitment_create(
                account=account,
                fund_year=next_year,
                project=project,
                kind=CommitmentKind.CARRY_IN,
                amount=line.held,
                entry_date=datetime.date(next_year.year, 1, 1),
                summary=f"{fund_year.year}年度结转：{project.number}{project.title}",
                carried_from=carried_out,
                created_by=by,
            )
            _commitment_event(
                "ledger.carry", carried_in, project, by, from_year=fund_year.year, next_year=next_year.year
            )
        fund_year.closed_at = timezone.now()
        fund_year.save(update_fields=["closed_at"])
        carried = tuple(CarriedCommitment(line.project.number, line.project.title, line.held) for line in open_lines)
        result = CloseResult(fund_year, next_year, surplus, next_year_created=created, carried=carried)
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
                "carried_count": len(carried),
                "carried_total": carried_total,
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
