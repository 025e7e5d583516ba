"""The project list's reads: search, the orders it offers, and for each row of a page whom the
project waits for and by when — the head of ``projects.next_step``'s sentence, computed for the
page's rows at once (one query per kind of fact the sentence reads, and one for the role holders).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from django.db.models import Case, DateField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from fundadmin.formats import date_table
from fundadmin.workdays import WorkingCalendar
from publicity.models import Notice

from . import facts as project_facts
from . import process
from .models import Project
from .next_step import Holders, NextStep, next_step
from .process import NoticeRuns
from .selectors import APPROVAL_DAYS


def search(projects: QuerySet[Project], q: str) -> QuerySet[Project]:
    """By title, number or contractor (a part of any of them)."""
    q = q.strip()
    if not q:
        return projects
    return projects.filter(Q(title__icontains=q) | Q(number__icontains=q) | Q(contractor_name__icontains=q))


# -- orders -----------------------------------------------------------------------------------------

NOTICE_STATES = {s.status: s.clock.kind for s in process.STATES if isinstance(s.clock, NoticeRuns)}


def _notice_ends(kind: str) -> Subquery:
    """The last day of the project's standing notice of ``kind`` in this round (as facts.latest_notice)."""
    return Subquery(
        Notice.objects.filter(
            project=OuterRef("pk"),
            kind=kind,
            withdrawn_at__isnull=True,
            superseded_by__isnull=True,
            published_at__gte=OuterRef("status_changed_at"),
        )
        .order_by("-posted_on", "-pk")
        .values("ends_on")[:1],
        output_field=DateField(),
    )


def by_deadline(projects: QuerySet[Project], today: datetime.date, calendar: WorkingCalendar) -> QuerySet[Project]:
    """Soonest deadline first: an approval's (Art. 11: 5 working days from receipt, overdue ones
    first), a notice period still running (Art. 10, 15); then the rest, longest waiting first.
    The approval deadline is counted in working days, which SQL cannot do: it is computed for the
    few receipt dates of the projects awaiting approval (one query) and handed to SQL as values."""
    received = (
        projects.filter(status__in=process.APPROVAL_STATES, received_on__isnull=False)
        .order_by()
        .values_list("received_on", flat=True)
        .distinct()
    )
    due = [
        When(
            status__in=process.APPROVAL_STATES,
            received_on=day,
            then=Value(calendar.add_working_days(day, APPROVAL_DAYS).date),
        )
        for day in received
    ]
    for status, kind in NOTICE_STATES.items():
        ends = f"ends_{status}"
        projects = projects.annotate(**{ends: _notice_ends(kind)})
        due.append(When(Q(status=status) & Q(**{f"{ends}__gte": today}), then=F(ends)))
    ended = Case(When(status__in=process.ENDED_STATES, then=Value(1)), default=Value(0))
    return projects.annotate(due_on=Case(*due, default=None, output_field=DateField()), ended=ended).order_by(
        F("due_on").asc(nulls_last=True), "ended", "status_changed_at", "pk"
    )


def by_amount(projects: QuerySet[Project]) -> QuerySet[Project]:
    """The approved (or changed) amount, else the budget total (``with_budget_total``)."""
    return projects.annotate(amount_now=Coalesce(F("approved_amount"), F("budget_sum"))).order_by(
        F("amount_now").desc(nulls_last=True), "-created_at"
    )


def ordered(projects: QuerySet[Project], sort: str, today: datetime.date, calendar: WorkingCalendar):
    if sort == "deadline":
        return by_deadline(projects, today, calendar)
    if sort == "amount":
        return by_amount(projects)
    if sort == "changed":
        return projects.order_by("-status_changed_at", "-pk")
    return projects.order_by("-created_at", "-pk")


# -- whom each row waits for ------------------------------------------------------------------------


@cache
def sentence_reads(status: str) -> frozenset[str]:
    """The facts ``next_step`` reads in ``status``: the rules that decide whether a step waits
    (``hides``, ``waits_if``) and whether something else holds it (``waits_for_others``) — not
    the rules about the user or the money, which the sentence never asks."""
    found: set[str] = set()
    for step in process.STATE[status].steps:
        for rule in step.all_rules:
            if not rule.user and (rule.hides or rule.waits_for_others):
                found |= rule.reads
        if step.waits_if is not None:
            found |= step.waits_if.reads
    return frozenset(found)


@dataclass(frozen=True)
class Waiting:
    """A row's "waiting for / due" cell."""

    who: str  # "东湖街道社区党工委（李伟）党工委班子会议批准", or what holds the project
    when: str  # "期限 2026-11-19", "已超期 8 个工作日（期限 2026-11-19）", "公示期至 2026-12-02"
    overdue: bool = False


def waiting(told: NextStep, today: datetime.date, calendar: WorkingCalendar) -> Waiting | None:
    if told.parties:
        who = "等待" + "；".join(p.phrase() for p in told.parties)
        if told.due is not None:
            mark = "（暂定）" if told.due.provisional else ""
            if told.overdue:
                late = calendar.working_days_between(told.due.date, today).days
                return Waiting(who, f"已超期 {late} 个工作日（期限 {date_table(told.due.date)}{mark}）", True)
            return Waiting(who, f"期限 {date_table(told.due.date)}{mark}")
        days = told.waited_working_days or 0
        return Waiting(who, f"无办理期限，已等待 {days} 个工作日" if days else "无办理期限，今天起等待")
    if told.later:
        then = "；".join(p.phrase() for p in told.later)
        if told.period_ends is not None:
            mark = "（暂定）" if told.period_ends.provisional else ""
            return Waiting(f"之后：{then}", f"公示期至 {date_table(told.period_ends.date)}{mark}")
        # Something else holds it first (an objection to decide, a follow-up person to assign).
        return Waiting(f"之后：{then}", told.sentence.split("。")[0] + "。")
    return None


def waiting_rows(projects: list[Project], today: datetime.date, calendar: WorkingCalendar) -> list[Waiting | None]:
    """Per project of a page, in order: whom it waits for and by when (None once it has ended)."""
    live = [p for p in projects if not p.state.ended]
    kinds = frozenset().union(*(sentence_reads(p.status) for p in live)) if live else frozenset()
    facts = dict(
        zip(
            [p.pk for p in live],
            project_facts.load(live, kinds=kinds, today=today, calendar=calendar),
            strict=True,
        )
    )
    holders = Holders(live, today)
    return [
        waiting(next_step(p, facts[p.pk], holders, today=today), today, calendar) if p.pk in facts else None
        for p in projects
    ]
