"""Supervision pages. Thin: check the permission, validate a form, call a service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exports.models import Export
from exports.services import export_current
from exports.views import serve as serve_export
from fundadmin.models import Community, FundYear, WorkingCommittee
from fundadmin.permissions import can_view, can_view_committee, check, require
from fundadmin.workdays import CONVENTION_NOTE, WorkingCalendar
from projects.models import Project
from projects.process import Stage

from . import services
from .charts import bar_chart_svg, chart_table
from .dossier import dossier_zip as build_zip
from .exports import DOSSIER
from .forms import AnswerForm, EvaluationForm, OpinionForm, ReportForm
from .indicators.selectors import (
    finding_for,
    findings_for_report,
    latest_run,
    may_see_indicators,
    opinion_prefill,
    watched_communities,
)
from .indicators.views import indicator_panel
from .models import AnnualReport, Opinion, report_late_from
from .selectors import (
    committee_dashboard,
    committees_with,
    communities_with,
    current_evaluation,
    report_snapshot,
    report_statuses,
    snapshot_hash,
)


def _community(request, code: str) -> Community:
    community = get_object_or_404(Community.objects.select_related("committee"), code=code)
    if not can_view(request.user, community):
        raise Http404("没有找到该社区。")
    return community


@login_required
@require_GET
def home(request):
    """Where a supervisor (or the working committee) starts: the communities they watch."""
    supervised = communities_with(request.user, "supervise_community").select_related("committee")
    committees = committees_with(request.user, "view_committee_records").prefetch_related("communities")
    acting = communities_with(request.user, "act_for_community").select_related("committee")
    context = {
        "supervised": supervised,
        "committees": committees,
        "acting": acting,
        "year": timezone.localdate().year,
        "city": bool(committees_with(request.user, "oversee_city").exists()),
    }
    if may_see_indicators(request.user):
        context.update(indicator_panel(request, communities=watched_communities(request.user)))
    return render(request, "supervision/home.html", context)


# -- opinions --------------------------------------------------------------------------------------


@login_required
@require_GET
def opinion_list(request, community: str):
    community = _community(request, community)
    opinions = (
        Opinion.objects.filter(community=community)
        .select_related("project", "notice")
        .order_by(F("answered_at").asc(nulls_first=True), "-raised_at", "-pk")  # unanswered first, on both databases
    )
    return render(
        request,
        "supervision/opinion_list.html",
        {
            "community": community,
            "opinions": opinions[:500],
            "can_raise": check(request.user, "supervise_community", community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_new(request, community: str):
    community = _community(request, community)
    require(request.user, "supervise_community", community)
    initial = {}
    if request.GET.get("project", "").isdecimal():
        initial["project"] = int(request.GET["project"])
    if request.GET.get("notice", "").isdecimal():
        initial.update(notice=int(request.GET["notice"]), subject=Opinion.Subject.NOTICE)
    # Filed from an integrity indicator (Art. 19): its evidence is the opinion's first draft.
    raw = (request.POST if request.method == "POST" else request.GET).get("finding", "")
    finding = finding_for(request.user, int(raw)) if raw.isdecimal() else None
    if finding is not None and request.method == "GET":
        initial.update(finding=finding.pk, text=opinion_prefill(finding), subject=Opinion.Subject.PROJECT)
        if finding.project_id and finding.project.community_id == community.pk:
            initial["project"] = finding.project_id
        else:
            ours = [
                e["id"]
                for e in finding.evidence
                if e.get("type") == "project" and e.get("community_id", finding.community_id) == community.pk
            ]
            if ours:
                initial["project"] = ours[0]
    form = OpinionForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            opinion = services.opinion_record(
                community=community,
                by=request.user,
                subject=d["subject"],
                addressed_to=d["addressed_to"],
                text=d["text"],
                project=d.get("project"),
                notice=d.get("notice"),
                finding=finding,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, f"监督意见已记录，等待{opinion.get_addressed_to_display()}答复。")
            return redirect("supervision:opinion_detail", pk=opinion.pk)
    return render(request, "supervision/opinion_form.html", {"community": community, "form": form, "finding": finding})


def _visible_opinion(request, pk: int) -> Opinion:
    opinion = get_object_or_404(
        Opinion.objects.select_related("community__committee", "project", "notice", "settlement"), pk=pk
    )
    if not can_view(request.user, opinion.community):
        raise Http404("没有找到该监督意见。")
    return opinion


def _may_answer(user, opinion: Opinion):
    return check(user, Opinion.ANSWER_PERMISSION[Opinion.Addressee(opinion.addressed_to)], opinion.community)


@login_required
@require_GET
def opinion_detail(request, pk: int):
    opinion = _visible_opinion(request, pk)
    may_answer = opinion.is_open and _may_answer(request.user, opinion)
    return render(
        request,
        "supervision/opinion_detail.html",
        {"opinion": opinion, "form": AnswerForm() if may_answer else None},
    )


@login_required
@require_POST
def opinion_answer(request, pk: int):
    opinion = _visible_opinion(request, pk)
    verdict = _may_answer(request.user, opinion)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.opinion_answer(opinion=opinion, by=request.user, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "已答复监督意见。")
            return redirect("supervision:opinion_detail", pk=opinion.pk)
    return render(request, "supervision/opinion_detail.html", {"opinion": opinion, "form": form}, status=400)


# -- the working committee's dashboard -------------------------------------------------------------


@login_required
@require_GET
def dashboard(request, committee: str, year: int | None = None):
    committee = get_object_or_404(WorkingCommittee, code=committee)
    verdict = can_view_committee(request.user, committee)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    today = timezone.localdate()
    dash = committee_dashboard(committee=committee, year=year or today.year, today=today, calendar=WorkingCalendar())
    panel = indicator_panel(
        request, communities=[row.community for row in dash.summary.rows], committee_id=committee.pk, year=dash.year
    )
    return render(
        request,
        "supervision/dashboard.html",
        {
            **panel,
            "dash": dash,
            "category_chart": bar_chart_svg(dash.by_category, title=f"{dash.year}年度支出（按使用范围）"),
            "category_text": chart_table(dash.by_category),
            "month_chart": bar_chart_svg(dash.by_month, title=f"{dash.year}年度支出（按月份）"),
            "month_text": chart_table(dash.by_month),
            "convention_note": CONVENTION_NOTE,
            # Where the approvals the panel does not list are: the project list, at the approval stage.
            "approvals_url": f"{reverse('projects:list')}?{urlencode({'stage': Stage.APPROVAL.value})}",
            "payment_url": f"{reverse('projects:list')}?{urlencode({'stage': Stage.PAYMENT.value})}",
            "overdue_url": f"{reverse('projects:list')}?{urlencode({'overdue': 'on'})}",
        },
    )


# -- the annual report (Art. 16) -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_prepare(request, community: str, year: int):
    community = _community(request, community)
    fund_year = get_object_or_404(FundYear, community=community, year=year)
    fund_year.community = community
    existing = AnnualReport.objects.filter(fund_year=fund_year).first()
    if existing is not None:
        return redirect("supervision:report_detail", pk=existing.pk)
    require(request.user, "act_for_community", community)
    snapshot = report_snapshot(fund_year)
    form = ReportForm(request.POST or None, initial={"reviewed_hash": snapshot_hash(snapshot)})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.annual_report_submit(
                fund_year=fund_year,
                by=request.user,
                narrative=form.cleaned_data["narrative"],
                reviewed_hash=form.cleaned_data["reviewed_hash"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            note = "（已逾期，报告已标注为逾期报送）" if report.is_late else ""
            messages.success(request, f"{year}年度报告已报送党工委{note}。")
            return redirect("supervision:report_detail", pk=report.pk)
    return render(
        request,
        "supervision/report_form.html",
        {
            "community": community,
            "year": year,
            "s": snapshot,
            "form": form,
            "late_from": report_late_from(year),
            "today": timezone.localdate(),
        },
    )


def _visible_report(request, pk: int) -> AnnualReport:
    report = get_object_or_404(AnnualReport.objects.select_related("community__committee", "fund_year"), pk=pk)
    if not can_view(request.user, report.community):
        raise Http404("没有找到该报告。")
    return report


@login_required
@require_GET
def report_detail(request, pk: int):
    report = _visible_report(request, pk)
    may_evaluate = check(request.user, "evaluate_report", report.community.committee)
    return render(
        request,
        "supervision/report_detail.html",
        {
            "report": report,
            "s": report.snapshot,
            "evaluations": list(report.evaluations.all()),
            "current": current_evaluation(report),
            "form": EvaluationForm() if may_evaluate else None,
            **_report_indicators(request, report),
        },
    )


def _report_indicators(request, report: AnnualReport) -> dict:
    """Art. 16 with Art. 19: the year's integrity indicators of the community beside its report,
    for those who see indicators (the committee evaluating it, supervisors, city oversight)."""
    if not may_see_indicators(request.user):
        return {}
    run = latest_run()
    return {"report_indicators": findings_for_report(report, run), "indicator_run": run, "show_indicators": True}


@login_required
@require_POST
def report_evaluate(request, pk: int):
    report = _visible_report(request, pk)
    require(request.user, "evaluate_report", report.community.committee)
    form = EvaluationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.report_evaluate(
                report=report, by=request.user, score=d.get("score"), grade=d.get("grade") or "", comments=d["comments"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "评议结果已保存。")
            return redirect("supervision:report_detail", pk=report.pk)
    context = {
        "report": report,
        "s": report.snapshot,
        "evaluations": list(report.evaluations.all()),
        "current": current_evaluation(report),
        "form": form,
        **_report_indicators(request, report),
    }
    return render(request, "supervision/report_detail.html", context, status=400)


@login_required
@require_GET
def report_list(request, committee: str, year: int):
    committee = get_object_or_404(WorkingCommittee, code=committee)
    verdict = can_view_committee(request.user, committee)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    today = timezone.localdate()
    statuses = report_statuses(committee.communities.order_by("code"), year, today)
    return render(
        request,
        "supervision/report_list.html",
        {"committee": committee, "year": year, "statuses": statuses, "late_from": report_late_from(year)},
    )


# -- the dossier -----------------------------------------------------------------------------------


def _dossier_project(request, pk: int):

    project = get_object_or_404(Project.objects.select_related("community__committee"), pk=pk)
    if not can_view(request.user, project):
        raise Http404("没有找到该项目。")
    return project


def _dossier_back(project) -> str:
    return reverse("projects:detail", args=[project.pk])


@login_required
@require_http_methods(["GET", "POST"])
def dossier_pdf(request, pk: int):
    """Rendered by the worker (supervision.exports): the stored file, or a page with the progress."""
    project = _dossier_project(request, pk)
    return serve_export(request, kind=DOSSIER.name, key=str(project.pk), obj=project, back=_dossier_back(project))


@login_required
@require_http_methods(["GET", "POST"])
def dossier_zip(request, pk: int):

    project = _dossier_project(request, pk)
    export = export_current(kind=DOSSIER.name, key=str(project.pk), obj=project, by=request.user)
    if request.method == "POST" or export.state != Export.State.DONE:
        # The ZIP carries the dossier PDF: wait for it (the page reloads this address).
        return serve_export(request, kind=DOSSIER.name, key=str(project.pk), obj=project, back=_dossier_back(project))
    with export.file.open("rb") as stored:
        pdf = stored.read()
    archive, _ = build_zip(project, pdf=pdf)
    return FileResponse(
        archive, as_attachment=True, filename=f"dossier-{project.number}.zip", content_type="application/zip"
    )
