from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.sentences import sentence
from fundadmin.formats import money
from fundadmin.models import FundYear
from fundadmin.permissions import COMMITTEE_READ, can_view, check, scopes_with, visible_communities
from fundadmin.workdays import WorkingCalendar
from publicity.forms import DecisionForm as ObjectionDecisionForm
from publicity.models import Need, Notice, Objection

from . import actions, decisions, forms, listing, machine, process, services
from . import facts as project_facts
from .models import Document, Project
from .next_step import Holders, next_step
from .process import Status
from .selectors import (
    APPROVAL_STATES,
    last_receipt_overdue_by,
    small_group_usage,
    stepper,
    visible_projects,
)

LIST_PAGE = 50  # projects a page of the list
ZERO = Decimal("0.00")


def _visible_project(request, pk: int, *related: str) -> Project:
    project = get_object_or_404(
        Project.objects.select_related(
            "community__committee", "fund_year", "category", "proposer", "followup_user", *related
        ),
        pk=pk,
    )
    if not can_view(request.user, project):
        # Another community's project: as if it did not exist.
        raise Http404("没有找到该项目。")
    return project


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


@login_required
def project_list(request):
    """Every project the user may read, searched, filtered and ordered, LIST_PAGE a page; each
    row says whom the project waits for and by when (projects.listing)."""
    communities = visible_communities(request.user)
    # One community (a community's own people): nothing to choose, so no 全部社区 to choose from.
    one_community = not any(scopes_with(request.user, codename) for codename in COMMITTEE_READ) and (
        len(scopes_with(request.user, "view_community_records")) <= 1
    )
    years = (
        FundYear.objects.filter(community__in=communities).order_by("-year").values_list("year", flat=True).distinct()
    )
    form = forms.ProjectFilterForm(
        request.GET or None, communities=communities, years=list(years), one_community=one_community
    )
    projects = (
        visible_projects(request.user)
        .select_related("community__committee", "fund_year", "category")
        .with_budget_total()
    )
    today = timezone.localdate()
    calendar = WorkingCalendar()
    overdue_only = False
    sort = ""
    if form.is_valid():
        data = form.cleaned_data
        projects = listing.search(projects, data["q"])
        if data.get("community"):
            projects = projects.filter(community=data["community"])
        if data["year"]:
            projects = projects.filter(fund_year__year=data["year"])
        if data["category"]:
            projects = projects.filter(category=data["category"])
        if data["stage"] == "ended":
            projects = projects.filter(status__in=[Status.WITHDRAWN, Status.REJECTED])
        elif data["stage"]:
            projects = projects.filter(status__in=dict(process.STAGES)[data["stage"]])
        overdue_only = data["overdue"]
        sort = data["sort"]
    if overdue_only:
        projects = projects.filter(
            status__in=APPROVAL_STATES, received_on__lte=last_receipt_overdue_by(today, calendar)
        )
    projects = listing.ordered(projects, sort, today, calendar)
    page = Paginator(projects, LIST_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    rows = list(zip(shown, listing.waiting_rows(shown, today, calendar), strict=True))
    query = request.GET.copy()
    query.pop("page", None)
    can_propose = bool(scopes_with(request.user, "propose_project"))
    return render(
        request,
        "projects/list.html",
        {
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "form": form,
            "can_propose": can_propose,
            "one_community": one_community,
            "sort_label": dict(forms.ProjectFilterForm.SORTS).get(sort, ""),
            "searched": form.is_valid() and form.cleaned_data["q"].strip(),
            # The filters beyond the search and the order stay open once one is used.
            "filtered": any(request.GET.get(name) for name in ("community", "year", "stage", "category", "overdue")),
        },
    )


def _proposable(user):
    return [c for c in visible_communities(user).select_related("committee") if check(user, "propose_project", c)]


def _line_edit(request):
    """(data, editing_lines): the form's data, with a budget row added or removed when the person
    pressed "添加一行" / "删除此行" instead of saving (then nothing is validated or saved)."""
    if request.method != "POST":
        return None, False
    edited = forms.BudgetLineFormSet.edited(request.POST)
    return (request.POST, False) if edited is None else (edited, True)


def _form_context(form, lines, editing_lines: bool, **extra) -> dict:
    return {
        "form": form,
        "lines": lines,
        # After adding or removing a row the form is shown again as typed, without error messages.
        "hide_errors": editing_lines,
        "lines_total": lines.running_total(),
        **extra,
    }


@login_required
def project_create(request):
    communities = _proposable(request.user)
    if not communities:
        raise PermissionDenied("只有社区党委书记和委员可以提出项目。")
    fund_years = (
        FundYear.objects.open()
        .filter(community__in=communities)
        .select_related("community")
        .order_by("community__code", "-year")
    )
    needs = Need.objects.filter(community__in=communities)
    data, editing_lines = _line_edit(request)
    form = forms.ProjectForm(data, fund_years=fund_years, needs=needs)
    lines = forms.BudgetLineFormSet(data, prefix="lines")
    if data is not None and not editing_lines and form.is_valid() and lines.is_valid():
        fund_year = form.cleaned_data["fund_year"]
        chosen = [n for n in form.cleaned_data.get("needs", []) if n.community_id == fund_year.community_id]
        try:
            project = services.project_create(
                community=fund_year.community,
                fund_year=fund_year,
                by=request.user,
                fields=form.plan_fields(),
                lines=lines.lines(),
                needs=chosen,
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request, f"项目“{project.title}”已保存为草稿，编号 {project.number}。下一步：报请党工委初步同意。"
            )
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", _form_context(form, lines, editing_lines, creating=True))


@login_required
def project_edit(request, pk: int):
    project = _visible_project(request, pk)
    if not check(request.user, "propose_project", project):
        raise PermissionDenied("只有本社区党委书记和委员可以修改项目。")
    if not project.is_editable:
        messages.error(request, "项目已提交，不能再直接修改；实施中的变更请提出变更申请。")
        return redirect("projects:detail", pk=project.pk)
    needs = Need.objects.filter(community=project.community)
    data, editing_lines = _line_edit(request)
    form = forms.ProjectForm(data, instance=project, needs=needs)
    initial = [
        {
            "item": line.item,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "in_procurement_catalogue": line.in_procurement_catalogue,
        }
        for line in project.budget_lines.all()
    ]
    # Once posted, the rows typed are the truth: no initial rows to compare them against.
    lines = forms.BudgetLineFormSet(data, prefix="lines", initial=None if data is not None else initial)
    if data is not None and not editing_lines and form.is_valid() and lines.is_valid():
        try:
            services.project_update(
                project=project,
                by=request.user,
                fields=form.plan_fields(),
                lines=lines.lines(),
                needs=form.cleaned_data.get("needs", []),
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, "已保存。")
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", _form_context(form, lines, editing_lines, project=project))


@login_required
def project_detail(request, pk: int):
    project = _visible_project(request, pk, "invoice", "settlement")
    # The meetings, notices, documents, change requests, reviews and signatures the page shows are
    # the rows the rules behind its steps read (projects.facts): loaded once, for both.
    prefetch_related_objects([project], "budget_lines")
    calendar = WorkingCalendar()
    today = timezone.localdate()
    # Everything the page shows, and the year's money only where a step here reads it.
    kinds = (project_facts.KINDS - {"money"}) | project_facts.reads_in(project.status)
    facts = project_facts.load([project], kinds=kinds, page=True, calendar=calendar)[0]
    notices = facts.notices
    plan_notice = max(
        (n for n in notices if n.kind == Notice.Kind.PLAN and n.is_current), key=lambda n: n.posted_on, default=None
    )
    invoice = getattr(project, "invoice", None)  # joined by _visible_project
    context = {
        "project": project,
        "steps": stepper(project),
        "next": next_step(project, facts, Holders([project], today), today=today),
        "offered": actions.offered(project, request.user, facts),
        "lines": project.budget_lines.all(),
        "budget_total": facts.budget_total,
        "documents": facts.documents,
        "reviews": facts.reviews,
        "meetings": project.meetings.all(),
        "notices": notices,
        "plan_notice": plan_notice,
        "changes": facts.change_requests,
        "versions": project.plan_versions.all(),
        "progress": project.progress_notes.select_related("recorded_by"),
        "inspections": project.inspections.all(),
        "invoice": invoice,
        "signatures": sorted(facts.signatures, key=lambda s: s.order) if invoice else [],
        "settlement": getattr(project, "settlement", None),
        "timeline": [(e, sentence(e)) for e in AuditEvent.objects.filter(project_id=project.pk).order_by("-seq")],
        "can_supervise": check(request.user, "supervise_community", project),
        "can_edit": project.is_editable and check(request.user, "propose_project", project),
        "can_read_trail": check(request.user, "supervise_community", project)
        or check(request.user, "view_committee_records", project),
        "small_group": small_group_usage(project.fund_year, exclude=project) if project.is_small_group else None,
        "document_form": forms.DocumentForm(project=project, documents=facts.documents),
        "can_upload": services.may_upload_documents(request.user, project),
        "today": today,
    }
    return render(request, "projects/detail.html", context)


def _decision_context(step, project: Project, facts, form, today, calendar) -> dict:
    """What the step's page shows beside its form (projects.decisions), and the form prefilled
    or extended where the decision asks it: the reason of a late approval, the settlement's
    figures."""
    context: dict = {}
    if step in decisions.APPROVAL_STEPS:
        clock = decisions.approval_clock(project, today, calendar)
        context |= {
            "approval": True,
            "clock": clock,
            "lines": project.budget_lines.all(),
            "money": decisions.year_money(project, facts, facts.budget_total),
            "plan_notice": decisions.plan_notice(project, facts),
            "meeting": project.meetings.order_by("-held_on", "-pk").first(),
            "reviews": facts.reviews,
        }
        if step in decisions.APPROVING_STEPS and clock is not None and clock.overdue:
            forms.ask_late_reason(form, clock.due, clock.late_working_days)
    if step in decisions.SIGNATURE_STEPS or step in decisions.SETTLEMENT_STEPS:
        invoice = decisions.invoice_of(project)
        context |= {
            "invoice": invoice,
            "scans": decisions.current_documents(facts, [Document.Kind.INVOICE]),
            "signatures": sorted(facts.signatures, key=lambda s: s.order),
            "signature_steps": [s for s in process.STEPS if s in decisions.SIGNATURE_STEPS],
        }
    if step in decisions.SIGNATURE_STEPS:
        context["signing"] = True
    if step in decisions.SETTLEMENT_STEPS:
        initial = decisions.settlement_initial(project, context["invoice"], today)
        if not form.is_bound:
            form.initial.update(initial)
        context |= {
            "settling": True,
            "vouchers": decisions.current_documents(facts, step.documents),
            "settle_amount": initial.get("amount"),
            "approved_left": (project.approved_amount or ZERO) - (initial.get("amount") or ZERO),
        }
    if step in decisions.CHANGE_STEPS:
        context["limits"] = decisions.change_limits(project, facts)
        pending = facts.pending_change
        if step is process.DECIDE_CHANGE and pending is not None:
            context["pending_problem"] = services.change_money_problem(project, pending.new_amount)
    return context


@login_required
def project_act(request, pk: int, action: str):
    project = _visible_project(request, pk)
    step = actions.PAGE_STEPS.get(action)
    if step is None or step not in project.state.steps:
        messages.error(request, f"项目当前状态为“{project.get_status_display()}”，不能办理此事项。")
        return redirect("projects:detail", pk=project.pk)
    today = timezone.localdate()
    calendar = WorkingCalendar()
    facts = project_facts.load([project], kinds=decisions.kinds_for(step), page=True, today=today, calendar=calendar)[0]
    verdict = machine.verdict(step, project, request.user, facts)
    posted = request.method == "POST"
    form = actions.form_for(step, project, request.POST if posted else None)
    context = _decision_context(step, project, facts, form, today, calendar) if verdict.mine else {}
    over_limit = None
    if posted and verdict and form.is_valid():
        if step is process.REQUEST_CHANGE:
            # Say before it goes to the committee that the year cannot bear it (Art. 7(2), 13):
            # the committee decides, at consent, with the money of that day; the community sends
            # it knowing, by sending the same amount again.
            amount = form.cleaned_data["new_amount"]
            problems = decisions.change_problems(project, facts, amount)
            if problems and request.POST.get("acknowledged") != str(amount):
                over_limit = (problems, amount)
        if over_limit is None:
            try:
                result = actions.run(step, project, request.user, form.cleaned_data)
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "您没有办理此事项的权限。")
            else:
                project.refresh_from_db()
                if step in decisions.SETTLEMENT_STEPS:
                    return _after_settlement(request, project, result)
                messages.success(request, f"已办理：{step.label}。项目现在的状态：{project.get_status_display()}。")
                return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/act.html",
        {
            "project": project,
            "step": step,
            "form": form,
            "verdict": verdict,
            "pending_change": facts.pending_change if "change_requests" in facts.loaded else None,
            "budget_total": project.budget_total,
            "small_group": small_group_usage(project.fund_year, exclude=project)
            if project.is_small_group and "money" not in facts.loaded
            else None,
            "over_limit": over_limit,
            "today": today,
            **context,
        },
        # Refused for who one is (the role, the separation of duties): 403. A rule that does not hold
        # yet is said on the page like any other answer.
        status=403 if posted and verdict.denied else 200,
    )


