"""The inbox is lazy (issue 17): every row's deadline is computed (the list is sorted and counted
by it), its sentence and address only when the page shows the row. The deadline must be the one
the sentence names (projects.next_step.due against next_step)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fundadmin.inbox import InboxItem
from fundadmin.roles import Role
from fundadmin.workdays import Deadline, WorkingCalendar
from projects import facts as project_facts
from projects.inbox import inbox_items
from projects.models import Project, Status
from projects.next_step import Holders, due, next_step

from .helpers import Clock, new_project, walk


def test_a_lazy_item_builds_its_sentence_and_address_once_and_only_when_read():
    calls = []

    def sentence():
        calls.append("sentence")
        return "等待社区党委办理。"

    item = InboxItem(
        title="项目",
        action="办理",
        url=lambda: calls.append("url") or "/x/",
        community="社区",
        sentence=sentence,
        key="k",
    )
    assert calls == []  # made, sorted, counted: nothing built
    assert item.sort_key() == (dt.date.max, "项目", "办理", "k")
    assert item.sentence == "等待社区党委办理。" and item.sentence == "等待社区党委办理。"
    assert item.url == "/x/" and item.url == "/x/"
    assert calls == ["sentence", "url"]
    late = InboxItem(title="t", action="a", url="/y/", community="c", deadline=Deadline(dt.date(2026, 1, 5), False))
    assert late.key == "/y/" and late.is_overdue(dt.date(2026, 1, 6)) and not late.is_overdue(dt.date(2026, 1, 5))


def test_every_rows_deadline_is_the_one_its_sentence_names(people, fund_year, time_machine):
    # Art. 11: the committee decides within 5 working days of receiving the form.
    clock = Clock(time_machine)
    for status in (Status.DRAFT, Status.SUBMITTED, Status.COMMITTEE_APPROVED, Status.APPROVED, Status.EXECUTING):
        walk(new_project(people, fund_year, title=f"项目{status}"), people, status, clock)
    clock.to(clock.day + dt.timedelta(days=20))  # some deadlines passed
    calendar, today = WorkingCalendar(), timezone.localdate()
    projects = list(Project.objects.select_related("community__committee").order_by("pk"))
    facts = project_facts.load(projects, without={"money"}, today=today, calendar=calendar)
    holders = Holders(projects, today)
    dated = 0
    for project, f in zip(projects, facts, strict=True):
        told = next_step(project, f, holders, today=today)
        assert due(project, f) == told.due, project.status
        dated += told.due is not None
    assert dated  # the world has rows with a deadline
    for role in (Role.COMMUNITY_SECRETARY, Role.COMMITTEE_SECRETARY, Role.CONSTRUCTION_DIRECTOR):
        items = inbox_items(people[role], calendar)
        assert items
        for item in items:
            project = next(p for p in projects if item.title.startswith(p.number))
            f = next(f for p, f in zip(projects, facts, strict=True) if p is project)
            assert item.deadline == next_step(project, f, holders, today=today).due
            assert item.sentence == next_step(project, f, holders, today=today).sentence
            assert item.url.startswith(f"/projects/{project.pk}/")
