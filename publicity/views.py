"""The public site: no login, Simplified Chinese, phone first, usable with JavaScript off.

Nothing here shows a resident's or a payee's personal data beyond what the paper notice shows:
objectors' and need-submitters' names and contacts are read only by the staff pages.
"""

from __future__ import annotations

import functools
import json
import math
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fundadmin import display
from fundadmin.models import Community
from fundadmin.permissions import can_view
from fundadmin.workdays import CONVENTION_NOTE, PROVISIONAL_NOTE, WorkingCalendar
from projects.models import Project, Status
from projects.selectors import stepper

from . import fingerprints, opendata, pdf, periods, ratelimit, selectors, services
from .forms import ObjectionForm, PublicNeedForm
from .models import TRACKING_CODE, Need, Notice, Objection

PERIOD_NOTES = {"convention_note": CONVENTION_NOTE, "provisional_note": PROVISIONAL_NOTE}

ARCHIVE_PAGE = 30


def _community(code: str) -> Community:
    return get_object_or_404(Community.objects.select_related("committee"), code=code)


def _cached(*parts) -> dict:
    """What a public template needs to cache its content (``{% cache cache_ttl name page_key %}``):
    a key made of everything the content shows (publicity.fingerprints). The context values
    read inside the cached block are lazy, so a cached page runs none of their queries."""
    return {"page_key": fingerprints.key(*parts), "cache_ttl": fingerprints.TTL, "cache_version": fingerprints.VERSION}


@require_GET
def index(request):
    today = timezone.localdate()
    up = fingerprints.up_counts(today)
    groups = [
        (committee, [(code, name, up.get(pk, 0)) for _, _, pk, code, name in members if pk is not None])
        for (_, committee), members in groupby(fingerprints.committees_and_communities(), key=lambda r: r[:2])
    ]
    # These two reads are all the page shows: the rendered list is keyed on their result.
    return render(request, "publicity/index.html", {"groups": groups, **_cached("index", groups)})


@require_GET
def community_board(request, code):
    community = _community(code)
    today = timezone.localdate()
    stamp = fingerprints.community_notices(community.pk)
    asked = request.GET.get("page")
    page = _archive_page(asked, last=math.ceil(stamp[0] / ARCHIVE_PAGE))
    board = SimpleLazyObject(lambda: selectors.board(community, today))
    # Ten years of a community's notices are close to a thousand: the archive is paged so the
    # board stays quick to load on a phone (bench/results); what is up now is always on top.
    archive = SimpleLazyObject(lambda: Paginator(board["archive"], ARCHIVE_PAGE).get_page(asked))
    return render(
        request,
        "publicity/board.html",
        {
            "community": community,
            "board": board,
            "archive": archive,
            "today": today,
            **PERIOD_NOTES,
            **_cached("board", fingerprints.row(community), fingerprints.row(community.committee), today, page, stamp),
        },
    )


def _archive_page(raw: str | None, *, last: int) -> int | str:
    """The archive page asked for, as Paginator.get_page will read it (not a number: the first
    page; out of range: the last), for the cache key: at most one copy per page, whatever is
    typed into the address bar. ``last`` bounds the number of archive pages from above."""
    try:
        number = int(raw) if raw is not None else 1
    except ValueError:
        return 1
    return number if 1 <= number <= last else "last"


def _notice_page(request, pk: int, form: ObjectionForm | None = None, status: int = 200):
    # What the title, the status and the key need; the rest of the notice (its frozen content,
    # above all) is read only when the content is rendered afresh.
    head = fingerprints.notice_head(pk)
    if head is None:
        raise Http404("没有该公示。")
    today = timezone.localdate()
    state = Notice.status_of(
        withdrawn=head["withdrawn_at"] is not None,
        superseded=head["successor_id"] is not None,
        posted_on=head["posted_on"],
        ends_on=head["ends_on"],
        day=today,
    )
    full = functools.cache(lambda: _notice(pk))

    def days_left():
        # Read only when the content is rendered afresh: the key holds today and a stamp of the
        # working-day calendar (fingerprints.notice_family), which the count depends on.
        if state != "up":
            return None
        return periods.notice_days_left(
            posted_on=head["posted_on"],
            ends_on=head["ends_on"],
            ends_provisional=head["ends_provisional"],
            period_days=head["period_days"],
            today=today,
            calendar=WorkingCalendar(),
        )

    def history() -> dict:
        chain = selectors.version_chain(full())
        index = chain.index(full())
        return {
            "chain": chain,
            "previous": chain[index - 1] if index else None,
            "changes": services.snapshot_changes(chain[index - 1], chain[index]) if index else [],
            "objections": list(selectors.public_objections(chain)),
        }

    return render(
        request,
        "publicity/notice_detail.html",
        {
            "head": head,
            "notice": SimpleLazyObject(full),
            "s": SimpleLazyObject(lambda: full().snapshot),
            "status": state,
            "days_left": SimpleLazyObject(days_left),
            "versions": SimpleLazyObject(history),
            # The form is never cached: it carries the visitor's CSRF token and their errors.
            "form": form or (ObjectionForm() if state == "up" else None),
            **PERIOD_NOTES,
            **_cached(
                "notice",
                tuple(head.values()),
                state,
                today,
                fingerprints.notice_family(
                    community_id=head["community_id"],
                    kind=head["kind"],
                    project_id=head["project_id"],
                    fund_year_id=head["fund_year_id"],
                ),
            ),
        },
        status=status,
    )


