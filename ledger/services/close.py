"""The year-end close (结转, Art. 13): the surplus and every open commitment carry into the next
year, in one transaction, with the report finance staff read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.formats import money
from fundadmin.models import FundYear

from ..models import CommitmentKind, JournalEntry, Kind
from ..selectors import ZERO, CommitmentLine, fund_balances, year_commitments
from .books import account_lock, entry_create
from .commitments import commitment_create, commitment_event

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
            out = entry_create(
                account=account,
                fund_year=fund_year,
                entry_date=datetime.date(fund_year.year, 12, 31),
                kind=Kind.CARRY_OUT,
                debit=surplus,
                summary=summary,
                created_by=by,
            )
            entry_create(
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
            carried_out = commitment_create(
                account=account,
                fund_year=fund_year,
                project=project,
                kind=CommitmentKind.CARRY_OUT,
                amount=line.held,
                entry_date=datetime.date(fund_year.year, 12, 31),
                summary=f"结转下年：{project.number}{project.title}",
                created_by=by,
            )
            carried_in = commitment_create(
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
            commitment_event(
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
