"""Reads: what the workflow asks of publicity (has a notice run its full period with nothing
open?) and what the public site shows."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from fundadmin.models import Community
from fundadmin.permissions import Verdict

from .models import Need, Notice, Objection


def latest_notice(project, kind: str) -> Notice | None:
    """The notice of the project's current round: published since the project entered the state
    the notice belongs to. A notice of an earlier round (before a return for revision) has run
    for a plan that no longer stands and never clears the new one (Art. 10). Read from the
    project's facts (projects.facts), so a page asking about many projects pays no query each."""
    from projects.facts import facts

    notices = facts(project, "notices")
    replaced = {n.supersedes_id for n in notices}  # a corrected notice is not current
    live = [
        n
        for n in notices
        if n.kind == kind
        and n.pk not in replaced
        and n.withdrawn_at is None
        and n.published_at >= project.status_changed_at
    ]
    return max(live, key=lambda n: (n.posted_on, n.pk), default=None)


def open_objections(project, kind: str | None = None):
    qs = Objection.objects.filter(notice__project=project, state__in=Objection.OPEN_STATES)
    return qs.filter(notice__kind=kind) if kind else qs


def notice_clearance(project, kind: str) -> Verdict:
    """A notice must have run through the end of its last working day with no open objection
    on any version of the project's notices of that kind."""
    from projects.facts import facts

    notice = latest_notice(project, kind)
    if notice is None:
        return Verdict(False, "尚未张贴公示。")
    today = timezone.localdate()
    ends_on, provisional = notice.ends_on, notice.ends_provisional
    if provisional:
        # Computed before the year's calendar was published: count again with what is known now,
        # and never let the period end earlier than first announced.
        from fundadmin.workdays import WorkingCalendar

        now = WorkingCalendar().add_working_days(notice.posted_on, notice.period_days)
        ends_on, provisional = max(ends_on, now.date), now.provisional
    if today <= ends_on:
        mark = "（暂定）" if provisional else ""
        return Verdict(False, f"公示期至 {ends_on:%Y-%m-%d}{mark} 止，期满后方可进行下一步。")
    count = sum(n.open_objection_count for n in facts(project, "notices") if n.kind == kind)
    if count:
        return Verdict(False, f"有 {count} 条异议尚未处理完毕，须待党工委作出决定。")
    return Verdict(True)


def plan_notice_clearance(project) -> Verdict:
    return notice_clearance(project, Notice.Kind.PLAN)


def completion_notice_clearance(project) -> Verdict:
    return notice_clearance(project, Notice.Kind.COMPLETION)


# -- the public site --------------------------------------------------------------------------------


# What a board lists of each notice (its status is read from the last four).
BOARD_FIELDS = (
    "title",
    "kind",
    "version",
    "posted_on",
    "ends_on",
    "ends_provisional",
    "withdrawn_at",
    "checkpoint_seq",
    "checkpoint_hash",
)


def public_notices(community: Community):
    # superseded_by: status_on() asks whether a notice is current; without the join that is one
    # query per notice on the board. Only the listed fields are read: a whole notice row (and
    # the project's, formerly joined for nothing) made the board's archive page several times
    # slower to render afresh (bench/results).
    return (
        Notice.objects.current()
        .filter(community=community)
        .select_related("superseded_by")
        .only(*BOARD_FIELDS, "superseded_by__id")
    )


def board(community: Community, today: datetime.date) -> dict:
    """The community's board: notices up now, those not yet posted, then the archive (a query,
    newest first, for the caller to page: after ten years it holds about a thousand notices).
    Superseded versions are reached from their current version's history, not listed twice."""
    notices = public_notices(community).order_by("-posted_on", "-pk")
    live = notices.filter(withdrawn_at__isnull=True)
    return {
        "up": list(live.filter(posted_on__lte=today, ends_on__gte=today)),
        "scheduled": list(live.filter(posted_on__gt=today)),
        "archive": notices.filter(Q(withdrawn_at__isnull=False) | Q(ends_on__lt=today)),
    }


def version_chain(notice: Notice) -> list[Notice]:
    """Every version of a notice, oldest first."""
    root = notice
    while root.supersedes_id is not None:
        root = root.supersedes
    chain = [root]
    while (nxt := chain[-1].successor) is not None:
        chain.append(nxt)
    return chain


def public_objections(notices: list[Notice]):
    """Objections and their handling as the public sees them — the fields a template may show are
    text, state, answer and decision; name, contact, address and tracking code are never read."""
    return (
        Objection.objects.filter(notice__in=notices)
        .only("pk", "notice_id", "text", "state", "submitted_at", "answer", "answered_at", "decision", "decided_at")
        .order_by("submitted_at", "pk")
    )


def public_projects():
    """Projects that have had a public notice. A draft, or a project withdrawn before it was ever
    posted, is not public (Art. 10: the plan becomes public when it is posted)."""
    from projects.models import Project

    return Project.objects.filter(pk__in=Notice.objects.filter(project__isnull=False).values("project_id"))


def needs_for_community(community: Community):
    from projects.models import Project

    return (
        Need.objects.filter(community=community)
        .prefetch_related(Prefetch("projects", queryset=Project.objects.only("pk", "number", "title", "status")))
        .order_by("-received_on", "-pk")
    )


def public_project_ids(projects) -> set[int]:
    ids = [p.pk for p in projects]
    return set(Notice.objects.filter(project_id__in=ids).values_list("project_id", flat=True))