def _after_settlement(request, project: Project, settlement) -> HttpResponse:
    """Finance lands where its own next step is (UX.md "Long work and empty rooms"): the inbox,
    with the next payment waiting or, when none is, what finance can do — and a message that
    says what was posted, where, and who acts on the project next."""
    book = reverse("ledger:book", args=[project.community.code, project.fund_year.year])
    told = next_step(project, project_facts.load([project])[0], Holders([project]))
    messages.success(
        request,
        format_html(
            '已结算「{}」：向 {} 支付 {}，已记入{}经费台账（<a href="{}">查看台账</a>）。{}',
            project.title,
            settlement.payee,
            money(settlement.amount),
            project.community.name,
            book,
            told.sentence,
        ),
    )
    return redirect("inbox")


@login_required
@require_POST
def document_upload(request, pk: int):
    project = _visible_project(request, pk)
    verdict = services.may_upload_documents(request.user, project)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    form = forms.DocumentForm(request.POST, request.FILES, project=project)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("projects:detail", pk=project.pk)
    replaces = form.cleaned_data["replaces"]
    try:
        with transaction.atomic():
            doc = services.document_upload(
                project=project,
                by=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                replaces=replaces,
            )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已上传：{doc.get_kind_display()}（SHA-256 {doc.sha256[:12]}…）。")
    return redirect("projects:detail", pk=project.pk)


