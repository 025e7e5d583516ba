"""``manage.py check_ledger``: recompute every balance from the entries, independently of the SQL
aggregates in ``ledger.selectors``, and check the invariants the journal must always satisfy
(Art. 13, 17, 18). Returns the problems in Chinese, each naming the community, year and voucher."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from fundadmin.models import FundYear

from .models import CREDIT_KINDS, DEBIT_KINDS, JournalEntry, Kind
from .selectors import ZERO, fund_balances_many
from .services import PAID_STATES


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
    """Every invariant of the journal, checked from the raw entries. Empty list: all is well."""
    from projects.models import Project

    problems: list[str] = []
    fund_years = list(FundYear.objects.select_related("community").order_by("community_id", "year"))
    by_pk = {fy.pk: fy for fy in fund_years}
    entries = list(
        JournalEntry.objects.select_related("reversed_entry", "account").order_by("fund_year_id", "voucher_no")
    )
    totals: dict[int, _Totals] = defaultdict(_Totals)
    numbers: dict[int, list[int]] = defaultdict(list)
    running: dict[int, Decimal] = defaultdict(lambda: ZERO)
    net_payments: dict[int, list[Decimal]] = defaultdict(list)

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
            if e.project_id:
                net_payments[e.project_id].append(e.debit - e.credit)
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

    projects = Project.objects.filter(status__in=PAID_STATES).select_related("settlement", "community")
    paid_ids = set()
    for project in projects:
        paid_ids.add(project.pk)
        settlement = getattr(project, "settlement", None)
        amounts = net_payments.get(project.pk, [])
        count = sum(1 if a > 0 else -1 for a in amounts)
        net = sum(amounts, ZERO)
        if settlement is None:
            problems.append(f"项目 {project.number}：已结算状态但没有结算记录")
        elif count != 1 or net != settlement.amount:
            problems.append(
                f"项目 {project.number}（{project.community.name}）：净支付 {count} 笔共 {net} 元，"
                f"应为 1 笔 {settlement.amount} 元"
            )
    for project_id, amounts in net_payments.items():
        if project_id not in paid_ids and sum(amounts, ZERO) != ZERO:
            problems.append(f"项目编号 {project_id}：尚未处于已结算状态，却有净支付 {sum(amounts, ZERO)} 元")
    return problems
