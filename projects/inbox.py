"""What waits for a user in the workflow: the inbox (待办) source for projects.

Derived from the table: a project waits for this user when a step of its state that the process
waits on is theirs (``projects.actions.first_waiting``). Each row is headed by the project's
next-step sentence (``projects.next_step``) and carries the deadline that runs in its state.
"""

from __future__ import annotations

from functools import cache, partial

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from fundadmin.inbox import InboxItem
from fundadmin.models import Community
from fundadmin.permissions import scopes_with
from fundadmin.roles import permission_level
from fundadmin.workdays import WorkingCalendar
from ledger.models import JournalEntry
from ledger.models import Kind as JournalKind

from . import facts as project_facts
from . import process, rules
from .actions import first_waiting
from .models import ChangeRequest, Project
from .next_step import Holders, due, next_step
from .process import Status

# Every candidate is read: the inbox lists everything a person must act on (the page pages it)
# and counts what is overdue over all of it, never over a cut.


def _holds_where():
    """For the rules that make a step wait only in some cases (a hiding rule, a ``waits_if``),
    a condition in SQL that holds at least wherever the rule holds: the inbox reads only the
    projects where such a step can wait (the rule itself still decides each row). Without it the
    finance inbox read every closed project of its committee for the rare reversed payment.
    tests/projects/test_inbox_prefilter.py checks each against its rule."""
    payment = Q(kind=JournalKind.PAYMENT, project=OuterRef("pk"))
    return {
        # Art. 11: the committee assigns the follow-up person while there is none.
        rules.no_followup_yet: Q(followup_user__isnull=True),
        # A pending change to decide.
        rules.change_pending: Q(
            Exists(ChangeRequest.objects.filter(project=OuterRef("pk"), status=ChangeRequest.Outcome.PENDING))
        ),
        # Net paid is zero only if nothing was paid or a payment was reversed (payments are debits).
        rules.payment_reversed: ~Q(Exists(JournalEntry.objects.filter(payment)))
        | Q(
            Exists(
                JournalEntry.objects.filter(
                    kind=JournalKind.REVERSAL,
                    reversed_entry__kind=JournalKind.PAYMENT,
                    reversed_entry__project=OuterRef("pk"),
                )
            )
        ),
    }


def _step_where(step, known: dict) -> Q | None:
    """Where ``step`` can wait, in SQL; None: wherever its state is."""
    # As machine.waits_on reads them: the step waits while its waits_if holds and its hiding rules do.
    hiding = [r for r in step.all_rules if r.hides and not r.user]
    conditions = [*((step.waits_if,) if step.waits_if else ()), *hiding]
    if any(r not in known for r in conditions):
        return None  # a rule with no SQL form: every project of the state is read
    where = Q()
    for r in conditions:
        where &= known[r]
    return where if conditions else None


@cache
def _states_by_permission() -> dict[str, dict[str, tuple]]:
    """For each permission, the states in which a step the process waits on needs it, and those
    steps (``_where`` narrows a state to where one of them can wait)."""
    found: dict[str, dict[str, list]] = {}
    for state in process.STATES:
        for step in state.steps:
            if step.page and (step.waits or step.waits_if is not None):
                found.setdefault(step.permission, {}).setdefault(state.status, []).append(step)
    return {
        codename: {status: tuple(steps) for status, steps in by_state.items()} for codename, by_state in found.items()
    }


def _where(steps, known: dict) -> Q | None:
    found = [_step_where(step, known) for step in steps]
    if any(w is None for w in found):
        return None
    out = Q()
    for w in found:
        out |= w
    return out


def _candidates(user):
    """Projects in a state where some permission the user holds, in that project's scope, acts —
    all of them (no cut: what is not read here would silently be missing from the inbox), less
    those where the only steps it could take wait in cases that do not hold (``_holds_where``)."""
    known = _holds_where()
    terms: dict[tuple[str, int], dict[str, list]] = {}  # (scope level, scope pk) -> state -> steps
    for codename, by_state in _states_by_permission().items():
        for pk in scopes_with(user, codename):
            for status, steps in by_state.items():
                terms.setdefault((permission_level(codename), pk), {}).setdefault(status, []).extend(steps)
    query = Q(followup_user=user, status=Status.EXECUTING)
    for (level, pk), by_state in terms.items():
        # A committee's communities by subquery, so each term can walk the (community, status) index.
        scope = Q(community=pk) if level == "community" else Q(community__in=Community.objects.filter(committee=pk))
        everywhere = sorted(status for status, steps in by_state.items() if _where(steps, known) is None)
        narrowed = Q(status__in=everywhere) if everywhere else Q(pk__in=[])
        for status, steps in sorted(by_state.items()):
            where = _where(steps, known)
            if where is not None:
                narrowed |= Q(status=status) & where
        query |= scope & narrowed
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
    holders = Holders(projects, today)  # read when the first sentence of the page shown is built

    def sentence(project, f) -> str:
        return next_step(project, f, holders, today=today).sentence

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
        # Every row's deadline (the list is sorted and counted by it); its sentence and address
        # only when the page shows it.
        items.append(
            InboxItem(
                title=f"{project.number} {project.title}",
                action=step.label,
                url=partial(reverse, "projects:act", args=[project.pk, step.verb]),
                key=f"project {project.pk:012d} {step.verb}",
                community=project.community.name,
                deadline=due(project, f),
                sentence=partial(sentence, project, f),
                note="" if waiting is None or waiting else f"暂不能办理：{waiting.reason}",
            )
        )
    return items
