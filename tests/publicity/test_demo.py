import datetime as dt

import pytest

from fundadmin.demo import core
from fundadmin.models import Community, FundYear, RoleAssignment
from projects.models import Status
from publicity import demo
from publicity.models import Need, Notice, Objection
from tests.projects.helpers import Clock, new_project, walk

pytestmark = pytest.mark.django_db


def _people(community):
    assignments = RoleAssignment.objects.active().covering(community).select_related("user")
    return {a.role: a.user for a in assignments}


def test_demo_has_needs_corrections_objections_and_an_annual_summary(time_machine):
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    core.load()
    guihua = Community.objects.get(code="guihua")
    people = _people(guihua)
    fund_year = FundYear.objects.get(community=guihua, year=2026)
    for title in ("楼道照明改造", "老年食堂助餐"):
        walk(new_project(people, fund_year, title=title), people, Status.PUBLICITY, clock)
    demo.load()
    demo.load()  # idempotent

    assert Need.objects.filter(community__code="guihua").count() == len(demo.NEEDS)
    assert Need.objects.filter(projects__isnull=False).distinct().count() == 2
    assert Need.objects.filter(outcome=Need.Outcome.NOT_ADOPTED).count() == Community.objects.count()
    corrected = Notice.objects.get(correction_note=demo.CORRECTION_NOTE)
    assert corrected.version == 2 and corrected.supersedes is not None
    objected = Objection.objects.get(text=demo.OBJECTION_DISMISSED).notice
    assert objected != corrected
    states = sorted(objected.objections.values_list("state", flat=True))
    assert states == [Objection.State.DISMISSED, Objection.State.OPEN]
    annual = Notice.objects.get(kind=Notice.Kind.ANNUAL)
    assert annual.fund_year.year == 2025 and annual.posted_on == dt.date(2025, 12, 10)
    assert annual.ends_on == dt.date(2025, 12, 17)
