"""``manage.py check_ledger``: recompute every balance from the entries, independently of the SQL
aggregates in ``ledger.selectors``, and check the invariants the journal and the commitments must
always satisfy (Art. 11, 13, 17, 18). Returns the problems in Chinese, each naming the community,
year and voucher or project.

The ledger knows nothing of the workflow: what must hold between a project's state and its money
(a paid project has one net payment, an approved one holds its approved amount) is checked by the
workflow, which registers its check here (``register_check``, from ``ProjectsConfig.ready``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from fundadmin.models import FundYear

from .models import (
    COMMITMENT_MINUS,
    COMMITMENT_PLUS,
    CREDIT_KINDS,
    DEBIT_KINDS,
    CommitmentEntry,
    CommitmentKind,
    JournalEntry,
    Kind,
)
from .selectors import ZERO, fund_balances_many

Check = Callable[[], list[str]]
_checks: list[Check] = []


def register_check(check: Check) -> None:
    """Add a check that ``ledger_verify`` runs after its own (a higher app's view of the books)."""
    if check not in _checks:
        _checks.append(check)


@dataclass
class _Totals:
    carry_over: Decimal = ZERO
    received: Decimal = ZERO
    spent: Decimal = ZERO
    carried_out: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    min_cash: Decimal = ZERO

    @property
    def cash(self) -> Decimal:
        return self.carry_over + self.received - self.spent


def ledger_verify() -> list[str]:
    """Every invariant of the journal and the commitments, checked from the raw entries, then the
    registered checks. Empty list: all is well."""
    problems: list[str] = []
    fund_years = list(FundYear.objects.select_related("community").order_by("community_id", "year"))
    by_pk = {fy.pk: fy for fy in fund_years}
    entries = list(
        JournalEntry.objects.select_related("reversed_entry", "account").order_by("fund_year_id", "voucher_no")
    )
    totals: dict[int, _Totals] = defaultdict(_Totals)
    numbers: dict[int, list[int]] = defaultdict(list)
    running: dict[int, Decimal] = defaultdict(lambda: ZERO)

    for e in entries:
        fy = by_pk[e.fund_year_id]
        where = f"{fy.community.name}{fy.year}年第{e.voucher_no}号凭证"
        t = totals[fy.pk]
        numbers[fy.pk].append(e.voucher_no)
        t.debit += e.debit
        t.credit += e.credit
        if not ((e.debit > 0) ^ (e.credit > 0)) or e.debit < 0 or e.credit < 0:
            problems.append(f"{where}：借贷方须且只须一方为正数")
        if e.entry_date.year != fy.year:
            problems.append(f"{where}：日期 {e.entry_date} 不在{fy.year}年度内")
        if e.account.community_id != fy.community_id:
            problems.append(f"{where}：科目与经费年度不属于同一社区")
        if e.kind in CREDIT_KINDS and e.debit:
            problems.append(f"{where}：{e.get_kind_display()}应记贷方")
        if e.kind in DEBIT_KINDS and e.credit:
            problems.append(f"{where}：{e.get_kind_display()}应记借方")
        effective = e.kind
        if e.kind == Kind.REVERSAL:
            original = e.reversed_entry
            if original is None:
                problems.append(f"{where}：冲销凭证没有指明被冲销的凭证")
                continue
            effective = original.kind
            if (e.debit, e.credit) != (original.credit, original.debit):
                problems.append(f"{where}：冲销金额与被冲销凭证不符")
        if effective == Kind.APPROPRIATION:
            t.received += e.credit - e.debit
        elif effective == Kind.PAYMENT:
            t.spent += e.debit - e.credit
        elif effective == Kind.CARRY_IN:
            t.carry_over += e.credit - e.debit
        elif effective == Kind.CARRY_OUT:
            t.carried_out += e.debit - e.credit
        # No overdraft after any posting: the services check cash in posting (voucher) order.
        if e.kind != Kind.CARRY_OUT:
            running[fy.pk] += e.credit - e.debit
            t.min_cash = min(t.min_cash, running[fy.pk])

    for pk, nos in numbers.items():
        fy = by_pk[pk]
        if sorted(nos) != list(range(1, len(nos) + 1)):
            problems.append(f"{fy.community.name}{fy.year}年：凭证号不连续或重复（应为 1 至 {len(nos)}）")

    aggregates = fund_balances_many(fund_years)
    previous: dict[int, FundYear] = {}
    for fy in fund_years:
        t = totals[fy.pk]
        agg = aggregates[fy.pk]
        name = f"{fy.community.name}{fy.year}年"
        for label, attr in (
            ("上年结转", "carry_over"),
            ("拨款", "received"),
            ("支出", "spent"),
            ("转下年", "carried_out"),
        ):
            if getattr(agg, attr) != getattr(t, attr):
                problems.append(f"{name}：{label}汇总 {getattr(agg, attr)} 元与逐笔重算 {getattr(t, attr)} 元不符")
        if t.min_cash < 0:
            problems.append(f"{name}：余额曾为负数（最低 {t.min_cash} 元），发生透支")
        if t.credit - t.debit != t.cash - t.carried_out:
            problems.append(f"{name}：贷方合计减借方合计 {t.credit - t.debit} 元与余额 {t.cash - t.carried_out} 元不符")
        if fy.is_closed and t.carried_out != t.cash:
            problems.append(f"{name}：已结转，但转下年 {t.carried_out} 元不等于年末结余 {t.cash} 元")
        if not fy.is_closed and t.carried_out:
            problems.append(f"{name}：未结转，却有结余转下年凭证")
        prev = previous.get(fy.community_id)
        if prev is not None and prev.year == fy.year - 1:
            expected = totals[prev.pk].cash if prev.is_closed else ZERO
            if t.carry_over != expected:
                problems.append(f"{name}：上年结余转入 {t.carry_over} 元不等于{prev.year}年末结余 {expected} 元")
        elif t.carry_over:
            problems.append(f"{name}：没有上一年度，却有上年结余转入")
        previous[fy.community_id] = fy

    problems += commitments_verify(fund_years, aggregates, entries)
    for check in _checks:
        problems += check()
    return problems


def commitments_verify(fund_years: list[FundYear], aggregates: dict, entries: list[JournalEntry]) -> list[str]:
    """The commitments' invariants (Art. 11, 13): per project, committed = approvals − payments −
    releases, never negative at any step, in any year; each payment consumes exactly what it
    paid and each reversed payment restores it; each carry-out continues as one carry-in of the
    same amount in the next year of the same community; a closed year holds nothing; and the
    aggregates the pages read agree with the entries."""
    problems: list[str] = []
    by_pk = {fy.pk: fy for fy in fund_years}
    rows = list(
        CommitmentEntry.objects.select_related(
            "project", "journal_entry__reversed_entry", "carried_from", "account"
        ).order_by("pk")
    )
    running: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)  # (project, year) -> held
    per_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    per_project: dict[int, Decimal] = defaultdict(lambda: ZERO)
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))  # project -> kind -> sum
    names: dict[int, str] = {}
    consumed_entries: dict[int, int] = defaultdict(int)  # journal entry pk -> commitment rows naming it
    carried_in: dict[int, int] = defaultdict(int)  # carry-out pk -> carry-ins continuing it
    for c in rows:
        fy = by_pk[c.fund_year_id]
        name = names.setdefault(c.project_id, f"项目 {c.project.number}（{fy.community.name}）")
        where = f"{name}{fy.year}年{c.get_kind_display()}记录"
        if c.amount <= 0:
            problems.append(f"{where}：金额须为正数")
        if c.kind not in COMMITMENT_PLUS + COMMITMENT_MINUS:
            problems.append(f"{where}：类型无效")
            continue
        if c.account.community_id != fy.community_id:
            problems.append(f"{where}：科目与经费年度不属于同一社区")
        key = (c.project_id, fy.pk)
        running[key] += c.signed
        per_year[fy.pk] += c.signed
        per_project[c.project_id] += c.signed
        totals[c.project_id][c.kind] += c.amount
        if running[key] < 0:
            problems.append(f"{where}：{fy.year}年度指标余额为负数（{running[key]} 元）")
        e = c.journal_entry
        if c.kind == CommitmentKind.PAYMENT:
            consumed_entries[e.pk] += 1
            if e.kind != Kind.PAYMENT or e.debit != c.amount or e.project_id != c.project_id or e.fund_year_id != fy.pk:
                problems.append(f"{where}：与支付凭证 {e.voucher_label} 的项目、年度或金额不符")
        elif c.kind == CommitmentKind.PAYMENT_REVERSAL:
            consumed_entries[e.pk] += 1
            original = e.reversed_entry
            if (
                e.kind != Kind.REVERSAL
                or original is None
                or original.kind != Kind.PAYMENT
                or e.credit != c.amount
                or e.project_id != c.project_id
                or e.fund_year_id != fy.pk
            ):
                problems.append(f"{where}：与冲销凭证 {e.voucher_label} 的项目、年度或金额不符")
        elif c.kind == CommitmentKind.CARRY_IN:
            origin = c.carried_from
            carried_in[origin.pk] += 1
            source = by_pk[origin.fund_year_id]
            if (
                origin.kind != CommitmentKind.CARRY_OUT
                or origin.project_id != c.project_id
                or origin.amount != c.amount
                or source.community_id != fy.community_id
                or source.year != fy.year - 1
            ):
                problems.append(f"{where}：与{source.year}年度的结转下年记录不符")
    for c in rows:
        if c.kind == CommitmentKind.CARRY_OUT and carried_in[c.pk] != 1:
            fy = by_pk[c.fund_year_id]
            problems.append(f"{names[c.project_id]}{fy.year}年结转下年记录：下一年度没有（或有多条）对应的上年结转")
    # Every payment posted for a project, and every reversal of one, moves its commitment once.
    for e in entries:
        moves = e.kind == Kind.PAYMENT or (
            e.kind == Kind.REVERSAL and e.reversed_entry is not None and e.reversed_entry.kind == Kind.PAYMENT
        )
        if moves and e.project_id and consumed_entries.get(e.pk, 0) != 1:
            fy = by_pk[e.fund_year_id]
            what = "支付" if e.kind == Kind.PAYMENT else "冲销"
            problems.append(
                f"{fy.community.name}{fy.year}年第{e.voucher_no}号凭证：{what}凭证没有（或有多条）对应的指标核销记录"
            )
    # committed = approvals − payments − releases, per project over all its years (carries net out).
    for project_id, kinds in totals.items():
        approved = kinds[CommitmentKind.COMMIT]
        paid = kinds[CommitmentKind.PAYMENT] - kinds[CommitmentKind.PAYMENT_REVERSAL]
        released = kinds[CommitmentKind.RELEASE]
        held = per_project[project_id]
        expected = approved - paid - released
        if held != expected:
            problems.append(
                f"{names[project_id]}：占用指标 {held} 元，不等于批准 {approved} 元减支付 {paid} 元减释放 {released} 元"
                f"（{expected} 元），结转记录不平"
            )
        if expected < 0:
            problems.append(f"{names[project_id]}：支付和释放超过批准金额 {-expected} 元")
    for (project_id, year_pk), value in running.items():
        fy = by_pk[year_pk]
        if fy.is_closed and value != 0:
            problems.append(f"{fy.community.name}{fy.year}年：已结转，但{names[project_id]}仍有未结转的指标 {value} 元")
    for fy in fund_years:
        if aggregates[fy.pk].committed != per_year[fy.pk]:
            problems.append(
                f"{fy.community.name}{fy.year}年：已批准未支付汇总 {aggregates[fy.pk].committed} 元"
                f"与逐笔重算 {per_year[fy.pk]} 元不符"
            )
    return problems
