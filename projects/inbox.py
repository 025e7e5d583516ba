"""What waits for a user in the workflow: the inbox (待办) source for projects.

Derived from the table: a project waits for this user when a step of its state that the process
waits on is theirs (``projects.actions.first_waiting``). Each row is headed by the project's
next-step sentence (``projects.next_step``) and carries the deadline that runs in its state.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from fundadmin.inbox import InboxItem
from fundadmin.models import Community
from fundadmin.permissions import scopes_with
from fundadmin.roles import permission_level
from fundadmin.workdays import WorkingCalendar

from . import facts as project_facts
from . import process
from .actions import first_waiting
from .models import Project
from .next_step import Holders, next_step
from .process import Status

# Every candidate is read: the inbox lists everything a person must act on (the page pages it)
# and counts what is overdue over all of it, never over a cut.


@cache
def _states_by_permission() -> dict[str, frozenset[str]]:
    """For each permission, the states in which a step the process waits on needs it."""
    found: dict[str, set[str]] = {}
    for state in process.STATES:
        for step in state.steps:
            if step.page and (step.waits or step.waits_if is not None):
                found.setdefault(step.permission, set()).add(state.status)
    return {codename: frozenset(states) for codename, states in found.items()}


def _candidates(user):
    """Projects in a state where some permission the user holds, in that project's scope, acts —
    all of them (no cut: what is not read here would silently be missing from the inbox)."""
    states: dict[tuple[str, int], set[str]] = {}  # (scope level, scope pk) -> states where it acts
    for codename, where in _states_by_permission().items():
        for pk in scopes_with(user, codename):
            states.setdefault((permission_level(codename), pk), set()).update(where)
    query = Q(followup_user=user, status=Status.EXECUTING)
    for (level, pk), where in states.items():
        # A committee's communities by subquery, so each term can walk the (community, status) index.
        scope = Q(community=pk) if level == "community" else Q(community__in=Community.objects.filter(committee=pk))
        query |= scope & Q(status__in=sorted(where))
    return (
        Project.objects.filter(query)
        .select_related("community__committee", "fund_year")
        .with_budget_total()
        .order_by("status_changed_at", "pk")  # not nullable: one order on SQLite and PostgreSQL
    )


def inbox_items(user, calendar: WorkingCalendar) -> list[InboxItem]:
    projects = list(_candidates(user))
    today = timezone.localdate()
    # A step refused for the year's money still waits for a decision: the money is not read here.
    facts = project_facts.load(projects, without={"money"}, today=today, calendar=calendar)
    holders = Holders(projects, today)
    items = []
    for project, f in zip(projects, facts, strict=True):
        waiting = first_waiting(project, user, f)
        if waiting is None:
            if project.followup_user_id == user.pk and project.status == Status.EXECUTING:
                step = process.RECORD_PROGRESS  # Art. 12: the follow-up person records progress regularly
            else:
                continue
        else:
            step = waiting.step
        told = next_step(project, f, holders, today=today)
        items.append(
            InboxItem(
                title=f"{project.number} {project.title}",
                action=step.label,
                url=reverse("projects:act", args=[project.pk, step.verb]),
                community=project.community.name,
                deadline=told.due,
                sentence=told.sentence,
                note="" if waiting is None or waiting else f"暂不能办理：{waiting.reason}",
            )
        )
    return items
