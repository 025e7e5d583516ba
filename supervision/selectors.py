"""Reads of the supervision app: opinions, the annual report's generated figures and status, and
the working committee's dashboard — each in a bounded number of queries whatever the data size."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from fundadmin.models import MONEY, Community, FundYear, SpendingCategory, WorkingCommittee
from fundadmin.permissions import scopes_with
from fundadmin.workdays import Deadline, WorkingCalendar, YearDeadlines, year_deadlines
from ledger.models import JournalEntry, Kind
from ledger.selectors import committee_summary
from projects.figures import year_figures
from projects.models import Project
from projects.process import ENDED_STATES, Status
from projects.selectors import approval_deadline, last_receipt_overdue_by, with_current_amount
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


def report_snapshot(fund_year: FundYear) -> dict:
    """The year's figures as the report freezes them (``projects.figures``, the same figures as
    the annual summary), with what the report adds: each project's acceptance result, residents'
    satisfaction from the inspections and the projects counted by outcome (Art. 7(2), 12, 13, 16).
    Generated, never typed."""
    projects = list(
        with_current_amount(fund_year.projects.exclude(status=Status.DRAFT))
        .select_related("category", "settlement")
        .prefetch_related("inspections")
        .order_by("number")
    )
    data = year_figures(fund_year, projects)
    respondents, satisfied = 0, 0
    done_states = (Status.PAID, Status.COMPLETION_NOTICE, Status.CLOSED)
    counts = {"total": len(projects), "completed": 0, "in_progress": 0, "ended": 0}
    for p, row in zip(projects, data["projects"], strict=True):
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
        row["quality"] = inspection.get_quality_grade_display() if inspection else ""
        row["satisfaction_percent"] = str(inspection.satisfaction_percent) if inspection else ""
    satisfaction = (Decimal(satisfied) * 100 / respondents).quantize(Decimal("0.1")) if respondents else None
    data["counts"] = counts
    data["satisfaction"] = {
        "respondents": respondents,
        "satisfied": satisfied,
        "percent": str(satisfaction) if satisfaction is not None else "",
    }
    return data


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


def _approval_counts(waiting, shown: list, today: datetime.date, calendar: WorkingCalendar) -> tuple[int, int]:
    """All the projects awaiting approval and the overdue among them; no query unless cut off."""
    if len(shown) < LIST_LIMIT:
        return len(shown), sum(1 for a in shown if a.overdue)
    counts = waiting.order_by().aggregate(
        n=Count("pk"), late=Count("pk", filter=Q(received_on__lte=last_receipt_overdue_by(today, calendar)))
    )
    return counts["n"], counts["late"]


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
    approvals: list[ApprovalRow] = field(default_factory=list)  # the first LIST_LIMIT, earliest deadline first
    approval_count: int = 0  # all of them, not the LIST_LIMIT shown
    approval_overdue_count: int = 0  # over all of them too (Art. 11)
    notices_ending: list = field(default_factory=list)
    objections: list = field(default_factory=list)
    objection_count: int = 0
    opinions: list = field(default_factory=list)
    opinion_count: int = 0
    unpaid: list = field(default_factory=list)
    unpaid_total: Decimal = ZERO
    unpaid_count: int = 0
    by_category: list[Bar] = field(default_factory=list)
    by_month: list[Bar] = field(default_factory=list)
    reports: list[ReportStatus] = field(default_factory=list)
    annual_notices: list = field(default_factory=list)
    report_late_from: datetime.date | None = None
    annual_notice_before: datetime.date | None = None
    deadlines: YearDeadlines | None = None  # the year's December dates on the working-day calendar

    @property
    def overdue_count(self) -> int:
        return self.approval_overdue_count

    @property
    def approvals_hidden(self) -> int:
        """How many waiting approvals the panel does not list (it says so, and links to them)."""
        return self.approval_count - len(self.approvals)


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
        # Earliest deadline first; a form not yet received has no deadline and comes last, on
        # SQLite as on PostgreSQL (they put NULLs at opposite ends unless told).
        .order_by(F("received_on").asc(nulls_last=True), "pk")
    )
    for p in waiting[:LIST_LIMIT]:
        deadline = approval_deadline(p, calendar)
        overdue = deadline is not None and today > deadline.date
        left = None
        if deadline is not None and not overdue:
            left = calendar.working_days_between(today, deadline.date).days
        dash.approvals.append(ApprovalRow(p, deadline, overdue, left))
    # The counts are over every waiting project, not the rows shown: one query, the overdue ones
    # by the latest receipt date whose deadline has passed (a filter, not a deadline per row).
    dash.approval_count, dash.approval_overdue_count = _approval_counts(waiting, dash.approvals, today, calendar)

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
        dash.unpaid_count = len(dash.unpaid)
    else:  # cut off: the count and the sum are over all of them
        total = unpaid.order_by().aggregate(s=Sum("approved_amount"), n=Count("pk"))
        dash.unpaid_total, dash.unpaid_count = _money(total["s"]), total["n"]
    dash.by_category, dash.by_month = spending_bars(committee, year)
    fund_years = {row.community.pk: row.fund_year for row in summary.rows if row.fund_year is not None}
    dash.reports = report_statuses(communities, year, today, fund_years)
    dash.annual_notices = annual_statuses(communities, year, fund_years, calendar)
    dash.report_late_from = report_late_from(year)
    dash.annual_notice_before = datetime.date(year, *ANNUAL_NOTICE_BEFORE)
    dash.deadlines = year_deadlines(year, calendar)
    return dash