@login_required
def document_download(request, pk: int, doc_pk: int):
    project = _visible_project(request, pk)
    doc = get_object_or_404(Document, pk=doc_pk, project=project)
    response = FileResponse(
        doc.file.open("rb"), content_type=doc.content_type, as_attachment=False, filename=doc.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


# -- the seam with the notice board: what an objection or a withdrawn notice means for the project --


@login_required
@require_POST
def objection_decide(request, pk: int):
    """The working committee's decision on an objection, from the notice board's staff page."""
    objection = get_object_or_404(Objection.objects.select_related("notice__community__committee"), pk=pk)
    if not can_view(request.user, objection.notice):
        raise Http404("没有找到该异议。")
    code = objection.notice.community.code
    form = ObjectionDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("publicity:staff_objections", code=code)
    outcome = form.cleaned_data["outcome"]
    try:
        services.objection_decide(
            objection=objection,
            by=request.user,
            upheld=outcome != "dismiss",
            shelve=outcome == "shelve",
            decision=form.cleaned_data["decision"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已作出决定。")
    return redirect("publicity:staff_objections", code=code)


@login_required
@require_POST
def notice_repost(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("community__committee", "project"), pk=pk)
    if not can_view(request.user, notice):
        raise Http404("没有找到该公示。")
    try:
        services.notice_repost(notice=notice, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已重新张贴公示，公示期重新计算。")
    return redirect("publicity:staff_notices", code=notice.community.code)
