"""Computing the integrity indicators over the whole city (Art. 19).

Reads only, in a fixed number of queries whatever the size of the city: each kind of record the
indicators look at (projects with their amounts, budget lines, payments, inspections, change
requests, approval decisions, objections, opinions, role holders, fund years) is fetched once for
every community, then grouped in Python. ``compute_all`` returns what fires as ``Candidate``s;
``supervision.indicators.services`` stores them.
"""

from __future__ import annotations

import datetime
import re
import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from fundadmin.formats import money as money_text
from fundadmin.models import Community, FundYear, RoleAssignment
from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel
from fundadmin.workdays import WorkingCalendar
from ledger.selectors import fund_balances_many, small_group_cap
from projects.models import (
    BudgetLine,
    ChangeRequest,
    ContractorKind,
    Document,
    Inspection,
    PlanVersion,
    Project,
    Review,
    Settlement,
    Status,
)
from publicity.models import Objection

from ..models import Opinion
from .kinds import Kind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
APPROVAL_DAYS = 5  # Art. 11: the leadership meeting within 5 working days of receiving the form
# Projects that never became a commitment do not count as anyone's business.
NOT_COUNTED = (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
# The documents that prove a payment (Art. 13, 17): shown as evidence beside a payment.
PAYMENT_DOCUMENTS = (
    Document.Kind.INVOICE,
    Document.Kind.SIGNATURE_VOUCHER,
    Document.Kind.PAYMENT_DECISION,
    Document.Kind.SIGNED_PROOF,
    Document.Kind.PAYEE_SIGNATURE,
    Document.Kind.ACCEPTANCE_RECORD,
)


def normalized(text: str) -> str:
    """A name as compared: full-width and half-width alike, no spaces, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


def phone_numbers(text: str) -> set[str]:
    """The phone numbers in a contact field: runs of at least 7 digits, without a +86/86 prefix."""
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", text or ""))
    out = set()
    for run in re.findall(r"\d{7,}", digits):
        if len(run) == 13 and run.startswith("86"):
            run = run[2:]
        out.add(run)
    return out


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def money(value) -> str:
    return str((value or ZERO).quantize(CENT))


@dataclass
class Candidate:
    """An indicator that fires, before it is stored: the thing it fires for (kind, key), where
    it belongs, the figure measured against its threshold, one sentence, and the evidence."""

    kind: Kind
    key: str
    committee_id: int
    community_id: int | None
    year: int
    value: Decimal
    threshold: Decimal
    summary: str
    evidence: list[dict] = field(default_factory=list)
    project_id: int | None = None


@dataclass
class P:
    """The facts of one project the indicators read."""

    pk: int
    number: str
    title: str
    community_id: int
    committee_id: int
    fund_year_id: int
    year: int
    category_id: int | None
    category: str
    contractor_kind: str
    contractor: str
    contractor_norm: str
    contact: str
    status: str
    amount: Decimal
    approved_amount: Decimal | None
    approved_on: datetime.date | None
    received_on: datetime.date | None
    filed_on: datetime.date
    settlement: dict | None = None

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    def item(self, note: str = "", **extra) -> dict:
        return {
            "type": "project",
            "id": self.pk,
            "label": self.label,
            "amount": money(self.amount),
            "note": note,
            **extra,
        }


class Data:
    """Everything the indicators read, fetched once (one query per line below)."""

    def __init__(self, today: datetime.date):
        self.today = today
        self.calendar = WorkingCalendar()
        self.communities = {c.pk: c for c in Community.objects.select_related("committee")}
        fund_years = list(FundYear.objects.all())
        self.fund_years = {fy.pk: fy for fy in fund_years}
        balances = fund_balances_many(fund_years)
        # Art. 5, 13: the year's fund is the allocation plus the carry-over.
        self.fund = {pk: b.fund for pk, b in balances.items()}
        self.small_group_line = {pk: small_group_cap(b) for pk, b in balances.items()}
        rows = (
            Project.objects.exclude(status__in=NOT_COUNTED)
            .with_budget_total()
            .values_list(
                "pk",
                "number",
                "title",
                "community_id",
                "community__committee_id",
                "fund_year_id",
                "fund_year__year",
                "category_id",
                "category__name",
                "contractor_kind",
                "contractor_name",
                "contractor_contact",
                "status",
                "budget_sum",
                "approved_amount",
                "approved_on",
                "received_on",
                "created_at",
            )
        )
        self.projects: dict[int, P] = {}
        for r in rows:
            budget, approved = (r[13] or ZERO).quantize(CENT), r[14]
            self.projects[r[0]] = P(
                pk=r[0],
                number=r[1],
                title=r[2],
                community_id=r[3],
                committee_id=r[4],
                fund_year_id=r[5],
                year=r[6],
                category_id=r[7],
                category=r[8] or "",
                contractor_kind=r[9],
                contractor=(r[10] or "").strip(),
                contractor_norm=normalized(r[10]),
                contact=r[11] or "",
                status=r[12],
                amount=approved if approved is not None else budget,
                approved_amount=approved,
                approved_on=r[15],
                received_on=r[16],
                filed_on=(r[16] or timezone.localdate(r[17])),
            )
        for s in Settlement.objects.values("pk", "project_id", "amount", "paid_on", "payee"):
            p = self.projects.get(s["project_id"])
            if p is not None:
                p.settlement = s
        self.lines = list(
            BudgetLine.objects.exclude(project__status__in=NOT_COUNTED).values_list(
                "pk", "project_id", "item", "unit", "unit_price", "quantity"
            )
        )
        self.inspections: dict[int, dict] = {}
        for i in (
            Inspection.objects.filter(passed=True)
            .order_by("inspected_on", "pk")
            .values("pk", "project_id", "inspected_on", "respondents", "satisfied")
        ):
            self.inspections[i["project_id"]] = i  # the latest passed inspection is the acceptance
        self.changes: dict[int, list[dict]] = defaultdict(list)
        for c in (
            ChangeRequest.objects.exclude(status=ChangeRequest.Outcome.REFUSED)
            .order_by("requested_at", "pk")
            .values("pk", "project_id", "new_amount", "status", "requested_at", "decided_at", "reason")
        ):
            self.changes[c["project_id"]].append(c)
        self.approved_plan = dict(PlanVersion.objects.filter(number=1).values_list("project_id", "amount"))
        self.refusals = dict(
            Review.objects.filter(
                outcome=Review.Outcome.REJECT, kind__in=(Review.Kind.COMMITTEE, Review.Kind.CONSTRUCTION)
            )
            .order_by("decided_at")
            .values_list("project_id", "decided_at")
        )
        self.rejected = {
            p.pk: p
            for p in Project.objects.filter(status=Status.REJECTED, received_on__isnull=False)
            .with_budget_total()
            .select_related("community", "fund_year")
        }
        self.objections = list(
            Objection.objects.filter(state=Objection.State.UPHELD).values(
                "pk",
                "text",
                "decided_at",
                "remedy",
                "notice_id",
                "notice__title",
                "notice__community_id",
                "notice__community__code",
                "notice__project_id",
                "notice__project__fund_year__year",
            )
        )
        self.opinions = list(
            Opinion.objects.open().values("pk", "community_id", "project_id", "raised_at", "raised_by_name", "text")
        )
        self.role_holders = list(
            RoleAssignment.objects.exclude(
                role__in=[r for r, lvl in ROLE_SCOPE.items() if lvl == ScopeLevel.SYSTEM]
            ).values(
                "user_id",
                "user__full_name",
                "user__username",
                "user__phone",
                "role",
                "community_id",
                "committee_id",
                "valid_from",
                "valid_until",
                "revoked_at",
            )
        )

    def documents_for(self, project_ids: set[int]) -> dict[int, list[dict]]:
        """The current payment documents of the given projects (one query)."""
        out: dict[int, list[dict]] = defaultdict(list)
        if not project_ids:
            return out
        for d in (
            Document.objects.filter(project_id__in=project_ids, kind__in=PAYMENT_DOCUMENTS, superseded_by__isnull=True)
            .order_by("pk")
            .values("pk", "project_id", "kind", "original_name")
        ):
            out[d["project_id"]].append(
                {
                    "type": "document",
                    "id": d["pk"],
                    "project": d["project_id"],
                    "label": f"{Document.Kind(d['kind']).label}：{d['original_name']}",
                }
            )
        return out

    def community_label(self, pk: int) -> str:
        return self.communities[pk].name


def payment_item(p: P, note: str = "") -> dict:
    s = p.settlement
    return {
        "type": "payment",
        "id": s["pk"],
        "project": p.pk,
        "label": f"{p.label} 结算付款（收款方：{s['payee']}）",
        "amount": money(s["amount"]),
        "date": s["paid_on"].isoformat(),
        "note": note,
    }


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(Decimal("0.0001")) if whole else Decimal("0")


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"


# -- the indicators -----------------------------------------------------------------------------------


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
        share = _share(total, fund)
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
                f"合计 {money_text(total)}，占当年经费总额 {money_text(fund)}的 {_pct(share)}",
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
        share = _share(total, fund)
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
                f"合计 {money_text(total)}，占各社区经费总额 {money_text(fund)}的 {_pct(share)}",
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
        share = _share(late_total, total)
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
                f"{money_text(late_total)}，占全年支付 {money_text(total)}的 {_pct(share)}",
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
        share = _share(late_total, total)
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
                f"{money_text(late_total)}，占全年批准金额 {money_text(total)}的 {_pct(share)}",
                evidence=[
                    p.item(date=p.approved_on.isoformat(), note="批准日期")
                    for p in sorted(late, key=lambda p: (p.approved_on, p.pk))
                ],
                project_id=max(late, key=lambda p: p.amount).pk,
            )
        )
    return out


def low_satisfaction_paid(d: Data, t: dict) -> list[Candidate]:
    out = []
    floor = t["low_satisfaction_percent"]
    for p in d.projects.values():
        inspection = d.inspections.get(p.pk)
        if p.settlement is None or inspection is None:
            continue
        percent = (Decimal(inspection["satisfied"]) * 100 / inspection["respondents"]).quantize(Decimal("0.1"))
        if percent >= floor:
            continue
        out.append(
            Candidate(
                Kind.LOW_SATISFACTION_PAID,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=percent,
                threshold=floor,
                summary=f"{p.label}：验收满意度 {percent}%（{inspection['satisfied']}/{inspection['respondents']} 人），"
                f"仍于 {p.settlement['paid_on']:%Y-%m-%d} 付款 {money_text(p.settlement['amount'])}",
                evidence=[
                    p.item(
                        note=f"验收日期 {inspection['inspected_on']:%Y-%m-%d}，满意 {inspection['satisfied']} 人 / 调查 {inspection['respondents']} 人"
                    ),
                    payment_item(p),
                ],
                project_id=p.pk,
            )
        )
    return out


def change_raise(d: Data, t: dict) -> list[Candidate]:
    out = []
    share_min, repeat = t["change_raise_share"], t["change_repeat_count"]
    for project_id, changes in d.changes.items():
        p = d.projects.get(project_id)
        base = d.approved_plan.get(project_id)
        if p is None or not base:
            continue
        amount, raises, items = base, 0, []
        for c in changes:
            if c["new_amount"] > amount:
                raises += 1
                state = "待党工委决定" if c["status"] == ChangeRequest.Outcome.PENDING else "已同意并备案"
                items.append(
                    {
                        "type": "change",
                        "id": c["pk"],
                        "project": p.pk,
                        "label": f"变更申请：{money_text(amount)} → {money_text(c['new_amount'])}（{state}）",
                        "amount": money(c["new_amount"]),
                        "date": timezone.localdate(c["requested_at"]).isoformat(),
                        "note": c["reason"][:100],
                    }
                )
            amount = c["new_amount"]
        share = _share(amount - base, base)
        if raises == 0 or (share <= share_min and raises < repeat):
            continue
        out.append(
            Candidate(
                Kind.CHANGE_RAISE,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=share,
                threshold=share_min,
                summary=f"{p.label}：批准金额 {money_text(base)}，经 {raises} 次变更提高到 {money_text(amount)}（+{_pct(share)}）",
                evidence=[p.item(note=f"批准时金额 {money_text(base)}"), *items],
                project_id=p.pk,
            )
        )
    return out


def late_approval(d: Data, t: dict) -> list[Candidate]:
    out = []
    grace = t["late_approval_grace_working_days"]
    decisions: list[tuple[P | Project, datetime.date, str]] = [
        (p, p.approved_on, "批准") for p in d.projects.values() if p.approved_on and p.received_on
    ]
    for pk, decided_at in d.refusals.items():
        rejected = d.rejected.get(pk)
        if rejected is not None:
            decisions.append((rejected, timezone.localdate(decided_at), "不予批准"))
    for p, decided_on, verb in decisions:
        deadline = d.calendar.add_working_days(p.received_on, APPROVAL_DAYS).date
        if decided_on <= deadline:
            continue
        late_by = d.calendar.working_days_between(deadline, decided_on).days
        if late_by <= grace:
            continue
        if isinstance(p, Project):
            label, community_id, committee_id, year = str(p), p.community_id, p.community.committee_id, p.fund_year.year
            item = {"type": "project", "id": p.pk, "label": label, "amount": money(p.budget_total), "note": ""}
        else:
            label, community_id, committee_id, year, item = p.label, p.community_id, p.committee_id, p.year, p.item()
        item = {
            **item,
            "note": f"收到申请表 {p.received_on:%Y-%m-%d}，期限 {deadline:%Y-%m-%d}，{decided_on:%Y-%m-%d}{verb}",
        }
        out.append(
            Candidate(
                Kind.LATE_APPROVAL,
                f"{p.pk}",
                committee_id,
                community_id,
                year,
                value=Decimal(late_by),
                threshold=Decimal(grace),
                summary=f"{label}：{p.received_on:%Y-%m-%d}收到申请表，期限 {deadline:%Y-%m-%d}，"
                f"{decided_on:%Y-%m-%d}才{verb}，超期 {late_by} 个工作日",
                evidence=[item],
                project_id=p.pk,
            )
        )
    return out


def objection_upheld(d: Data, t: dict) -> list[Candidate]:
    out = []
    for o in d.objections:
        community = d.communities[o["notice__community_id"]]
        year = o["notice__project__fund_year__year"] or (o["decided_at"] or d.today).year
        evidence = [
            {
                "type": "objection",
                "id": o["pk"],
                "community": community.code,
                "label": f"异议：{o['text'][:60]}",
                "date": timezone.localdate(o["decided_at"]).isoformat() if o["decided_at"] else "",
                "note": f"公示：{o['notice__title']}",
            }
        ]
        project = d.projects.get(o["notice__project_id"])
        if project is not None:
            evidence.append(project.item())
        out.append(
            Candidate(
                Kind.OBJECTION_UPHELD,
                f"{o['pk']}",
                community.committee_id,
                community.pk,
                year,
                value=Decimal(1),
                threshold=Decimal(1),
                summary=f"对“{o['notice__title']}”的居民异议经党工委认定成立",
                evidence=evidence,
                project_id=o["notice__project_id"],
            )
        )
    return out


def opinion_unanswered(d: Data, t: dict) -> list[Candidate]:
    out = []
    limit = t["opinion_unanswered_working_days"]
    for o in d.opinions:
        raised_on = timezone.localdate(o["raised_at"])
        days = d.calendar.working_days_between(raised_on, d.today).days
        if days <= limit:
            continue
        community = d.communities[o["community_id"]]
        project = d.projects.get(o["project_id"])
        evidence = [
            {
                "type": "opinion",
                "id": o["pk"],
                "label": f"监督意见：{o['text'][:60]}",
                "date": raised_on.isoformat(),
                "note": f"{o['raised_by_name']}提出",
            }
        ]
        if project is not None:
            evidence.append(project.item())
        out.append(
            Candidate(
                Kind.OPINION_UNANSWERED,
                f"{o['pk']}",
                community.committee_id,
                community.pk,
                project.year if project else raised_on.year,
                value=Decimal(days),
                threshold=Decimal(limit),
                summary=f"{community.name}{raised_on:%Y-%m-%d}提出的监督意见已 {days} 个工作日未答复",
                evidence=evidence,
                project_id=o["project_id"],
            )
        )
    return out


def _holds_during(a: dict, year: int) -> bool:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if a["valid_from"] > end or (a["valid_until"] is not None and a["valid_until"] < start):
        return False
    return a["revoked_at"] is None or timezone.localdate(a["revoked_at"]) >= start


def contact_match(d: Data, t: dict) -> list[Candidate]:
    out = []
    by_community: dict[int, list[dict]] = defaultdict(list)
    by_committee: dict[int, list[dict]] = defaultdict(list)
    for a in d.role_holders:
        (by_community[a["community_id"]] if a["community_id"] else by_committee[a["committee_id"]]).append(a)
    for p in d.projects.values():
        names = {
            n for n in (p.contractor_norm, normalized(p.settlement["payee"]) if p.settlement else "") if len(n) >= 2
        }
        phones = phone_numbers(p.contact)
        if not names and not phones:
            continue
        matches: dict[int, tuple[dict, list[str]]] = {}
        for a in [*by_community.get(p.community_id, ()), *by_committee.get(p.committee_id, ())]:
            if not _holds_during(a, p.year):
                continue
            how = []
            name = normalized(a["user__full_name"])
            if name and name in names:
                how.append("姓名相同")
            phone = phone_numbers(a["user__phone"] or "")
            if phone & phones:
                how.append(f"电话相同（{masked(next(iter(phone & phones)))}）")
            if how:
                entry = matches.setdefault(a["user_id"], (a, []))
                entry[1].extend(h for h in how if h not in entry[1])
                entry[1].append(Role(a["role"]).label)
        if not matches:
            continue
        people = []
        for a, how in matches.values():
            roles = "、".join(h for h in how if "相同" not in h)
            same = "，".join(h for h in how if "相同" in h)
            people.append(
                {
                    "type": "person",
                    "id": a["user_id"],
                    "label": f"{a['user__full_name'] or a['user__username']}（{roles}）",
                    "note": same,
                }
            )
        evidence = [p.item(note=f"承办方：{p.contractor}"), *people]
        if p.settlement is not None:
            evidence.append(payment_item(p))
        out.append(
            Candidate(
                Kind.CONTACT_MATCH,
                f"{p.pk}",
                p.committee_id,
                p.community_id,
                p.year,
                value=Decimal(len(people)),
                threshold=Decimal(1),
                summary=f"{p.label}：承办方“{p.contractor}”与任职人员"
                + "、".join(x["label"].split("（")[0] for x in people)
                + "信息相同",
                evidence=evidence,
                project_id=p.pk,
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
        share = _share(part, total)
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
                f"占全年支付 {money_text(total)}的 {_pct(share)}",
                evidence=[
                    payment_item(p, note=ContractorKind(p.contractor_kind).label)
                    for p in sorted(without, key=lambda p: (p.settlement["paid_on"], p.pk))
                ],
                project_id=max(without, key=lambda p: p.settlement["amount"]).pk,
            )
        )
    return out


INDICATORS = {
    Kind.CONCENTRATION: concentration,
    Kind.SPLITTING: splitting,
    Kind.YEAR_END_PAYMENTS: year_end_payments,
    Kind.YEAR_END_APPROVALS: year_end_approvals,
    Kind.LOW_SATISFACTION_PAID: low_satisfaction_paid,
    Kind.CHANGE_RAISE: change_raise,
    Kind.LATE_APPROVAL: late_approval,
    Kind.OBJECTION_UPHELD: objection_upheld,
    Kind.OPINION_UNANSWERED: opinion_unanswered,
    Kind.CONTACT_MATCH: contact_match,
    Kind.UNIT_PRICE: unit_price,
    Kind.NO_INVOICE_SHARE: no_invoice_share,
}


def compute_all(*, today: datetime.date, thresholds: dict) -> list[Candidate]:
    """Every indicator that fires today, over the whole city."""
    d = Data(today)
    candidates = [c for fn in INDICATORS.values() for c in fn(d, thresholds)]
    # The documents behind each payment named as evidence (Art. 13, 17), in one more query.
    paid = {e["project"] for c in candidates for e in c.evidence if e["type"] == "payment"}
    documents = d.documents_for(paid)
    for c in candidates:
        extra = []
        for e in c.evidence:
            if e["type"] == "payment":
                extra.extend(documents.get(e["project"], ()))
        c.evidence.extend(x for x in extra if x not in c.evidence)
    return candidates
