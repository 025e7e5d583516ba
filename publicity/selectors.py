"""Reads: what the public site shows. Whether a notice has cleared a project's step is the
process's question (``projects.rules``), asked of the notices' rows."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q

from fundadmin.models import Community
from projects.models import Project

from .models import Need, Notice, Objection

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

    return Project.objects.filter(pk__in=Notice.objects.filter(project__isnull=False).values("project_id"))


def _needs_with_projects():

    return Need.objects.prefetch_related(
        Prefetch("projects", queryset=Project.objects.only("pk", "number", "title", "status"))
    )


def needs_for_community(community: Community):
    return _needs_with_projects().filter(community=community).order_by("-received_on", "-pk")


def need_by_tracking_code(code: str) -> Need | None:
    """A need as its tracking page shows it: never the submitter's name or contact."""
    return (
        _needs_with_projects()
        .select_related("community")
        .defer("submitter_name", "submitter_contact")
        .filter(tracking_code=code)
        .first()
    )


def public_project_ids(projects) -> set[int]:
    ids = [p.pk for p in projects]
    return set(Notice.objects.filter(project_id__in=ids).values_list("project_id", flat=True))
