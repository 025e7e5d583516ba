"""The facts the workflow's rules read about a project besides its own row: its joint meetings,
documents, change requests and notices.

A rule reads them through ``facts(project, name)``. A page that asks the rules about many
projects (the inbox) loads them for all of them at once with ``load_facts(projects)`` — one
query per kind of fact, through Django's prefetch — and a rule
asked about a single project loads them itself with the same query restricted to that project.
Either way the rule sees the same rows, so the verdict cannot depend on the page that asks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects


def _meetings() -> QuerySet:
    from .models import JointMeeting

    return JointMeeting.objects.all()


def _documents() -> QuerySet:
    from .models import Document

    return Document.objects.all()


def _change_requests() -> QuerySet:
    from .models import ChangeRequest

    return ChangeRequest.objects.all()


def _notices() -> QuerySet:
    """Every version of every notice of the project, each with its count of open objections —
    what decides whether a notice period has cleared (Art. 10, 15)."""
    from publicity.models import Notice, Objection

    return Notice.objects.defer("snapshot").annotate(
        open_objection_count=Count("objections", filter=Q(objections__state__in=Objection.OPEN_STATES))
    )


FACTS: dict[str, Callable[[], QuerySet]] = {
    "meetings": _meetings,
    "documents": _documents,
    "change_requests": _change_requests,
    "notices": _notices,
}


def facts(project, name: str) -> list:
    """The project's rows of one kind of fact, from the page's prefetch when it made one."""
    cache = getattr(project, "_prefetched_objects_cache", {})
    if name in cache:
        return list(cache[name])
    relation = project._meta.get_field(name)
    return list(FACTS[name]().filter(**{relation.field.name: project}))


def with_facts(projects: QuerySet) -> QuerySet:
    """The projects with their budget totals (read by the budget rules) in the same query."""
    return projects.with_budget_total()


def load_facts(projects: list) -> list:
    """Load, for a page's projects, the facts their next steps' rules read — each kind in one
    query, and only for the projects whose current state has a rule reading it (a notice is
    read while a project is on notice, its invoice while it waits for payment)."""
    wanted: dict[str, list] = {name: [] for name in FACTS}
    for project in projects:
        for name in facts_read_in(project.status):
            wanted[name].append(project)
    for name, some in wanted.items():
        if some:
            prefetch_related_objects(some, Prefetch(name, queryset=FACTS[name]()))
    return projects


def forget_facts(project) -> None:
    """Drop the facts loaded on ``project``: after a step changed them they would be stale."""
    cache = getattr(project, "_prefetched_objects_cache", {})
    for name in FACTS:
        cache.pop(name, None)


def prefetch_fact(name: str, *select_related: str, order_by: tuple[str, ...] = ()) -> Prefetch:
    """For a page that shows a fact's rows itself (the project page): the same rows the rules
    read, with what the page shows of them joined and in the page's order."""
    queryset = FACTS[name]()
    if select_related:
        queryset = queryset.select_related(*select_related)
    return Prefetch(name, queryset=queryset.order_by(*order_by) if order_by else queryset)


# Read outside a transition's conditions: the "decide a change request" step is offered only
# while a change is pending (projects.actions).
ALSO_READ = {"change_requests": ("approved", "executing")}


@cache
def facts_read_in(status: str) -> frozenset[str]:
    """The facts that the rules of the transitions leading on from ``status`` read."""
    from .models import Project

    names = {fact for fact, states in ALSO_READ.items() if status in states}
    for attr in vars(Project).values():
        meta = getattr(attr, "_django_fsm", None)
        if meta is None:
            continue
        for source in (status, "*", "+"):
            t = meta.transitions.get(source)
            if t is not None:
                for condition in t.conditions:
                    names |= set(getattr(condition, "reads", ()))
    return frozenset(names)
