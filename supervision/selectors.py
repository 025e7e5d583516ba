"""Reads of the supervision app: opinions, the annual report's generated figures and status, and
the working committee's dashboard — each in a bounded number of queries whatever the data size."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from fundadmin.models import MONEY, Community, FundYear, SpendingCategory, WorkingCommittee
from fundadmin.permissions import scopes_with
from fundadmin.workdays import Deadline, WorkingCalendar, YearDeadlines, year_deadlines
from ledger.models import JournalEntry, Kind
from ledger.selectors import carried_commitments, committee_summary, fund_balances, small_group_share
from projects.models import Project
from projects.process import ENDED_STATES, Status
from projects.selectors import approval_deadline, with_current_amount
from publicity.annual import annual_statuses
from publicity.models import Notice, Objection

from .models import AnnualReport, Opinion, ReportEvaluation, report_late_from

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
LIST_LIMIT = 50  # rows per dashboard panel; the count beside it is exact
NOTICE_HORIZON_WORKING_DAYS = 3
# Art. 15: the annual summary is posted before 20 December (publicity.annual uses the 19th as the
# last day); Art. 16: the annual report reaches the committee before 1 December.
ANNUAL_NOTICE_BEFORE = (12, 20)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENT)


# -- opinions --------------------------------------------------------------------------------------


def opinions_for_project(project) -> list[Opinion]:
    """Every supervision opinion about a project, its payment or its notices, newest first (one query)."""
    return list(
        Opinion.objects.filter(Q(project=project) | Q(notice__project=project))
        .select_related("project", "notice", "community")
        .order_by("-raised_at", "-pk")
    )


def communities_with(user, codename: str) -> QuerySet[Community]:
    return Community.objects.filter(pk__in=scopes_with(user, codename))


def committees_with(user, codename: str) -> QuerySet[WorkingCommittee]:
    return WorkingCommittee.objects.filter(pk__in=scopes_with(user, codename))


def opinions_to_answer(user) -> QuerySet[Opinion]:
    """Open opinions this user's body must answer: the community's for 社区党委 (act_for_community),
    the committee's for its execution managers (manage_execution)."""
    acting = communities_with(user, "act_for_community").values("pk")
    managing = committees_with(user, "manage_execution").values("pk")
    return (
        Opinion.objects.open()
        .filter(
            Q(addressed_to=Opinion.Addressee.COMMUNITY, community__in=acting)
            | Q(addressed_to=Opinion.Addressee.COMMITTEE, community__committee__in=managing)
        )
        .select_related("community", "project", "notice")
    )


# -- the annual report (Art. 16) -------------------------------------------------------------------


def _str_money(value) -> str:
    return str(_money(value))


