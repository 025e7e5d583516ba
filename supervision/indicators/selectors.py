"""Reads of the integrity indicators: who sees which findings, the list with its filters, a
finding's evidence as links, and the city-wide comparison — each in a bounded number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import reverse

from fundadmin.formats import money as money_text
from fundadmin.models import Community, FundYear, WorkingCommittee
from fundadmin.permissions import scopes_with
from fundadmin.workdays import WorkingCalendar
from ledger.selectors import FundBalances, fund_balances_many, small_group_amounts, small_group_cap
from projects.models import Project
from projects.selectors import APPROVAL_STATES, last_receipt_overdue_by
from publicity.models import Objection

from ..models import AnnualReport, Finding, FindingReview, IndicatorRun, Opinion, report_late_from
from .compute import APPROVAL_DAYS
from .kinds import SPECS, Kind, KindSpec

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
LIST_LIMIT = 200  # rows on the list page; the count beside it is exact
PANEL_LIMIT = 10  # rows in the dashboard's and the home page's panel

EVIDENCE_TYPES = {
    "project": "项目",
    "payment": "付款",
    "document": "凭证",
    "person": "人员",
    "objection": "异议",
    "opinion": "监督意见",
    "line": "预算明细",
    "change": "变更申请",
}


def latest_run() -> IndicatorRun | None:
    return IndicatorRun.objects.order_by("-pk").first()


def visible_findings(user) -> QuerySet[Finding]:
    """The findings this user may see: their community's for a supervisor (and the committee-wide
    ones of its committee), every one of the committee for its staff, all for city oversight."""
    if not user.is_authenticated:
        return Finding.objects.none()
    supervised = scopes_with(user, "supervise_community")
    committees = {*scopes_with(user, "view_committee_records"), *scopes_with(user, "oversee_city")}
    supervised_committees = Community.objects.filter(pk__in=supervised).values("committee_id")
    return Finding.objects.filter(
        Q(community__in=supervised)
        | Q(community__isnull=True, committee__in=supervised_committees)
        | Q(committee__in=committees)
    )


def watched_communities(user) -> list[Community]:
    """The communities whose indicators this user sees, for the filter's choices (one query)."""
    supervised = scopes_with(user, "supervise_community")
    committees = {*scopes_with(user, "view_committee_records"), *scopes_with(user, "oversee_city")}
    return list(
        Community.objects.filter(Q(pk__in=supervised) | Q(committee__in=committees)).order_by("committee__code", "code")
    )


def may_see_indicators(user) -> bool:
    return bool(
        scopes_with(user, "supervise_community")
        or scopes_with(user, "view_committee_records")
        or scopes_with(user, "oversee_city")
    )


@dataclass(frozen=True)
class FindingFilter:
    kind: str = ""
    community_id: int | None = None
    committee_id: int | None = None
    year: int | None = None
    state: str = "firing"  # firing | unjudged | judged | all


STATES = {
    "firing": "当前触发",
    "unjudged": "当前触发、尚未判断",
    "judged": "已判断",
    "all": "全部（含已不再触发）",
}


@dataclass
class FindingRow:
    finding: Finding
    spec: KindSpec
    fires_now: bool
    review: FindingReview | None

    @property
    def judged_current(self) -> bool:
        """Judged on the evidence it shows now (a later change to the evidence asks again)."""
        return self.review is not None and self.review.evidence_hash == self.finding.evidence_hash


def _reviews_prefetch():
    return Prefetch("reviews", queryset=FindingReview.objects.order_by("-at", "-pk"))


def rows(qs: QuerySet[Finding], run: IndicatorRun | None) -> list[FindingRow]:
    out = []
    for f in qs:
        reviews = list(f.reviews.all())
        out.append(
            FindingRow(
                f, SPECS[Kind(f.kind)], run is not None and f.last_run_id == run.pk, reviews[0] if reviews else None
            )
        )
    return out


def findings_list(
    user, criteria: FindingFilter, *, limit: int = LIST_LIMIT, run: IndicatorRun | None = None
) -> tuple[list[FindingRow], int]:
    """The findings this user sees that match ``criteria``, newest year first, and their count
    (three queries: the rows, their judgements, the count when cut off)."""
    qs = visible_findings(user)
    if criteria.kind:
        qs = qs.filter(kind=criteria.kind)
    if criteria.community_id:
        qs = qs.filter(community_id=criteria.community_id)
    if criteria.committee_id:
        qs = qs.filter(committee_id=criteria.committee_id)
    if criteria.year:
        qs = qs.filter(year=criteria.year)
    if criteria.state in ("firing", "unjudged"):
        qs = qs.filter(last_run=run) if run is not None else qs.none()
    if criteria.state == "judged":
        qs = qs.filter(reviews__isnull=False).distinct()
    qs = qs.select_related("community", "committee", "project").prefetch_related(_reviews_prefetch())
    found = rows(
        qs.order_by(
            "-year",
            F("committee__code").asc(nulls_first=True),
            F("community__code").asc(nulls_first=True),  # a committee's own findings before its communities'
            "kind",
            "pk",
        )[: limit + 1],
        run,
    )
    if criteria.state == "unjudged":
        found = [r for r in found if not r.judged_current]
    count = len(found) if len(found) <= limit else qs.count()
    return found[:limit], count


