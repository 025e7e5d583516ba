"""The second floor of the staff pages (issue 17): for each staff page, the same rows it shows,
read by one bare query per section (``values_list``, no model instances, no rules, no sentences)
and rendered by a bare template — the honest limit for a page of many sections. A page's ratio
to it is the price of its features (its rules, its sentences, its links), not of its size.

Mounted by bench/staff_urls.py under /_floor2/<page>/, behind the same middleware and login as
the application's pages, so the session, the user and the header's work are in both.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.template import engines

SECTIONS = engines["django"].from_string(
    "<!doctype html><html lang='zh-Hans'><title>floor</title>"
    "{% for name, rows in sections %}<h2>{{ name }}</h2><table>"
    "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
    "</table>{% endfor %}</html>"
)


def _project(q):
    from audit.models import AuditEvent
    from projects.models import (
        BudgetLine,
        ChangeRequest,
        Document,
        Inspection,
        JointMeeting,
        PlanVersion,
        ProgressNote,
        Project,
        Review,
        Signature,
    )
    from publicity.models import Need, Notice
    from supervision.models import Opinion

    pk = int(q["pk"])
    return [
        (
            "项目",
            Project.objects.filter(pk=pk).values_list(
                "number",
                "title",
                "status",
                "category__name",
                "community__name",
                "fund_year__year",
                "proposer__username",
            ),
        ),
        ("预算", BudgetLine.objects.filter(project=pk).values_list("item", "quantity", "unit", "amount")),
        ("需求", Need.objects.filter(projects=pk).values_list("channel", "received_on", "content")),
        ("会议", JointMeeting.objects.filter(project=pk).values_list("held_on", "attendee_count", "votes_for")),
        ("公示", Notice.objects.filter(project=pk).values_list("kind", "title", "posted_on", "ends_on")),
        ("审核", Review.objects.filter(project=pk).values_list("kind", "outcome", "decided_by__username")),
        ("方案版本", PlanVersion.objects.filter(project=pk).values_list("number", "amount", "created_at")),
        ("变更", ChangeRequest.objects.filter(project=pk).values_list("reason", "new_amount", "status")),
        ("进度", ProgressNote.objects.filter(project=pk).values_list("noted_on", "note", "recorded_by__username")),
        ("验收", Inspection.objects.filter(project=pk).values_list("inspected_on", "quality_grade", "passed")),
        ("签字", Signature.objects.filter(invoice__project=pk).values_list("order", "role", "signer__username")),
        ("文件", Document.objects.filter(project=pk).values_list("kind", "title", "uploaded_at")),
        ("监督意见", Opinion.objects.filter(Q(project=pk) | Q(notice__project=pk)).values_list("subject", "text")),
        ("记录", AuditEvent.objects.filter(project_id=pk).order_by("-seq").values_list("seq", "action", "actor_name")),
    ]


def _inbox(q, user):
    from fundadmin.models import RoleAssignment
    from fundadmin.permissions import visible_communities
    from projects.inbox import _candidates
    from publicity.models import Need, Notice, Objection
    from supervision.selectors import opinions_to_answer

    mine = visible_communities(user).values("pk")
    return [
        ("项目", _candidates(user).values_list("number", "title", "status", "community__name", "status_changed_at")),
        (
            "公示",
            Notice.objects.filter(project__in=_candidates(user).values("pk")).values_list("project", "kind", "ends_on"),
        ),
        (
            "异议",
            Objection.objects.filter(notice__community__in=mine, state__in=Objection.OPEN_STATES).values_list(
                "notice__title", "state"
            ),
        ),
        (
            "需求",
            Need.objects.filter(community__in=mine, outcome=Need.Outcome.RECEIVED)
            .values("community")
            .annotate(n=Count("pk"))
            .values_list("community", "n"),
        ),
        ("意见", opinions_to_answer(user).values_list("subject", "text")),
        (
            "角色",
            RoleAssignment.objects.active().filter(user=user).values_list("role", "community__name", "committee__name"),
        ),
    ]


def _dashboard(q):
    from fundadmin.models import Community
    from ledger.models import CommitmentEntry, JournalEntry
    from projects.models import Project
    from projects.selectors import APPROVAL_STATES
    from publicity.models import Notice, Objection
    from supervision.models import AnnualReport, Finding, Opinion

    committee, year = q["committee"], int(q["year"])
    mine = Q(community__committee__code=committee)
    return [
        ("社区", Community.objects.filter(committee__code=committee).values_list("code", "name")),
        (
            "资金",
            JournalEntry.objects.filter(fund_year__community__committee__code=committee, fund_year__year=year)
            .values("fund_year")
            .annotate(d=Sum("debit"), c=Sum("credit"))
            .values_list("fund_year", "d", "c"),
        ),
        (
            "占用",
            CommitmentEntry.objects.filter(fund_year__community__committee__code=committee, fund_year__year=year)
            .values("fund_year")
            .annotate(a=Sum("amount"))
            .values_list("fund_year", "a"),
        ),
        (
            "待审批",
            Project.objects.filter(mine, status__in=APPROVAL_STATES).values_list("number", "title", "received_on")[:50],
        ),
        (
            "公示",
            Notice.objects.filter(mine, ends_on__isnull=False)
            .order_by("-ends_on")
            .values_list("title", "ends_on")[:50],
        ),
        (
            "异议",
            Objection.objects.filter(
                notice__community__committee__code=committee, state__in=Objection.OPEN_STATES
            ).values_list("notice__title", "state")[:50],
        ),
        ("意见", Opinion.objects.filter(mine).values_list("subject", "text")[:50]),
        (
            "待付款",
            Project.objects.filter(mine, status__in=("accepted", "signed")).values_list("number", "approved_amount")[
                :50
            ],
        ),
        (
            "支出",
            JournalEntry.objects.filter(
                fund_year__community__committee__code=committee, fund_year__year=year, kind="payment"
            )
            .values("project__category__number", "entry_date__month")
            .annotate(s=Sum("debit"))
            .values_list("project__category__number", "entry_date__month", "s"),
        ),
        ("年度报告", AnnualReport.objects.filter(mine, year=year).values_list("community__name", "submitted_at")),
        (
            "年度公示",
            Notice.objects.filter(mine, kind=Notice.Kind.ANNUAL, fund_year__year=year).values_list(
                "title", "posted_on"
            ),
        ),
        ("指标", Finding.objects.filter(Q(committee__code=committee) | mine).values_list("kind", "key", "year")[:50]),
    ]


def _book(q):
    from fundadmin.models import FundYear
    from ledger.models import CommitmentEntry, JournalEntry

    where = {"fund_year__community__code": q["code"], "fund_year__year": int(q["year"])}
    return [
        (
            "年度",
            FundYear.objects.filter(community__code=q["code"], year=int(q["year"])).values_list("year", "allocation"),
        ),
        (
            "明细",
            JournalEntry.objects.filter(**where)
            .order_by("entry_date", "voucher_no")
            .values_list("voucher_no", "entry_date", "summary", "debit", "credit", "project__number"),
        ),
        (
            "占用",
            CommitmentEntry.objects.filter(**where)
            .values("project__number")
            .annotate(a=Sum("amount"))
            .values_list("project__number", "a"),
        ),
    ]


def _ledger(q):
    from fundadmin.models import Community
    from ledger.models import CommitmentEntry, JournalEntry

    where = {"fund_year__community__committee__code": q["committee"], "fund_year__year": int(q["year"])}
    return [
        ("社区", Community.objects.filter(committee__code=q["committee"]).values_list("code", "name")),
        (
            "资金",
            JournalEntry.objects.filter(**where)
            .values("fund_year")
            .annotate(d=Sum("debit"), c=Sum("credit"))
            .values_list("fund_year", "d", "c"),
        ),
        (
            "占用",
            CommitmentEntry.objects.filter(**where)
            .values("fund_year")
            .annotate(a=Sum("amount"))
            .values_list("fund_year", "a"),
        ),
    ]


def _timeline(q):
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(community__code=q["code"])
    return [
        ("记录", events.order_by("-seq").values_list("seq", "created_at", "actor_name", "action", "object_repr")[:50]),
        ("条数", [(events.count(),)]),
    ]


def _list(q):
    from projects.models import Project

    projects = Project.objects.filter(community__committee__code=q["committee"])
    return [
        (
            "项目",
            projects.order_by("-created_at").values_list(
                "number", "title", "status", "community__name", "fund_year__year"
            )[:50],
        ),
        ("条数", [(projects.count(),)]),
    ]


def sections(page: str, q, user) -> list:
    if page == "inbox":
        return _inbox(q, user)
    found = {
        "project": _project,
        "dashboard": _dashboard,
        "book": _book,
        "ledger": _ledger,
        "timeline": _timeline,
        "list": _list,
    }.get(page)
    if found is None:
        raise Http404(page)
    return found(q)


def view(request, page: str):
    from django.http import HttpResponse

    rows = [(name, list(query)) for name, query in sections(page, request.GET, request.user)]
    return HttpResponse(SECTIONS.render({"sections": rows}))