def report_snapshot(fund_year: FundYear) -> dict:
    """The year's figures as the report freezes them: projects, spending by category, results and
    residents' satisfaction from the acceptance inspections, the small-group share and the
    carry-over (Art. 7(2), 12, 13, 16). Generated, never typed."""
    balances = fund_balances(fund_year)
    projects = list(
        with_current_amount(fund_year.projects.exclude(status=Status.DRAFT))
        .select_related("category", "settlement")
        .prefetch_related("inspections")
        .order_by("number")
    )
    categories = {c.name: {"count": 0, "approved": ZERO, "paid": ZERO} for c in SpendingCategory.objects.all()}
    rows, respondents, satisfied = [], 0, 0
    done_states = (Status.PAID, Status.COMPLETION_NOTICE, Status.CLOSED)
    counts = {"total": len(projects), "completed": 0, "in_progress": 0, "ended": 0}
    for p in projects:
        paid = p.settlement.amount if hasattr(p, "settlement") else ZERO
        passed = [i for i in p.inspections.all() if i.passed]
        inspection = passed[-1] if passed else None
        if inspection is not None:
            respondents += inspection.respondents
            satisfied += inspection.satisfied
        if p.status in done_states:
            counts["completed"] += 1
        elif p.status in ENDED_STATES:
            counts["ended"] += 1
        else:
            counts["in_progress"] += 1
        rows.append(
            {
                "number": p.number,
                "title": p.title,
                "category": p.category.name if p.category else "",
                "status": p.get_status_display(),
                "is_small_group": p.is_small_group,
                "approved_amount": _str_money(p.approved_amount) if p.approved_amount is not None else "",
                "paid_amount": _str_money(paid),
                "quality": inspection.get_quality_grade_display() if inspection else "",
                "satisfaction_percent": str(inspection.satisfaction_percent) if inspection else "",
            }
        )
        if p.status in (Status.WITHDRAWN, Status.REJECTED) or p.category is None:
            continue
        bucket = categories.setdefault(p.category.name, {"count": 0, "approved": ZERO, "paid": ZERO})
        bucket["count"] += 1
        bucket["approved"] += p.approved_amount or ZERO
        bucket["paid"] += paid
    share = small_group_share(fund_year, balances)
    # Art. 13: approved, unpaid projects carried (or, before the close, to be carried) into next year.
    carried = carried_commitments(fund_year)
    carried_by_number = {p.number: amount for p, amount in carried}
    for row in rows:
        row["carried_amount"] = (
            _str_money(carried_by_number[row["number"]]) if row["number"] in carried_by_number else ""
        )
    satisfaction = (Decimal(satisfied) * 100 / respondents).quantize(Decimal("0.1")) if respondents else None
    data = {
        "community": fund_year.community.name,
        "applicant": fund_year.community.applicant_name,
        "year": fund_year.year,
        "allocation": _str_money(balances.allocation),
        "carry_over": _str_money(balances.carry_over),
        "fund": _str_money(balances.fund),
        "received": _str_money(balances.received),
        "spent": _str_money(balances.spent),
        "committed": _str_money(balances.committed),
        # Art. 13: what is not spent this year carries over to the next.
        "carry_forward": _str_money(balances.fund - balances.spent),
        "small_group": {
            "used": _str_money(share.used),
            "cap": _str_money(share.cap),
            "percent": str(share.percent_of_fund) if share.percent_of_fund is not None else "",
            "within_cap": share.within_cap,
        },
        "counts": counts,
        "satisfaction": {
            "respondents": respondents,
            "satisfied": satisfied,
            "percent": str(satisfaction) if satisfaction is not None else "",
        },
        "categories": [
            {"name": name, "count": v["count"], "approved": _str_money(v["approved"]), "paid": _str_money(v["paid"])}
            for name, v in categories.items()
        ],
        "projects": rows,
        "carried": {
            "done": fund_year.is_closed or balances.commitments_carried_out > 0,
            "to_year": fund_year.year + 1,
            "total": _str_money(sum((amount for _, amount in carried), ZERO)),
            "projects": [{"number": p.number, "title": p.title, "amount": _str_money(amount)} for p, amount in carried],
        },
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class ReportStatus:
    community: Community
    fund_year: FundYear | None
    report: AnnualReport | None
    current: ReportEvaluation | None
    late_from: datetime.date
    today: datetime.date

    @property
    def state(self) -> str:
        if self.report is not None:
            return "late" if self.report.is_late else "submitted"
        if self.fund_year is None:
            return "no_fund"
        return "overdue" if self.today >= self.late_from else "due"

    @property
    def label(self) -> str:
        return {
            "submitted": "已按时报送",
            "late": "逾期报送",
            "overdue": "逾期未报送",
            "due": "待报送",
            "no_fund": "未设立经费",
        }[self.state]

    @property
    def badge(self) -> str:
        return {"submitted": "ok", "late": "bad", "overdue": "bad", "due": "warn", "no_fund": ""}[self.state]


def report_statuses(communities, year: int, today: datetime.date, fund_years=None) -> list[ReportStatus]:
    """Each community's report for ``year``: submitted on time, late, due or overdue (3 queries,
    2 when the caller has the fund years, by community id)."""
    communities = list(communities)
    years = fund_years if fund_years is not None else _fund_years(communities, year)
    reports = {
        r.community_id: r
        for r in AnnualReport.objects.filter(community__in=communities, year=year).prefetch_related("evaluations")
    }
    out = []
    for c in communities:
        report = reports.get(c.pk)
        current = None
        if report is not None:
            evaluations = sorted(report.evaluations.all(), key=lambda e: (e.evaluated_at, e.pk))
            current = evaluations[-1] if evaluations else None
        out.append(ReportStatus(c, years.get(c.pk), report, current, report_late_from(year), today))
    return out


def _fund_years(communities, year: int) -> dict:
    return {fy.community_id: fy for fy in FundYear.objects.filter(community__in=communities, year=year)}


def _count(rows: list, qs) -> int:
    """How many rows ``qs`` has, given the first LIST_LIMIT of them: no query unless cut off."""
    return len(rows) if len(rows) < LIST_LIMIT else qs.count()


def current_evaluation(report: AnnualReport) -> ReportEvaluation | None:
    return report.evaluations.order_by("-evaluated_at", "-pk").first()


# -- the working committee's dashboard -------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalRow:
    project: object
    deadline: Deadline | None
    overdue: bool
    days_left: int | None


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal


@dataclass
class Dashboard:
    committee: WorkingCommittee
    year: int
    today: datetime.date
    summary: object
    approvals: list[ApprovalRow] = field(default_factory=list)
    notices_ending: list = field(default_factory=list)
    objections: list = field(default_factory=list)
    objection_count: int = 0
    opinions: list = field(default_factory=list)
    opinion_count: int = 0
    unpaid: list = field(default_factory=list)
    unpaid_total: Decimal = ZERO
    by_category: list[Bar] = field(default_factory=list)
    by_month: list[Bar] = field(default_factory=list)
    reports: list[ReportStatus] = field(default_factory=list)
    annual_notices: list = field(default_factory=list)
    report_late_from: datetime.date | None = None
    annual_notice_before: datetime.date | None = None
    deadlines: YearDeadlines | None = None  # the year's December dates on the working-day calendar

    @property
    def overdue_count(self) -> int:
        return sum(1 for a in self.approvals if a.overdue)


def spending_bars(committee: WorkingCommittee, year: int) -> tuple[list[Bar], list[Bar]]:
    """Net payments of the year (payments less their reversals) by category and by month, from
    the journal in one query."""
    out = DecimalField(**MONEY)
    payment = Q(kind=Kind.PAYMENT) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.PAYMENT)
    rows = (
        JournalEntry.objects.filter(payment, fund_year__community__committee=committee, fund_year__year=year)
        .annotate(month=ExtractMonth("entry_date"), category=Coalesce(F("project__category__number"), 0))
        .values("category", "month")
        .order_by()
        .annotate(net=Sum(F("debit") - F("credit"), output_field=out))
    )
    categories = {c.number: c.name for c in SpendingCategory.objects.all()}
    by_category = {number: ZERO for number in categories}
    by_month = {m: ZERO for m in range(1, 13)}
    for row in rows:
        net = _money(row["net"])
        by_category[row["category"]] = by_category.get(row["category"], ZERO) + net
        by_month[row["month"]] += net
    return (
        [Bar(categories.get(n, "未分类"), v) for n, v in sorted(by_category.items())],
        [Bar(f"{m}月", v) for m, v in sorted(by_month.items())],
    )


