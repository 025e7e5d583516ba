"""Commitments (指标占用, Art. 11, 13): what approved projects hold of their year's fund, beside
the journal — committed at approval, adjusted at a change, released when a project ends."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.formats import money
from fundadmin.models import FundYear

from ..models import CommitmentEntry, CommitmentKind, FundAccount
from ..selectors import ZERO, fund_balances
from .books import account_lock, amount_validate, fund_year_fresh

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
    return fund_year_fresh(project.fund_year)


def commitment_held(project, fund_year: FundYear) -> Decimal:
    """What the project holds in ``fund_year`` (approved, not yet paid, not released)."""
    return sum((e.signed for e in CommitmentEntry.objects.filter(project_id=project.pk, fund_year=fund_year)), ZERO)


def _small_group(project) -> bool:
    first = CommitmentEntry.objects.filter(project_id=project.pk).order_by("pk").first()
    return first.small_group if first is not None else bool(project.is_small_group)


def commitment_create(
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


def commitment_event(action: str, entry: CommitmentEntry, project, by, *, reason: str = "", **changes) -> None:
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
        entry = commitment_create(
            account=account,
            fund_year=fund_year,
            project=project,
            kind=CommitmentKind.COMMIT,
            amount=amount,
            summary=f"批准占用：{project.number}{project.title}",
            created_by=by,
        )
        held = commitment_held(project, fund_year)
        commitment_event("ledger.commit", entry, project, by, reason=reason, held=held)
    return entry


def _release(*, account, fund_year: FundYear, project, amount: Decimal, by, reason: str) -> CommitmentEntry:
    entry = commitment_create(
        account=account,
        fund_year=fund_year,
        project=project,
        kind=CommitmentKind.RELEASE,
        amount=amount,
        summary=f"释放指标：{project.number}{project.title}（{reason}）",
        created_by=by,
    )
    commitment_event("ledger.release", entry, project, by, reason=reason, held=commitment_held(project, fund_year))
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
