"""Pages of the integrity indicators (Art. 19) and the city-wide view (Art. 5, 21). Thin: check,
read through the selectors, call a service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fundadmin.models import Community
from fundadmin.permissions import check, scopes_with, visible_committees
from fundadmin.workdays import CONVENTION_NOTE

from ..forms import FindingFilterForm, FindingReviewForm
from ..models import Finding, IndicatorRun
from . import services
from .kinds import SPECS, Kind, thresholds
from .selectors import (
    PANEL_LIMIT,
    STATES,
    FindingFilter,
    city_view,
    evidence_rows,
    finding_for,
    findings_list,
    latest_run,
    may_see_indicators,
    watched_communities,
)


def indicator_panel(
    request, *, communities, committee_id=None, year=None, limit=PANEL_LIMIT, keep_committee=False
) -> dict:
    """The indicators block of the committee dashboard and the supervisor's home: the findings
    that fire in the user's scope, filtered by the GET parameters kind, community and year."""
    form = FindingFilterForm(request.GET or None, communities=communities, kinds=Kind.choices, states=STATES)
    given = form.criteria()
    criteria = FindingFilter(
        kind=given.get("kind", ""),
        community_id=given.get("community_id"),
        committee_id=committee_id,
        year=year if year is not None else given.get("year"),
        state=given.get("state", "firing"),
    )
    run = latest_run()
    found, count = findings_list(request.user, criteria, limit=limit, run=run)
    query = request.GET.copy()
    if committee_id and "committee" not in query:
        query["committee"] = committee_id
    if year is not None:
        query["year"] = year
    return {
        "indicator_form": form,
        "indicator_rows": found,
        "indicator_count": count,
        "indicator_run": run,
        "indicator_fixed_year": year,
        "indicator_more": f"{reverse('supervision:indicator_list')}?{query.urlencode()}",
        "indicator_committee": committee_id if keep_committee else None,
        "may_compute": services.may_compute(request.user),
    }


def _require_indicators(request) -> None:
    if not may_see_indicators(request.user):
        raise PermissionDenied("只有议事监督委员会成员、党工委工作人员和市级监督人员可以查看廉政预警。")


@login_required
@require_GET
def indicator_list(request):
    _require_indicators(request)
    communities = watched_communities(request.user)
    committee_id = request.GET.get("committee", "")
    committee_id = int(committee_id) if committee_id.isdecimal() else None
    context = indicator_panel(
        request, communities=communities, committee_id=committee_id, limit=200, keep_committee=True
    )
    context["definitions"] = [(spec, spec.definition()) for spec in SPECS.values()]
    return render(request, "supervision/indicators/list.html", context)


def _finding(request, pk: int) -> Finding:
    finding = finding_for(request.user, pk)
    if finding is None:
        raise Http404("没有找到该廉政预警。")
    return finding


def _opinion_target(user, finding: Finding) -> Community | None:
    """The community in whose name this user may file an opinion on the finding, if any."""
    if finding.community_id is not None:
        return finding.community if check(user, "supervise_community", finding.community) else None
    supervised = scopes_with(user, "supervise_community")
    return Community.objects.filter(committee=finding.committee_id, pk__in=supervised).order_by("code").first()


def _detail_context(request, finding: Finding, form=None) -> dict:
    spec = SPECS[Kind(finding.kind)]
    reviews = list(finding.reviews.order_by("-at", "-pk"))
    run = latest_run()
    may_review = services.may_review(request.user, finding)
    return {
        "finding": finding,
        "spec": spec,
        "definition": spec.definition(thresholds()),
        "evidence": evidence_rows(finding),
        "versions": list(finding.versions.select_related("run").order_by("-pk")),
        "reviews": reviews,
        "judged_current": bool(reviews) and reviews[0].evidence_hash == finding.evidence_hash,
        "fires_now": run is not None and finding.last_run_id == run.pk,
        "run": run,
        "opinions": list(finding.opinions.order_by("-raised_at")),
        "opinion_community": _opinion_target(request.user, finding),
        "may_review": bool(may_review),
        "review_form": form or (FindingReviewForm() if may_review else None),
        "convention_note": CONVENTION_NOTE,
    }


@login_required
@require_GET
def indicator_detail(request, pk: int):
    finding = _finding(request, pk)
    return render(request, "supervision/indicators/detail.html", _detail_context(request, finding))


@login_required
@require_POST
def indicator_review(request, pk: int):
    finding = _finding(request, pk)
    verdict = services.may_review(request.user, finding)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    form = FindingReviewForm(request.POST)
    if form.is_valid():
        try:
            services.finding_review(
                finding=finding,
                by=request.user,
                verdict=form.cleaned_data["verdict"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "判断已记录，并记入全程留痕。")
            return redirect("supervision:indicator_detail", pk=finding.pk)
    return render(request, "supervision/indicators/detail.html", _detail_context(request, finding, form), status=400)


@login_required
@require_POST
def indicator_compute(request):
    if not services.may_compute(request.user):
        raise PermissionDenied("只有议事监督委员会成员和党工委工作人员可以重新计算廉政预警。")
    try:
        run = services.indicators_compute(by=request.user, trigger=IndicatorRun.Trigger.ON_DEMAND)
    except IntegrityError:
        messages.error(request, "另一次计算正在进行，请稍后刷新查看结果。")
    else:
        messages.success(
            request,
            f"已重新计算：{run.fired} 项预警触发（依据截至审计链第 {run.trail_seq} 号的数据，用时 {run.duration_ms / 1000:.1f} 秒）。",
        )
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "supervision:indicator_list")


@login_required
@require_GET
def city(request, year: int | None = None):
    """The city-wide comparison (Art. 5, 21): for city oversight every committee; for a working
    committee's staff their own committee's communities."""
    committees = visible_committees(request.user)
    if not committees.exists():
        raise PermissionDenied("只有市级监督人员和党工委工作人员可以查看各社区对比。")
    today = timezone.localdate()
    view = city_view(year=year or today.year, today=today, committees=committees)
    return render(request, "supervision/indicators/city.html", {"view": view, "convention_note": CONVENTION_NOTE})
