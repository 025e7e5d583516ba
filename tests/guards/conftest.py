"""A small world for the guards: two communities under two different working committees, one
person for every role in each, and in community A projects walked through the real services
(projects.scenario) to a few states, so every kind of object a URL can name exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from fundadmin.models import Community
from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel
from ledger.services import appropriation_record
from projects.models import Document, Project, Status
from publicity import services as publicity_services
from publicity.models import Need, Notice, Objection
from tests.factories import CommunityFactory, FundYearFactory, user_with_role
from tests.projects.helpers import Clock, new_project, walk

START = dt.date(2026, 9, 1)


@dataclass
class Side:
    community: Community
    fund_year: object
    people: dict
    projects: dict = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    notice: Notice
    objection: Objection
    need: Need
    document: Document
    entry: object


def side(**fund_year_kwargs) -> Side:
    community = CommunityFactory()
    fund_year = FundYearFactory(community=community, **fund_year_kwargs)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    # City-wide roles belong to no side: tests/guards/test_access.py checks them on both.
    people = {role: user_with_role(role, community) for role in Role if ROLE_SCOPE[role] != ScopeLevel.SYSTEM}
    return Side(community, fund_year, people)


def build_world(clock: Clock, *, closed: int = 1) -> World:
    """Community A gets ``closed`` closed projects, one in its plan notice (with an objection), one
    draft and a public need; community B (another committee) gets one closed project."""
    a, b = side(), side()
    for n in range(closed):
        clock.to(START)
        p = new_project(a.people, a.fund_year, title=f"楼道照明改造{n}")
        a.projects[f"closed{n}"] = walk(p, a.people, Status.CLOSED, clock)
    a.projects["closed"] = a.projects["closed0"]
    clock.to(START)
    b.projects["closed"] = walk(new_project(b.people, b.fund_year), b.people, Status.CLOSED, clock)
    clock.to(dt.date(2026, 9, 30))
    a.projects["publicity"] = walk(
        new_project(a.people, a.fund_year, title="助老餐"), a.people, Status.PUBLICITY, clock
    )
    a.projects["draft"] = new_project(a.people, a.fund_year, title="草稿项目")
    notice = Notice.objects.get(project=a.projects["publicity"], kind=Notice.Kind.PLAN)
    objection = publicity_services.objection_submit(notice=notice, text="希望扩大受益范围", name="居民", contact="")
    need = publicity_services.need_record(community=a.community, content="楼道太黑", channel=Need.Channel.ONLINE)
    document = Document.objects.filter(project=a.projects["closed"]).first()
    entry = a.projects["closed"].journal_entries.first() if hasattr(a.projects["closed"], "journal_entries") else None
    if entry is None:
        from ledger.models import JournalEntry

        entry = JournalEntry.objects.filter(fund_year=a.fund_year).order_by("pk").last()
    cache.clear()  # the public rate limit counted the objection above
    return World(a, b, notice, objection, need, document, entry)


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=START)


@pytest.fixture
def world(db, clock) -> World:
    return build_world(clock)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


@pytest.fixture
def fund_year_with_money(community):
    """A 2026 fund year of 100,000 yuan whose appropriation has been received (Art. 5)."""
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return fund_year
