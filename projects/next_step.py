"""Who the project waits for, and by when — one sentence, on the project page, at the head of each
inbox row and in each reminder (UX.md "Every page answers five questions").

Derived from the table (``projects.process``): the state's waiting steps, the people who hold a
role with each step's permission in the project's community or committee today (one query for a
whole page of projects, ``Holders``), and the clock that runs in the state — a deadline counted in
working days (当天不计入，自次日起算), a notice period, or none, in which case the sentence says how
long the project has waited.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from fundadmin.formats import date_prose
from fundadmin.models import ActingAssignment, RoleAssignment
from fundadmin.roles import ROLE_BODY, ROLE_SCOPE, ScopeLevel, roles_granting
from fundadmin.workdays import Deadline

from . import machine
from .facts import Facts
from .models import Project
from .process import NoticeRuns, State, Status, Step, Within

CONVENTION = "当天不计入，自次日起算"
ENDED = {
    Status.CLOSED: "项目已完成归档，没有待办事项。",
    Status.WITHDRAWN: "项目已撤回，没有待办事项。",
    Status.REJECTED: "项目未获批准，没有待办事项。",
}


class Holders:
    """Who holds which role today, for the communities and committees of a page's projects — and,
    for a principal leader who is away, who acts for them (代行职责): the acting person in their
    place, named "张德明代李伟", while the period runs. One query for the page, read when a sentence
    first names someone (a page of ended projects reads none): the acting person holds a role in
    the same body, so their own row is among those read."""

    def __init__(self, projects: Iterable[Project], today: datetime.date | None = None):
        projects = list(projects)
        self._communities = {p.community_id for p in projects}
        self._committees = {p.community.committee_id for p in projects}
        self._today = today
        self._loaded: tuple[dict, dict] | None = None

    def _read(self) -> tuple[dict, dict]:
        if self._loaded is not None:
            return self._loaded
        names_of: dict[tuple[str, int, str], list[tuple[int, str]]] = defaultdict(list)
        acting_of: dict[tuple[str, int, str], list[tuple[int, str]]] = defaultdict(list)
        self._loaded = (names_of, acting_of)
        if not self._communities:
            return self._loaded
        today = self._today
        acting_user = ActingAssignment.objects.running(today).filter(principal=OuterRef("pk")).values("user_id")[:1]
        rows = list(
            RoleAssignment.objects.active(today)
            .filter(Q(community__in=self._communities) | Q(committee__in=self._committees))
            .filter(user__is_active=True)
            .annotate(acting_user_id=Subquery(acting_user))
            .select_related("user")
            .order_by("role", "user__username")
        )
        names = {a.user_id: a.user.display_name for a in rows}
        for a in rows:
            scope = ("community", a.community_id) if a.community_id else ("committee", a.committee_id)
            if a.acting_user_id in names:
                # Away: the process waits for the one who acts in their place.
                acting_of[(*scope, a.role)].append(
                    (a.acting_user_id, f"{names[a.acting_user_id]}代{a.user.display_name}")
                )
            else:
                names_of[(*scope, a.role)].append((a.user_id, a.user.display_name))
        return self._loaded

    @property
    def _names(self) -> dict[tuple[str, int, str], list[tuple[int, str]]]:
        return self._read()[0]

    @property
    def _acting(self) -> dict[tuple[str, int, str], list[tuple[int, str]]]:
        return self._read()[1]

    def _key(self, project: Project, role: str) -> tuple[str, int, str]:
        level = ROLE_SCOPE[role]
        scope = (
            ("community", project.community_id)
            if level == ScopeLevel.COMMUNITY
            else ("committee", project.community.committee_id)
        )
        return (*scope, role)

    def of(self, project: Project, role: str) -> list[tuple[int, str]]:
        """Those who hold ``role`` over the project today in their own right (and are not away)."""
        return self._names.get(self._key(project, role), [])

    def acting(self, project: Project, role: str) -> list[tuple[int, str]]:
        """Those who act in ``role`` today for a principal who is away, as (user id, "张德明代李伟")."""
        return self._acting.get(self._key(project, role), [])


@dataclass(frozen=True)
class Party:
    """One body (and the people in it who may act) that the project waits for, and for what."""

    who: str  # "东湖街道社区党工委"
    members: tuple[tuple[int, str], ...]  # (user id, name) of those who may act
    steps: tuple[Step, ...]

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.members)

    def phrase(self, *, later: bool = False) -> str:
        """等待东湖街道社区党工委（李伟、张德明）初步同意 — or, for what follows a notice period,
        由桂花社区党委（王芳）办理“公示期满无异议，报送党工委审批”."""
        names = "、".join(self.people) if self.people else "暂无在任人员，请联系系统管理员任命"
        if later:
            return f"{self.who}（{names}）办理{'、'.join(f'“{step.label}”' for step in self.steps)}"
        return f"{self.who}（{names}）{'、'.join(step.label for step in self.steps)}"


@dataclass(frozen=True)
class NextStep:
    sentence: str
    parties: tuple[Party, ...] = ()
    due: Deadline | None = None  # a deadline for the waiting steps (Art. 11)
    overdue: bool = False
    period_ends: Deadline | None = None  # a notice that must run first (Art. 10, 15)
    waited_working_days: int | None = None  # where the rules set no deadline
    later: tuple[Party, ...] = ()  # who acts once a notice period or another body's step is done

    @property
    def user_ids(self) -> set[int]:
        """Everyone the project waits for, now or once what holds it is done (notifications)."""
        return {user_id for party in (*self.parties, *self.later) for user_id, _ in party.members}


def _parties(project: Project, steps: Iterable[Step], holders: Holders) -> tuple[Party, ...]:
    grouped: dict[str, tuple[dict[int, str], list[Step]]] = {}
    acting: list[tuple[dict[int, str], Step, int, str]] = []
    for step in steps:
        for role in roles_granting(step.permission):
            body, title = ROLE_BODY[role]
            who = project.community.body_name(body) + title
            members, found = grouped.setdefault(who, ({}, []))
            for user_id, name in holders.of(project, role):
                if not (step.not_proposer and user_id == project.proposer_id):
                    members.setdefault(user_id, name)
            # The separation of duties binds the acting person as it binds the leader.
            acting += [(members, step, uid, name) for uid, name in holders.acting(project, role)]
            if step not in found:
                found.append(step)
    # Named as acting only where their own role does not already let them take the step.
    for members, step, user_id, name in acting:
        if not (step.not_proposer and user_id == project.proposer_id):
            members.setdefault(user_id, name)
    return tuple(Party(who, tuple(members.items()), tuple(found)) for who, (members, found) in grouped.items())


def _date(deadline: Deadline) -> str:
    return f"{date_prose(deadline.date)}{'（暂定）' if deadline.provisional else ''}"


def _waiting(project: Project, facts: Facts) -> tuple[list, list]:
    """The steps the project waits on: those free to take, and those held by others' work (with
    the rule that holds each)."""
    free, held = [], []
    for step in project.state.steps:
        if not machine.waits_on(step, project, facts):
            continue
        blocking = next(
            (r for r in step.all_rules if r.waits_for_others and not r.user and r.reason(project, facts) is not None),
            None,
        )
        (held if blocking else free).append((step, blocking))
    return free, held


def due(project: Project, facts: Facts) -> Deadline | None:
    """The deadline ``next_step`` names, without its sentence: what the inbox sorts every row by
    (it builds the sentences of the page it shows only)."""
    state: State = project.state
    if state.ended:
        return None
    clock = state.clock
    if not (isinstance(clock, Within) and getattr(project, clock.since)):
        return None
    free, _ = _waiting(project, facts)
    return facts.calendar.add_working_days(getattr(project, clock.since), clock.days) if free else None


def next_step(project: Project, facts: Facts, holders: Holders, *, today: datetime.date | None = None) -> NextStep:
    """The sentence for ``project``, from its facts (``projects.facts.load``) and today's role holders."""
    today = today or facts.today
    state: State = project.state
    if state.ended:
        return NextStep(ENDED[project.status])
    free, held = _waiting(project, facts)
    clock = state.clock
    calendar = facts.calendar
    if free:
        parties = _parties(project, [s for s, _ in free], holders)
        text = "等待" + "；".join(p.phrase() for p in parties)
        if isinstance(clock, Within) and getattr(project, clock.since):
            due = calendar.add_working_days(getattr(project, clock.since), clock.days)
            rule = f"{clock.event}后{clock.days}个工作日，{CONVENTION}；《细则》{clock.article}"
            if today > due.date:
                late = calendar.working_days_between(due.date, today).days
                return NextStep(
                    f"{text}。已超期：应于{_date(due)}前办理（{rule}），已超过 {late} 个工作日。",
                    parties,
                    due=due,
                    overdue=True,
                )
            return NextStep(f"{text}，应于{_date(due)}前办理（{rule}）。", parties, due=due)
        entered = timezone.localdate(project.status_changed_at)
        waited = calendar.working_days_between(entered, today).days
        since = (
            f"已等待 {waited} 个工作日（自 {date_prose(entered)}起）"
            if waited
            else f"今天（{date_prose(entered)}）起等待办理"
        )
        return NextStep(f"{text}。规则未设办理期限，{since}。", parties, waited_working_days=waited)
    if held:
        _, blocking = held[0]
        later = _parties(project, [s for s, _ in held], holders)
        then = "；".join(p.phrase(later=True) for p in later)
        if isinstance(clock, NoticeRuns):
            notice = facts.latest_notice(clock.kind)
            if notice is not None:
                ends = facts.notice_end(notice)
                if today <= ends.date:
                    return NextStep(
                        f"{state.label}：公示期至{_date(ends)}止（{clock.days}个工作日，{CONVENTION}；"
                        f"《细则》{clock.article}）。期满且无未办结异议后，由{then}。",
                        period_ends=ends,
                        later=later,
                    )
        reason = blocking.reason(project, facts).rstrip("。")
        return NextStep(f"{reason}。之后由{then}。", later=later)
    return NextStep("没有待办事项。")