def _notice(pk: int) -> Notice:
    return get_object_or_404(
        Notice.objects.select_related("community__committee", "project", "fund_year", "supersedes"), pk=pk
    )


@require_GET
def notice_detail(request, pk):
    return _notice_page(request, pk)


@require_POST
def objection_submit(request, pk):
    notice = _notice(pk)
    if not ratelimit.allow(request, "objection"):
        return render(request, "publicity/too_many.html", status=429)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        if form.is_bot:
            # Say nothing useful to a bot; store nothing.
            return render(request, "publicity/rejected.html", status=400)
        return _notice_page(request, notice.pk, form, status=400)
    try:
        objection = services.objection_submit(
            notice=notice,
            text=form.cleaned_data["text"],
            name=form.cleaned_data["name"],
            contact=form.cleaned_data["contact"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _notice_page(request, notice.pk, form, status=400)
    messages.success(request, f"您的异议已提交。查询码：{objection.tracking_code}，请记下，用它查看办理情况。")
    return redirect(reverse("publicity:objection_track") + f"?code={objection.tracking_code}")


@require_GET
def objection_track(request):
    code, problem = _tracking_code(request)
    objection = None
    if code:
        objection = (
            Objection.objects.select_related("notice")
            .only(
                "pk",
                "text",
                "state",
                "submitted_at",
                "answer",
                "answered_at",
                "decision",
                "decided_at",
                "tracking_code",
                "notice__id",
                "notice__title",
                "notice__posted_on",
                "notice__ends_on",
                "reply_due_on",
                "reply_due_provisional",
            )
            .filter(tracking_code=code)
            .first()
        )
    reply = None
    if objection is not None and objection.reply_due_on is not None:
        reply = periods.reply_deadline_now(
            due_on=objection.reply_due_on,
            provisional=objection.reply_due_provisional,
            received=timezone.localtime(objection.submitted_at).date(),
            days=settings.OBJECTION_REPLY_WORKING_DAYS,
            calendar=WorkingCalendar(),
        )
    return render(
        request,
        "publicity/objection_track.html",
        {
            "code": code,
            "objection": objection,
            "problem": problem,
            "reply": reply,
            "overdue": reply is not None
            and objection.state == Objection.State.OPEN
            and timezone.localdate() > reply.date,
            **PERIOD_NOTES,
        },
    )


def _tracking_code(request) -> tuple[str, str]:
    """The typed code, upper-cased, and what is wrong with it if it cannot be one."""
    code = request.GET.get("code", "").strip().upper()[:12]
    if code and not TRACKING_CODE.fullmatch(code):
        # Never sent to the database: PostgreSQL refuses a NUL in a text parameter.
        return "", "查询码只含数字和英文字母，请核对后重试。"
    return code, ""


@require_GET
def need_track(request):
    """What happened to the need a resident submitted: 收到 / 已回应 / 纳入项目, and by when the
    community answers (SPEC.md "Decisions the rules leave to us")."""
    code, problem = _tracking_code(request)
    need = None
    if code:
        need = selectors.need_by_tracking_code(code)
    reply, public_ids = None, set()
    if need is not None:
        public_ids = selectors.public_project_ids(need.projects.all())
        if need.reply_due_on is not None:
            reply = periods.reply_deadline_now(
                due_on=need.reply_due_on,
                provisional=need.reply_due_provisional,
                received=need.received_on,
                days=settings.NEED_REPLY_WORKING_DAYS,
                calendar=WorkingCalendar(),
            )
    return render(
        request,
        "publicity/need_track.html",
        {
            "code": code,
            "need": need,
            "problem": problem,
            "reply": reply,
            "public_ids": public_ids,
            "overdue": need is not None
            and reply is not None
            and need.status == Need.Status.RECEIVED
            and timezone.localdate() > reply.date,
            **PERIOD_NOTES,
        },
    )


@require_GET
def notice_pdf(request, pk):
    notice = _notice(pk)
    response = HttpResponse(pdf.notice_pdf(notice, request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}-v{notice.version}.pdf"'
    return response


@require_GET
def notice_photo(request, pk):
    notice = _notice(pk)
    if not notice.board_photo:
        raise Http404("该公示没有张贴照片。")
    # FileResponse streams the photo and closes the file (or the S3 stream) when it is sent.
    response = FileResponse(notice.board_photo.open("rb"), content_type=notice.board_photo_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def project_public(request, pk):

    head = fingerprints.project_head(pk)
    if head is None:
        raise Http404("没有该项目。")
    stamp = fingerprints.project_notices_and_needs(pk)
    if not stamp[0]:
        # Not public until its plan is posted (Art. 10): a draft, or a project withdrawn before
        # it was ever posted, has no page.
        raise Http404("没有该项目。")
    project = functools.cache(
        lambda: Project.objects.select_related("community", "category", "fund_year", "settlement").get(pk=pk)
    )

    def page() -> dict:
        # superseded_by: each notice's status label asks whether it is current.
        notices = list(
            Notice.objects.current()
            .filter(project_id=pk)
            .select_related("superseded_by")
            .defer("superseded_by__snapshot")
            .order_by("posted_on", "pk")
        )
        latest = next((n for n in reversed(notices) if n.kind == Notice.Kind.PLAN), notices[-1] if notices else None)
        return {
            "s": latest.snapshot if latest else {},
            "notices": notices,
            "needs": list(project().needs.all()),
            "steps": stepper(project()),
            "paid": project().settlement.amount if hasattr(project(), "settlement") else None,
        }

    return render(
        request,
        "publicity/project_public.html",
        {
            "head": head,
            "project": SimpleLazyObject(project),
            "page": SimpleLazyObject(page),
            "ended": head["status"] in (Status.WITHDRAWN, Status.REJECTED),
            **PERIOD_NOTES,
            **_cached("project", tuple(head.values()), timezone.localdate(), stamp),
        },
    )


@require_GET
def annual_list(request, code):
    community = _community(code)
    notices = Notice.objects.current().filter(community=community, kind=Notice.Kind.ANNUAL).order_by("-posted_on")
    return render(request, "publicity/annual_list.html", {"community": community, "notices": notices, **PERIOD_NOTES})


@require_GET
def need_list(request, code):
    community = _community(code)
    needs = list(selectors.needs_for_community(community))
    public_ids = selectors.public_project_ids([p for n in needs for p in n.projects.all()])
    return render(
        request,
        "publicity/need_list.html",
        {"community": community, "needs": needs, "public_ids": public_ids, **PERIOD_NOTES},
    )


@require_http_methods(["GET", "POST"])
def need_submit(request, code):
    community = _community(code)
    form = PublicNeedForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.allow(request, "need"):
            return render(request, "publicity/too_many.html", status=429)
        if not form.is_valid():
            if form.is_bot:
                return render(request, "publicity/rejected.html", status=400)
            return render(request, "publicity/need_form.html", {"community": community, "form": form}, status=400)
        try:
            need = services.need_record(
                community=community,
                content=form.cleaned_data["content"],
                channel=Need.Channel.ONLINE,
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return render(request, "publicity/need_form.html", {"community": community, "form": form}, status=400)
        messages.success(
            request, f"您的诉求已收到。查询码：{need.tracking_code}，请记下，用它查看社区的回应和处理情况。"
        )
        return redirect(reverse("publicity:need_track") + f"?code={need.tracking_code}")
    return render(request, "publicity/need_form.html", {"community": community, "form": form})


@require_GET
def open_data_schema(request):
    return render(
        request,
        "publicity/open_data.html",
        {
            "datasets": opendata.DATASETS,
            "version": opendata.SCHEMA_VERSION,
            "communities": Community.objects.select_related("committee").order_by("committee__name", "name"),
        },
    )


@require_GET
def open_data(request, code, dataset, fmt):
    community = _community(code)
    if dataset not in opendata.DATASETS or fmt not in ("csv", "json"):
        raise Http404("没有该数据集。")
    rows = (
        opendata.notice_rows(community, timezone.localdate())
        if dataset == "notices"
        else opendata.project_rows(community)
    )
    if fmt == "csv":
        response = HttpResponse(opendata.as_csv(dataset, rows), content_type="text/csv; charset=utf-8")
    else:
        body = json.dumps(opendata.as_json(dataset, community, rows), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{community.code}-{dataset}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
@require_GET
def application_form_pdf(request, pk):

    project = get_object_or_404(Project.objects.select_related("community__committee", "category", "fund_year"), pk=pk)
    verdict = can_view(request.user, project)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    response = HttpResponse(pdf.application_form_pdf(project, request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="application-{project.number}.pdf"'
    return response


@require_GET
def display_mode(request):
    """Large text on or off (适老化), then back to the page the resident was reading. A link, not a
    script: it works with JavaScript off. Only a display preference is stored (a cookie)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("publicity:index")
    response = redirect(target)
    if request.GET.get("size") == display.LARGE:
        response.set_cookie(
            display.COOKIE,
            display.LARGE,
            max_age=display.MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(display.COOKIE, samesite="Lax")
    return response
