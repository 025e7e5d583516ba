"""Staff pages of publicity: a community's notices (correct, withdraw, photo, repost), objections
to answer and decide, residents' needs, the annual summary and the committee's overview.

Views are thin: check reading rights, validate a form, call a service, redirect. Every state
change is POST-only; the service checks the acting permission and says why it refuses.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fundadmin.models import Community, FundYear, WorkingCommittee
from fundadmin.permissions import can_view, can_view_committee, check
from fundadmin.workdays import CONVENTION_NOTE, PROVISIONAL_NOTE

from . import selectors, services
from .annual import annual_due_date, annual_snapshot, annual_statuses, annual_title
from .forms import (
    AnnualPublishForm,
    AnswerForm,
    CorrectionForm,
    DecisionForm,
    PhotoForm,
    ReasonForm,
    ResponseForm,
    StaffNeedForm,
)
from .models import Need, Notice, Objection

PERIOD_NOTES = {"convention_note": CONVENTION_NOTE, "provisional_note": PROVISIONAL_NOTE}


def _readable(user, obj) -> None:
    verdict = can_view(user, obj)
    if not verdict:
        raise PermissionDenied(verdict.reason)


def _community(user, code: str) -> Community:
    community = get_object_or_404(Community.objects.select_related("committee"), code=code)
    _readable(user, community)
    return community


def _done(request, action, success: str, to: str, **kwargs):
    """Run a service; a refusal becomes a message on the page the user came from."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(to, **kwargs)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# -- notices ----------------------------------------------------------------------------------------


@login_required
@require_GET
def notices(request, code):
    community = _community(request.user, code)
    today = timezone.localdate()
    rows = (
        Notice.objects.filter(community=community)
        .select_related("project", "fund_year", "superseded_by")
        .annotate(open_objections=Count("objections", filter=Q(objections__state__in=Objection.OPEN_STATES)))
        .order_by("-posted_on", "-pk")
    )
    return render(
        request,
        "publicity/staff/notices.html",
        {
            "community": community,
            "rows": [(n, n.status_on(today)) for n in rows],
            "may_act": check(request.user, "act_for_community", community),
            "reason_form": ReasonForm(),
            "photo_form": PhotoForm(),
            **PERIOD_NOTES,
        },
    )


def _notice(pk: int, user) -> Notice:
    # Refuse another community's staff before anything else, so an invalid form cannot tell them
    # more than a 403 would.
    notice = get_object_or_404(Notice.objects.select_related("community__committee", "project"), pk=pk)
    _readable(user, notice)
    return notice


