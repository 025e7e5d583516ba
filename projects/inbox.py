"""What waits for a user in the workflow: the inbox (待办) source for projects."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from fundadmin.inbox import InboxItem
from fundadmin.models import Community
from fundadmin.permissions import scopes_with
from fundadmin.roles import permission_level
from fundadmin.workdays import WorkingCalendar

from .actions import ACTIONS, first_waiting_action
from .facts import load_facts, with_facts
from .models import Project, Status
from .selectors import APPROVAL_STATES, approval_deadline


def _codename(spec) -> str | None:
    if spec.codename:
        return spec.codename
    names = (spec.transition,) if isinstance(spec.transition, str) else spec.transition
    method = getattr(Project, names[0])
    for t in method._django_fsm.transitions.values():
        return getattr(t.permission, "codename", None)
    return None


def _states(spec) -> set[str]:
    if spec.states:
        return set(spec.states)
    names = (spec.transition,) if isinstance(spec.transition, str) else spec.transition
    states = set()
    for name in names:
        states |= set(getattr(Project, name)._django_fsm.transitions)
    return states


def _candidates(user):
    """Projects in a state where some permission the user holds, in that project's scope, acts."""
    states: dict[tuple[str, int], set[str]] = {}  # (scope level, scope pk) -> states where it acts
    for spec in ACTIONS:
        if not spec.waiting:
            continue
        codename = _codename(spec)
        if codename is None:
            continue
        for pk in scopes_with(user, codename):
            states.setdefault((permission_level(codename), pk), set()).update(_states(spec))
    query = Q(followup_user=user, status=Status.EXECUTING)
    for (level, pk), where in states.items():
        # A committee's communities by subquery, so each term can walk the (community, status) index.
        scope = Q(community=pk) if level == "community" else Q(community__in=Community.objects.filter(committee=pk))
        query |= scope & Q(status__in=sorted(where))
    return with_facts(Project.objects.filter(query).select_related("community__committee")).order_by(
        "received_on", "pk"
    )[:200]


def inbox_items(user, calendar: WorkingCalendar) -> list[InboxItem]:
    items = []
    for project in load_facts(list(_candidates(user))):
        waiting = first_waiting_action(project, user)
        allowed = [waiting] if waiting else []
        for offered in allowed:
            deadline = approval_deadline(project, calendar) if project.status in APPROVAL_STATES else None
            items.append(
                InboxItem(
                    title=f"{project.number} {project.title}",
                    action=offered.spec.label,
                    url=reverse("projects:act", args=[project.pk, offered.spec.name]),
                    community=project.community.name,
                    deadline=deadline,
                )
            )
        if not allowed and project.followup_user_id == user.pk and project.status == Status.EXECUTING:
            items.append(
                InboxItem(
                    title=f"{project.number} {project.title}",
                    action="登记跟进记录",
                    url=reverse("projects:act", args=[project.pk, "record_progress"]),
                    community=project.community.name,
                )
            )
    return items