def finding_for(user, pk: int) -> Finding | None:
    return (
        visible_findings(user)
        .select_related("community", "committee", "project", "first_run", "last_run")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class EvidenceRow:
    type_label: str
    label: str
    url: str
    amount: Decimal | None
    date: str
    note: str


def evidence_rows(finding: Finding) -> list[EvidenceRow]:
    """The evidence as a person reads it, each item with the page that shows it (no query)."""
    out = []
    for e in finding.evidence:
        kind, pk = e.get("type"), e.get("id")
        project = e.get("project") or (pk if kind == "project" else None)
        if kind == "document":
            url = reverse("projects:document", args=[project, pk])
        elif kind == "objection":
            url = reverse("publicity:staff_objections", args=[e["community"]])
        elif kind == "opinion":
            url = reverse("supervision:opinion_detail", args=[pk])
        elif project:
            url = reverse("projects:detail", args=[project])
        else:
            url = ""
        amount = Decimal(e["amount"]) if e.get("amount") else None
        out.append(
            EvidenceRow(
                EVIDENCE_TYPES.get(kind, ""), e.get("label", ""), url, amount, e.get("date", ""), e.get("note", "")
            )
        )
    return out


def opinion_prefill(finding: Finding) -> str:
    """The text a supervision opinion filed from this finding starts with: what fired, the
    figure, and the evidence line by line."""
    spec = SPECS[Kind(finding.kind)]
    lines = [
        f"【廉政预警：{spec.name}】{finding.summary}。",
        f"依据：{spec.definition()}（《细则》{spec.articles}）",
        "证据：",
    ]
    for row in evidence_rows(finding):
        amount = f"，{money_text(row.amount)}" if row.amount is not None else ""
        date = f"，{row.date}" if row.date else ""
        note = f"（{row.note}）" if row.note else ""
        lines.append(f"- {row.type_label}：{row.label}{amount}{date}{note}")
    lines.append("请说明情况。")
    return "\n".join(lines)[:4000]


def findings_for_report(report: AnnualReport, run: IndicatorRun | None) -> list[FindingRow]:
    """The community's findings for the report's year, firing now or judged, for the annual
    evaluation (Art. 16): two queries."""
    qs = (
        Finding.objects.filter(year=report.year)
        .filter(Q(community=report.community_id) | Q(community__isnull=True, committee=report.community.committee_id))
        .select_related("community", "project")
        .prefetch_related(_reviews_prefetch())
        .order_by("kind", "pk")
    )
    return [
        r
        for r in rows(qs, run)
        if (r.fires_now or r.review is not None)
        and (r.finding.community_id or any(e.get("community_id") == report.community_id for e in r.finding.evidence))
    ]


# -- the city-wide comparison (Art. 5, 21) ---------------------------------------------------------


@dataclass
class Figures:
    """One community's (or a committee's, added up) year, side by side with the others."""

    fund: Decimal = ZERO
    spent: Decimal = ZERO
    carry_over: Decimal = ZERO
    small_used: Decimal = ZERO
    small_cap: Decimal = ZERO
    decided: int = 0
    decided_on_time: int = 0
    waiting_overdue: int = 0
    reports_due: int = 0
    reports_on_time: int = 0
    objections: int = 0
    objections_upheld: int = 0
    opinions_open: int = 0
    indicators: int = 0
    has_fund: bool = False

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            if name == "has_fund":
                self.has_fund = self.has_fund or other.has_fund
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def carry_forward(self) -> Decimal:
        return self.fund - self.spent

    @property
    def use_percent(self) -> Decimal | None:
        return (self.spent * 100 / self.fund).quantize(Decimal("0.1")) if self.fund else None

    @property
    def cap_percent(self) -> Decimal | None:
        """The small-group projects' share of the 20% line (Art. 7(2)): 100 is the cap."""
        return (self.small_used * 100 / self.small_cap).quantize(Decimal("0.1")) if self.small_cap else None

    @property
    def on_time_percent(self) -> Decimal | None:
        return (Decimal(self.decided_on_time) * 100 / self.decided).quantize(Decimal("0.1")) if self.decided else None


@dataclass
class CommunityLine:
    community: Community
    figures: Figures


@dataclass
class CommitteeLine:
    committee: WorkingCommittee
    figures: Figures
    communities: list[CommunityLine] = field(default_factory=list)
    committee_indicators: int = 0


@dataclass
class CityView:
    year: int
    today: datetime.date
    committees: list[CommitteeLine]
    total: Figures
    run: IndicatorRun | None


def city_view(*, year: int, today: datetime.date, committees: QuerySet[WorkingCommittee] | None = None) -> CityView:
    """Every committee and community of the city for ``year``: fund use, carry-over, the 20% cap,
    deadlines met (Art. 11 approvals, Art. 16 reports), objections, open opinions and indicators.
    A fixed number of queries (about fifteen) however large the city."""
    calendar = WorkingCalendar()
    committees = list((committees if committees is not None else WorkingCommittee.objects.all()).order_by("code"))
    communities = list(Community.objects.filter(committee__in=committees).order_by("code"))
    ids = [c.pk for c in communities]
    fund_years = {fy.community_id: fy for fy in FundYear.objects.filter(community__in=ids, year=year)}
    balances: dict[int, FundBalances] = fund_balances_many(list(fund_years.values()))
    small = small_group_amounts([fy.pk for fy in fund_years.values()])
    figures = {c.pk: Figures() for c in communities}
    for community_id, fy in fund_years.items():
        b, f = balances[fy.pk], figures[community_id]
        f.has_fund = True
        f.fund, f.spent, f.carry_over = b.fund, b.spent, b.carry_over
        f.small_used, f.small_cap = small[fy.pk], small_group_cap(b)
        f.reports_due = 1
    # Art. 11: approvals decided this year, and whether within 5 working days of receipt.
    decided = Project.objects.filter(
        community__in=ids, fund_year__year=year, approved_on__isnull=False, received_on__isnull=False
    )
    for community_id, received_on, approved_on in decided.values_list("community_id", "received_on", "approved_on"):
        f = figures[community_id]
        f.decided += 1
        f.decided_on_time += approved_on <= calendar.add_working_days(received_on, APPROVAL_DAYS).date
    overdue_by = last_receipt_overdue_by(today, calendar)
    for row in (
        Project.objects.filter(community__in=ids, status__in=APPROVAL_STATES, received_on__lte=overdue_by)
        .values("community_id")
        .order_by()
        .annotate(n=Count("pk"))
    ):
        figures[row["community_id"]].waiting_overdue = row["n"]
    late_from = report_late_from(year)
    for community_id, submitted_on in AnnualReport.objects.filter(community__in=ids, year=year).values_list(
        "community_id", "submitted_on"
    ):
        figures[community_id].reports_on_time += submitted_on < late_from
    for row in (
        Objection.objects.filter(notice__community__in=ids, submitted_at__year=year)
        .values("notice__community_id")
        .order_by()
        .annotate(n=Count("pk"), upheld=Count("pk", filter=Q(state=Objection.State.UPHELD)))
    ):
        f = figures[row["notice__community_id"]]
        f.objections, f.objections_upheld = row["n"], row["upheld"]
    for row in (
        Opinion.objects.open().filter(community__in=ids).values("community_id").order_by().annotate(n=Count("pk"))
    ):
        figures[row["community_id"]].opinions_open = row["n"]
    run = latest_run()
    committee_wide: dict[int, int] = defaultdict(int)
    if run is not None:
        for row in (
            Finding.objects.filter(committee__in=committees, year=year, last_run=run)
            .values("community_id", "committee_id")
            .order_by()
            .annotate(n=Count("pk"))
        ):
            if row["community_id"] is None:
                committee_wide[row["committee_id"]] += row["n"]
            else:
                figures[row["community_id"]].indicators = row["n"]
    lines = []
    total = Figures()
    by_committee: dict[int, list[Community]] = defaultdict(list)
    for c in communities:
        by_committee[c.committee_id].append(c)
    for committee in committees:
        line = CommitteeLine(committee, Figures(), committee_indicators=committee_wide[committee.pk])
        for c in by_committee[committee.pk]:
            c.committee = committee
            line.communities.append(CommunityLine(c, figures[c.pk]))
            line.figures.add(figures[c.pk])
        line.figures.indicators += line.committee_indicators
        total.add(line.figures)
        lines.append(line)
    return CityView(year, today, lines, total, run)