@login_required
@require_http_methods(["GET", "POST"])
def notice_correct(request, pk):
    notice = _notice(pk, request.user)
    form = CorrectionForm(request.POST or None, notice=notice)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.notice_correct(
                notice=notice,
                by=request.user,
                note=form.cleaned_data["note"],
                title=form.cleaned_data["title"],
                fields=form.snapshot_fields(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已发布更正（第 {new.version} 版），公示期重新计算至 {new.ends_on:%Y-%m-%d}。")
            return redirect("publicity:staff_notices", code=notice.community.code)
    return render(
        request,
        "publicity/staff/notice_correct.html",
        {"notice": notice, "form": form, **PERIOD_NOTES},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def notice_withdraw(request, pk):
    notice = _notice(pk, request.user)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("publicity:staff_notices", code=notice.community.code)
    return _done(
        request,
        lambda: services.notice_withdraw(notice=notice, by=request.user, reason=form.cleaned_data["reason"]),
        "公示已撤下。",
        "publicity:staff_notices",
        code=notice.community.code,
    )


@login_required
@require_POST
def notice_photo_upload(request, pk):
    notice = _notice(pk, request.user)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("publicity:staff_notices", code=notice.community.code)
    return _done(
        request,
        lambda: services.notice_photo_upload(notice=notice, by=request.user, upload=form.cleaned_data["photo"]),
        "已上传公示栏张贴照片。",
        "publicity:staff_notices",
        code=notice.community.code,
    )


# -- objections -------------------------------------------------------------------------------------


@login_required
@require_GET
def objections(request, code):
    community = _community(request.user, code)
    today = timezone.localdate()
    rows = list(
        Objection.objects.filter(notice__community=community)
        .select_related("notice__project", "answered_by", "decided_by")
        .order_by("-submitted_at")
    )
    for o in rows:
        o.overdue = o.reply_overdue(today)
        o.answered_late = bool(
            o.answered_at and o.reply_due_on and timezone.localtime(o.answered_at).date() > o.reply_due_on
        )
    return render(
        request,
        "publicity/staff/objections.html",
        {
            "community": community,
            "rows": rows,
            "overdue_count": sum(o.overdue for o in rows),
            "reply_days": settings.OBJECTION_REPLY_WORKING_DAYS,
            **PERIOD_NOTES,
            "may_answer": check(request.user, "act_for_community", community),
            "may_decide": check(request.user, "manage_execution", community),
            "answer_form": AnswerForm(),
            "decision_form": DecisionForm(),
        },
    )


def _objection(pk: int, user) -> Objection:
    objection = get_object_or_404(Objection.objects.select_related("notice__community__committee"), pk=pk)
    _readable(user, objection.notice)
    return objection


@login_required
@require_POST
def objection_answer(request, pk):
    objection = _objection(pk, request.user)
    code = objection.notice.community.code
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("publicity:staff_objections", code=code)
    return _done(
        request,
        lambda: services.objection_answer(objection=objection, by=request.user, answer=form.cleaned_data["answer"]),
        "已答复，待党工委作出决定。",
        "publicity:staff_objections",
        code=code,
    )


# -- needs ------------------------------------------------------------------------------------------


@login_required
@require_GET
def needs(request, code):
    community = _community(request.user, code)
    today = timezone.localdate()
    rows = list(selectors.needs_for_community(community).select_related("recorded_by", "outcome_by", "responded_by"))
    for n in rows:
        n.overdue = n.reply_overdue(today)
    return render(
        request,
        "publicity/staff/needs.html",
        {
            "community": community,
            "needs": rows,
            "overdue_count": sum(n.overdue for n in rows),
            "reply_days": settings.NEED_REPLY_WORKING_DAYS,
            **PERIOD_NOTES,
            "may_record": check(request.user, "propose_project", community),
            "form": StaffNeedForm(initial={"received_on": timezone.localdate()}),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def need_record(request, code):
    community = _community(request.user, code)
    form = StaffNeedForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("publicity:staff_needs", code=code)
    data = form.cleaned_data
    return _done(
        request,
        lambda: services.need_record(
            community=community,
            by=request.user,
            channel=data["channel"],
            received_on=data["received_on"],
            content=data["content"],
            name=data["name"],
            contact=data["contact"],
        ),
        "已登记民意诉求。",
        "publicity:staff_needs",
        code=code,
    )


@login_required
@require_POST
def need_respond(request, pk):
    need = get_object_or_404(Need.objects.select_related("community__committee"), pk=pk)
    _readable(request.user, need)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("publicity:staff_needs", code=need.community.code)
    return _done(
        request,
        lambda: services.need_respond(need=need, by=request.user, response=form.cleaned_data["response"]),
        "已回应，回应内容将在诉求清单和居民的查询页面中公开。",
        "publicity:staff_needs",
        code=need.community.code,
    )


@login_required
@require_POST
def need_not_adopted(request, pk):
    need = get_object_or_404(Need.objects.select_related("community__committee"), pk=pk)
    _readable(request.user, need)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("publicity:staff_needs", code=need.community.code)
    return _done(
        request,
        lambda: services.need_mark_not_adopted(need=need, by=request.user, reason=form.cleaned_data["reason"]),
        "已标记为未采纳，理由将在诉求清单中公开。",
        "publicity:staff_needs",
        code=need.community.code,
    )


# -- the annual summary (Art. 15) -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def annual_review(request, code, year):
    community = _community(request.user, code)
    fund_year = get_object_or_404(FundYear, community=community, year=year)
    title = annual_title(fund_year)
    snapshot = annual_snapshot(fund_year)
    reviewed_hash = Notice.hash_snapshot(title, snapshot)
    form = AnnualPublishForm(request.POST or None, initial={"reviewed_hash": reviewed_hash})
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.annual_summary_publish(
                fund_year=fund_year,
                by=request.user,
                reviewed_hash=form.cleaned_data["reviewed_hash"],
                remarks=form.cleaned_data["remarks"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "年度经费使用情况公示已发布。")
            return redirect("publicity:notice_detail", pk=notice.pk)
    existing = Notice.objects.current().filter(fund_year=fund_year, kind=Notice.Kind.ANNUAL).first()
    return render(
        request,
        "publicity/staff/annual_review.html",
        {
            "community": community,
            "fund_year": fund_year,
            "title": title,
            "s": snapshot,
            "notice": Notice(kind=Notice.Kind.ANNUAL),
            "form": form,
            "existing": existing,
            "due": annual_due_date(year),
            "may_publish": check(request.user, "act_for_community", community),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def annual_status(request, code, year):
    committee = get_object_or_404(WorkingCommittee, code=code)
    verdict = can_view_committee(request.user, committee)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    statuses = annual_statuses(committee.communities.all(), year)
    return render(
        request,
        "publicity/staff/annual_status.html",
        {
            "committee": committee,
            "year": year,
            "statuses": statuses,
            "due": annual_due_date(year),
            "missing": sum(1 for s in statuses if s.notice is None),
            "today": timezone.localdate(),
        },
    )
