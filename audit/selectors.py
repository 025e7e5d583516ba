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


class Trail:
    """A filtered trail for a Paginator: ``count()`` and slices, each one query.

    A slice reads the page's sequence numbers first, by a subquery the (community, seq) index
    answers alone (an index-only scan, backward for newest first), then those rows by ``seq``.
    Asked for the rows directly, PostgreSQL walks the *global* ``seq`` index backward and filters
    on the community — it assumes the community's events are spread evenly over the chain, so for
    an older community it reads most of the city's trail to find a page (issue 17). The count is
    the same index's index-only scan: the community's events, not the city's.
    """

    def __init__(self, events: QuerySet[AuditEvent]):
        self.events = events

    def count(self) -> int:
        return self.events.order_by().count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        order = self.events.query.order_by
        seqs = self.events.values("seq")[key]
        return list(AuditEvent.objects.filter(seq__in=seqs).order_by(*order))


def timeline_actor_rows(community) -> QuerySet:
    """(actor id, name) of everyone in the community's trail: the query ``timeline_actors`` runs."""
    return (
        community_events(community)
        .filter(actor__isnull=False)
        .values_list("actor_id", "actor_name")
        .order_by("actor_name")
        .distinct()
    )


def timeline_actors(community) -> list[tuple[int, str]]:
    """The people who appear in the community's trail, for the filter (one query)."""
    seen: dict[int, str] = {}
    for actor_id, name in timeline_actor_rows(community):
        seen.setdefault(actor_id, name)
    return sorted(seen.items(), key=lambda item: item[1])


def latest_verification() -> VerificationRun | None:
    return VerificationRun.objects.select_related("ran_by").order_by("-ran_at", "-pk").first()
