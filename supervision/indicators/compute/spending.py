"""Where the money went: who got it, in what pieces, when, at what price, with which vouchers (Art. 7, 12, 13)."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal

from fundadmin.formats import money as money_text
from projects.models import ContractorKind

from ..kinds import Kind
from .data import (
    CENT,
    ZERO,
    Candidate,
    Data,
    P,
    as_percent,
    money,
    normalized,
    payment_item,
    share_of,
)


def concentration(d: Data, t: dict) -> list[Candidate]:
    out = []
    by_year: dict[tuple[int, str], list[P]] = defaultdict(list)
    by_committee: dict[tuple[int, int, str], list[P]] = defaultdict(list)
    for p in d.projects.values():
        if p.contractor_norm:
            by_year[(p.fund_year_id, p.contractor_norm)].append(p)
            by_committee[(p.committee_id, p.year, p.contractor_norm)].append(p)
    min_projects, share_min = t["concentration_min_projects"], t["concentration_community_share"]
    for (fy_id, name), projects in by_year.items():
        total = sum((p.amount for p in projects), ZERO)
        fund = d.fund.get(fy_id, ZERO)
        share = share_of(total, fund)
        if len(projects) < min_projects and share < share_min:
            continue
        first = projects[0]
        out.append(
            Candidate(
                Kind.CONCENTRATION,
                f"community:{fy_id}:{name}",
                first.committee_id,
                first.community_id,
                first.year,
                value=share,
                threshold=share_min,
                summary=f"{first.contractor}在{d.community_label(first.community_id)}{first.year}年度承接 {len(projects)} 个项目，"
                f"合计 {money_text(total)}，占当年经费总额 {money_text(fund)}的 {as_percent(share)}",
                evidence=[p.item() for p in sorted(projects, key=lambda p: p.pk)],
                project_id=max(projects, key=lambda p: p.amount).pk,
            )
        )
    committee_share = t["concentration_committee_share"]
    funds_by_committee: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for fy in d.fund_years.values():
        committee_id = d.communities[fy.community_id].committee_id
        funds_by_committee[(committee_id, fy.year)] += d.fund.get(fy.pk, ZERO)
    for (committee_id, year, name), projects in by_committee.items():
        communities = {p.community_id for p in projects}
        if len(communities) < 2:
            continue
        total = sum((p.amount for p in projects), ZERO)
        fund = funds_by_committee[(committee_id, year)]
        share = share_of(total, fund)
        if share < committee_share:
            continue
        first = projects[0]
        out.append(
            Candidate(
                Kind.CONCENTRATION,
                f"committee:{committee_id}:{year}:{name}",
                committee_id,
                None,
                year,
                value=share,
                threshold=committee_share,
                summary=f"{first.contractor}{year}年度在本党工委 {len(communities)} 个社区承接 {len(projects)} 个项目，"
                f"合计 {money_text(total)}，占各社区经费总额 {money_text(fund)}的 {as_percent(share)}",
                evidence=[
                    p.item(note=d.community_label(p.community_id), community_id=p.community_id)
                    for p in sorted(projects, key=lambda p: p.pk)
                ],
                project_id=max(projects, key=lambda p: p.amount).pk,
            )
        )
    return out


def splitting(d: Data, t: dict) -> list[Candidate]:
    out = []
    margin, window = t["splitting_margin"], datetime.timedelta(days=t["splitting_window_days"])
    groups: dict[tuple[int, int | None, str], list[P]] = defaultdict(list)
    for p in d.projects.values():
        if p.contractor_norm:
            groups[(p.community_id, p.category_id, p.contractor_norm)].append(p)
    for (community_id, category_id, name), projects in groups.items():
        if len(projects) < 2:
            continue
        by_year: dict[int, list[P]] = defaultdict(list)
        for p in projects:
            by_year[p.fund_year_id].append(p)
        for fy_id, year_projects in by_year.items():
            limits = dict(t["splitting_limits"])
            if t["splitting_small_group_line"] and d.small_group_line.get(fy_id):
                limits["受益群体较小项目的20%上限"] = d.small_group_line[fy_id]
            for label, limit in limits.items():
                if limit <= 0:
                    continue
                under = sorted(
                    (p for p in year_projects if limit * (1 - margin) <= p.amount < limit),
                    key=lambda p: (p.filed_on, p.pk),
                )
                cluster: list[P] = []
                for p in [*under, None]:
                    if p is not None and cluster and p.filed_on - cluster[0].filed_on <= window:
                        cluster.append(p)
                        continue
                    total = sum((c.amount for c in cluster), ZERO)
                    if len(cluster) >= 2 and total > limit:
                        first = cluster[0]
                        out.append(
                            Candidate(
                                Kind.SPLITTING,
                                f"{fy_id}:{category_id}:{name}:{label}:{first.pk}",
                                first.committee_id,
                                community_id,
                                first.year,
                                value=total,
                                threshold=limit,
                                summary=f"{first.contractor}承办的 {len(cluster)} 个“{first.category}”项目，每个都略低于{label} "
                                f"{money_text(limit)}，合计 {money_text(total)}",
                                evidence=[c.item(date=c.filed_on.isoformat()) for c in cluster],
                                project_id=first.pk,
                            )
                        )
                    cluster = [p] if p is not None else []
    return out


def _year_end_start(year: int, days: int) -> datetime.date:
    return datetime.date(year, 12, 31) - datetime.timedelta(days=days - 1)


def year_end_payments(d: Data, t: dict) -> list[Candidate]:
    out = []
    per_year: dict[int, list[P]] = defaultdict(list)
    for p in d.projects.values():
        if p.settlement is not None:
            per_year[p.fund_year_id].append(p)
    share_min = t["year_end_share"]
    for fy_id, paid in per_year.items():
        year = paid[0].year
        start, end = _year_end_start(year, t["year_end_days"]), datetime.date(year, 12, 31)
        late = [p for p in paid if start <= p.settlement["paid_on"] <= end]
        total = sum((p.settlement["amount"] for p in paid), ZERO)
        late_total = sum((p.settlement["amount"] for p in late), ZERO)
        share = share_of(late_total, total)
        if not late or share < share_min:
            continue
        first = late[0]
        out.append(
            Candidate(
                Kind.YEAR_END_PAYMENTS,
                f"{fy_id}",
                first.committee_id,
                first.community_id,
                year,
                value=share,
                threshold=share_min,
                summary=f"{d.community_label(first.community_id)}{year}年{start.month}月{start.day}日至12月31日支付 {len(late)} 笔、"
                f"{money_text(late_total)}，占全年支付 {money_text(total)}的 {as_percent(share)}",
                evidence=[payment_item(p) for p in sorted(late, key=lambda p: (p.settlement["paid_on"], p.pk))],
                project_id=max(late, key=lambda p: p.settlement["amount"]).pk,
            )
        )
    return out


def year_end_approvals(d: Data, t: dict) -> list[Candidate]:
    out = []
    per_year: dict[int, list[P]] = defaultdict(list)
    for p in d.projects.values():
        if p.approved_on is not None and p.approved_amount is not None:
            per_year[p.fund_year_id].append(p)
    share_min = t["year_end_share"]
    for fy_id, approved in per_year.items():
        year = approved[0].year
        start, end = _year_end_start(year, t["year_end_days"]), datetime.date(year, 12, 31)
        late = [p for p in approved if start <= p.approved_on <= end]
        total = sum((p.approved_amount for p in approved), ZERO)
        late_total = sum((p.approved_amount for p in late), ZERO)
        share = share_of(late_total, total)
        if not late or share < share_min:
            continue
        first = late[0]
        out.append(
            Candidate(
                Kind.YEAR_END_APPROVALS,
                f"{fy_id}",
                first.committee_id,
                first.community_id,
                year,
                value=share,
                threshold=share_min,
                summary=f"{d.community_label(first.community_id)}{year}年{start.month}月{start.day}日后批准 {len(late)} 个项目、"
                f"{money_text(late_total)}，占全年批准金额 {money_text(total)}的 {as_percent(share)}",
                evidence=[
                    p.item(date=p.approved_on.isoformat(), note="批准日期")
                    for p in sorted(late, key=lambda p: (p.approved_on, p.pk))
                ],
                project_id=max(late, key=lambda p: p.amount).pk,
            )
        )
    return out


def unit_price(d: Data, t: dict) -> list[Candidate]:
    out = []
    ratio_min, min_lines = t["unit_price_ratio"], t["unit_price_min_lines"]
    skip = tuple(normalized(w) for w in t["unit_price_skip_words"])
    groups: dict[tuple[int, str, str], list[tuple]] = defaultdict(list)
    for line in d.lines:
        p = d.projects.get(line[1])
        if p is not None and not any(w in normalized(line[2]) for w in skip):
            groups[(p.year, normalized(line[2]), normalized(line[3]))].append(line)
    flagged: dict[int, list[dict]] = defaultdict(list)
    worst: dict[int, Decimal] = {}
    for (_year, _item, _unit), lines in groups.items():
        if len(lines) < min_lines:
            continue
        median = Decimal(statistics.median(line[4] for line in lines)).quantize(CENT)
        if median <= 0:
            continue
        for pk, project_id, item, unit, price, quantity in lines:
            ratio = (price / median).quantize(Decimal("0.01"))
            if ratio < ratio_min:
                continue
            flagged[project_id].append(
                {
                    "type": "line",
                    "id": pk,
                    "project": project_id,
                    "label": f"预算明细“{item}”单价 {money_text(price)}/{unit or '项'}，全市中位数 {money_text(median)}（{len(lines)} 条），为 {ratio} 倍",
                    "amount": money(price * quantity),
                }
            )
            worst[project_id] = max(worst.get(project_id, Decimal(0)), ratio)
    for project_id, lines in flagged.items():
        p = d.projects[project_id]
        out.append(
            Candidate(
                Kind.UNIT_PRICE,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=worst[project_id],
                threshold=ratio_min,
                summary=f"{p.label}：{len(lines)} 项预算明细单价达到全市中位数的 {worst[project_id]} 倍",
                evidence=[p.item(), *lines],
                project_id=p.pk,
            )
        )
    return out


def no_invoice_share(d: Data, t: dict) -> list[Candidate]:
    out = []
    per_year: dict[int, list[P]] = defaultdict(list)
    for p in d.projects.values():
        if p.settlement is not None:
            per_year[p.fund_year_id].append(p)
    share_min, amount_min = t["no_invoice_share"], t["no_invoice_min_amount"]
    for fy_id, paid in per_year.items():
        without = [p for p in paid if p.contractor_kind != ContractorKind.ORGANISATION]
        total = sum((p.settlement["amount"] for p in paid), ZERO)
        part = sum((p.settlement["amount"] for p in without), ZERO)
        share = share_of(part, total)
        if not without or share < share_min or part < amount_min:
            continue
        first = paid[0]
        out.append(
            Candidate(
                Kind.NO_INVOICE_SHARE,
                f"{fy_id}",
                first.committee_id,
                first.community_id,
                first.year,
                value=share,
                threshold=share_min,
                summary=f"{d.community_label(first.community_id)}{first.year}年度无发票支付 {len(without)} 笔、{money_text(part)}，"
                f"占全年支付 {money_text(total)}的 {as_percent(share)}",
                evidence=[
                    payment_item(p, note=ContractorKind(p.contractor_kind).label)
                    for p in sorted(without, key=lambda p: (p.settlement["paid_on"], p.pk))
                ],
                project_id=max(without, key=lambda p: p.settlement["amount"]).pk,
            )
        )
    return out
