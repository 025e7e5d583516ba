"""The trail's pages: a community's timeline for its supervisors and its working committee, each
event in words (audit.sentences), and the button that re-verifies the chain. Read-only except for
the check itself (Art. 14, 19)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import get_object_or_404, redirect, render
from django.test.utils import CaptureQueriesContext
from django.views.decorators.http import require_GET, require_POST

from audit.selectors import Trail, latest_verification, timeline_actors
from audit.selectors import timeline as timeline_events
from audit.sentences import sentence
from audit.services import chain_verify_and_store
from fundadmin.models import Community
from fundadmin.permissions import Verdict, check

from .timeline_forms import TimelineFilterForm

PAGE_SIZE = 50


# Art. 14: the supervision committee of the community and the working committee over it verify
# the trail; city oversight (Art. 5, 21) reads it too, and writes nothing, not even a verification.
VERIFY_CODENAMES = ("supervise_community", "view_committee_records")
READ_CODENAMES = (*VERIFY_CODENAMES, "oversee_city")


def may_read_trail(user, community: Community, codenames: tuple[str, ...] = READ_CODENAMES) -> Verdict:
    """Art. 14: the supervision committee of the community, or the working committee over it."""
    for codename in codenames:
        verdict = check(user, codename, community)
        if verdict:
            return verdict
    return Verdict(False, f"只有「{community}」的议事监督委员会成员和所属党工委可以查看审计记录。")


def _community(request, code: str, codenames: tuple[str, ...] = READ_CODENAMES) -> Community:
    community = get_object_or_404(Community.objects.select_related("committee"), code=code)
    verdict = may_read_trail(request.user, community, codenames)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    return community


def explain(community: Community, criteria=None) -> str:
    """The plans the database chooses for the timeline's first page and for its count (the bench
    prints them; tests/supervision/test_timeline_plan.py asserts the (community, seq) index)."""
    events = timeline_events(community, criteria)
    with CaptureQueriesContext(connection) as page:
        Paginator(Trail(events), PAGE_SIZE).get_page(1).object_list  # noqa: B018 the count, then the page
    plans = [
        f"-- {what}\n{_explain(q['sql'])}" for what, q in zip(("count", "page"), page.captured_queries, strict=True)
    ]
    with CaptureQueriesContext(connection) as actors:
        timeline_actors(community)
    plans.append(f"-- actors\n{_explain(actors.captured_queries[0]['sql'])}")
    return "\n".join(plans)


def _explain(sql: str) -> str:
    """The plan of one captured statement (its parameters already inlined by the capture)."""
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


@login_required
@require_GET
def timeline(request, community: str):
    community = _community(request, community)
    projects = [
        (pk, f"{number} {title}")
        for pk, number, title in community.projects.order_by("-created_at").values_list("pk", "number", "title")
    ]
    form = TimelineFilterForm(request.GET or None, projects=projects, actors=timeline_actors(community))
    criteria = form.criteria()
    page = Paginator(Trail(timeline_events(community, criteria)), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(e, sentence(e)) for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/timeline.html",
        {
            "community": community,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "verification": latest_verification(),
            "may_verify": bool(may_read_trail(request.user, community, VERIFY_CODENAMES)),
            "oldest_first": criteria.oldest_first,
        },
    )


@login_required
@require_POST
def verify(request, community: str):
    community = _community(request, community, VERIFY_CODENAMES)
    run = chain_verify_and_store(by=request.user)
    (messages.success if run.ok else messages.error)(request, run.message)
    return redirect("supervision:timeline", community=community.code)
