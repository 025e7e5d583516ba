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


def test_demo_needs_go_to_projects_true_to_their_titles(time_machine):
    # Issue 13: "楼道灯坏了" was linked to 助餐送餐 and "独居老人…上门看望" to 声控灯改造.
    clock = Clock(time_machine, start=dt.date(2026, 11, 2))
    core.load()
    guihua = Community.objects.get(code="guihua")
    people = _people(guihua)
    fund_year = FundYear.objects.get(community=guihua, year=2026)
    # Created in the order that used to pair them wrongly (the first need with the first project).
    for title in ("老旧小区楼道声控灯改造", "独居老人助餐送餐服务", "社区健身路径器材更新"):
        walk(new_project(people, fund_year, title=title), people, Status.PUBLICITY, clock)
    demo.load()
    linked = {
        need.content: [p.title for p in need.projects.all()]
        for need in Need.objects.filter(community=guihua).prefetch_related("projects")
    }
    assert linked["老楼楼道灯坏了很久，晚上上下楼不安全。"] == ["老旧小区楼道声控灯改造"]
    assert linked["独居老人希望有人定期上门看望，帮忙买菜、取药。"] == ["独居老人助餐送餐服务"]
    for content, words in ((c, o) for _, c, o in demo.NEEDS if isinstance(o, tuple)):
        for title in linked[content]:
            assert any(word in title for word in words), (content, title)
    statuses = {n.content: n.status for n in Need.objects.filter(community=guihua)}
    assert statuses[demo.NEEDS[4][1]] == Need.Status.RESPONDED  # answered, not adopted
    assert statuses[demo.NEEDS[5][1]] == Need.Status.RESPONDED  # not adopted, with the reason
    assert statuses["希望小区能有一个给孩子放学后写作业的地方。"] == Need.Status.RECEIVED  # no such project here