def committee_dashboard(
    *, committee: WorkingCommittee, year: int, today: datetime.date, calendar: WorkingCalendar | None = None
) -> Dashboard:
    """Everything the working committee watches across its communities, in a fixed number of
    queries (about 20) however many projects, notices and opinions there are."""
    calendar = calendar or WorkingCalendar()
    summary = committee_summary(committee=committee, year=year)
    communities = [row.community for row in summary.rows]
    dash = Dashboard(committee=committee, year=year, today=today, summary=summary)

    # Art. 11: the decision is due 5 working days after the form is received.
    waiting = (
        Project.objects.filter(community__committee=committee)
        .awaiting_approval()
        .select_related("community")
        .order_by("received_on", "pk")
    )
    for p in waiting[:LIST_LIMIT]:
        deadline = approval_deadline(p, calendar)
        overdue = deadline is not None and today > deadline.date
        left = None
        if deadline is not None and not overdue:
            left = calendar.working_days_between(today, deadline.date).days
        dash.approvals.append(ApprovalRow(p, deadline, overdue, left))

    horizon = calendar.add_working_days(today, NOTICE_HORIZON_WORKING_DAYS).date
    dash.notices_ending = list(
        Notice.objects.current()
        .filter(community__committee=committee, withdrawn_at__isnull=True, posted_on__lte=today)
        .filter(ends_on__gte=today, ends_on__lte=horizon)
        .select_related("community")
        .order_by("ends_on", "pk")[:LIST_LIMIT]
    )
    objections = Objection.objects.filter(
        notice__community__committee=committee, state__in=Objection.OPEN_STATES
    ).select_related("notice__community")
    dash.objections = list(objections.order_by("submitted_at", "pk")[:LIST_LIMIT])
    dash.objection_count = _count(dash.objections, objections)
    opinions = Opinion.objects.open().filter(community__committee=committee).select_related("community", "project")
    dash.opinions = list(opinions.order_by("raised_at", "pk")[:LIST_LIMIT])
    dash.opinion_count = _count(dash.opinions, opinions)
    unpaid = Project.objects.filter(
        community__committee=committee,
        status__in=(
            Status.ACCEPTED,
            Status.INVOICE_SIGNING_1,
            Status.INVOICE_SIGNING_2,
            Status.INVOICE_SIGNING_3,
            Status.SIGNED,
        ),
    ).select_related("community")
    dash.unpaid = list(unpaid.order_by("status_changed_at", "pk")[:LIST_LIMIT])
    if len(dash.unpaid) < LIST_LIMIT:
        dash.unpaid_total = _money(sum((p.approved_amount or ZERO for p in dash.unpaid), ZERO))
    else:
        dash.unpaid_total = _money(unpaid.aggregate(s=Sum("approved_amount"))["s"])
    dash.by_category, dash.by_month = spending_bars(committee, year)
    fund_years = {row.community.pk: row.fund_year for row in summary.rows if row.fund_year is not None}
    dash.reports = report_statuses(communities, year, today, fund_years)
    dash.annual_notices = annual_statuses(communities, year, fund_years, calendar)
    dash.report_late_from = report_late_from(year)
    dash.annual_notice_before = datetime.date(year, *ANNUAL_NOTICE_BEFORE)
    dash.deadlines = year_deadlines(year, calendar)
    return dash
