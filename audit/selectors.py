"""Reading the trail: a community's timeline with filters, in a fixed number of queries per page.
The trail knows no app: how each event reads is ``audit.sentences``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent, VerificationRun


@dataclass(frozen=True)
class TimelineFilter:
    project_id: int | None = None
    kind: str = ""
    actor_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    oldest_first: bool = False  # newest first unless asked


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def community_events(community) -> QuerySet[AuditEvent]:
    """Every event about the community. Every write about one of its projects names the community
    too (``services.event_record``), so this reads the (community, seq) index and nothing else."""
    return AuditEvent.objects.filter(community=community)


def timeline(community, criteria: TimelineFilter | None = None) -> QuerySet[AuditEvent]:
    """The community's trail, newest first (or in chain order), filtered. Paginate it: it is one
    query per page."""
    qs = community_events(community)
    c = criteria or TimelineFilter()
    if c.project_id:
        qs = qs.filter(project_id=c.project_id)
    if c.kind:
        qs = qs.filter(action__startswith=c.kind)
    if c.actor_id:
        qs = qs.filter(actor_id=c.actor_id)
    if c.date_from:
        qs = qs.filter(created_at__gte=_day_start(c.date_from))
    if c.date_to:
        qs = qs.filter(created_at__lt=_day_start(c.date_to + datetime.timedelta(days=1)))
    return qs.order_by("seq" if c.oldest_first else "-seq")


def timeline_actors(community) -> list[tuple[int, str]]:
    """The people who appear in the community's trail, for the filter (one query)."""
    rows = (
        community_events(community)
        .filter(actor__isnull=False)
        .values_list("actor_id", "actor_name")
        .order_by("actor_name")
        .distinct()
    )
    seen: dict[int, str] = {}
    for actor_id, name in rows:
        seen.setdefault(actor_id, name)
    return sorted(seen.items(), key=lambda item: item[1])


def latest_verification() -> VerificationRun | None:
    return VerificationRun.objects.select_related("ran_by").order_by("-ran_at", "-pk").first()
