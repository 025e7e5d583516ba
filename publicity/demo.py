"""Demo layer of publicity: residents' needs in every demo community (some adopted, one not), a
corrected notice, a notice with objections (one dismissed, one still open) and a published 2025
annual summary. Runs after the projects demo; finds projects by their state. Idempotent: each
part checks for what it made before."""

from __future__ import annotations

import datetime

from django.utils import timezone

from fundadmin.demo import at
from fundadmin.demo.core import COMMUNITIES
from fundadmin.models import Community, FundYear, RoleAssignment
from fundadmin.roles import Role

from . import services
from .annual import annual_snapshot, annual_title
from .models import Need, Notice, Objection

NEEDS = [
    ("door_to_door", "独居老人希望有人定期上门看望，帮忙买菜、取药。"),
    ("service_hall", "老楼楼道灯坏了很久，晚上上下楼不安全。"),
    ("online", "希望小区能有一个给孩子放学后写作业的地方。"),
    ("door_to_door", "下岗职工希望社区组织一些家政、养老护理方面的技能培训。"),
]
CORRECTION_NOTE = "原公示中受益对象表述不准确，已更正为实际受益楼栋。"
OBJECTION_DISMISSED = "方案中的灯具数量比实际楼道数量多，是否有浪费？"
OBJECTION_OPEN = "希望公布承办单位是如何选定的，有没有比价。"


def _person(role: Role, community: Community):
    assignment = RoleAssignment.objects.active().covering(community).filter(role=role).select_related("user").first()
    return assignment.user if assignment else None


def part() -> None:
    """The evening of 27 November 2026, after the last replayed project step (09:00 that day): the
    demo's part (FUNDADMIN_DEMO_PARTS)."""
    with at(datetime.date(2026, 11, 27), hour=17):
        load()


def load() -> None:
    communities = list(Community.objects.filter(code__in=[c[1] for c in COMMUNITIES]))
    for community in communities:
        _needs(community)
    _corrected_notice()
    _objected_notice()
    if communities:
        _annual_2025(communities[0])


def _needs(community: Community) -> None:
    staff = _person(Role.COMMUNITY_MEMBER, community)
    for channel, content in NEEDS:
        if not Need.objects.filter(community=community, content=content).exists():
            services.need_record(
                community=community,
                content=content,
                channel=channel,
                by=None if channel == "online" else staff,
                received_on=datetime.date(2026, 1, 8),
            )
    needs = list(Need.objects.filter(community=community, content__in=[c for _, c in NEEDS]).order_by("pk"))
    # Adopted: the proposal cites the need (Project.needs). The projects demo built its proposals
    # without citations, so the demo adds them to the posted projects here.
    from .selectors import public_projects

    for need, project in zip(needs[:2], public_projects().filter(community=community).order_by("pk"), strict=False):
        if not need.projects.exists():
            project.needs.add(need)
    last = needs[-1] if needs else None
    if last is not None and not last.projects.exists() and last.outcome != Need.Outcome.NOT_ADOPTED and staff:
        services.need_mark_not_adopted(
            need=last,
            by=staff,
            reason="技能培训已由街道就业服务站按市级财政安排开展，不属于本经费使用范围（《细则》第四条）。",
        )


def _up_plan_notices():
    today = timezone.localdate()
    return (
        Notice.objects.up_on(today)
        .filter(kind=Notice.Kind.PLAN, project__status="publicity", community__code__in=[c[1] for c in COMMUNITIES])
        .order_by("pk")
    )


def _corrected_notice() -> None:
    if Notice.objects.filter(correction_note=CORRECTION_NOTE).exists():
        return
    notice = _up_plan_notices().filter(version=1).first()
    if notice is None:
        return
    secretary = _person(Role.COMMUNITY_SECRETARY, notice.community)
    beneficiaries = (notice.snapshot.get("beneficiaries") or "小区居民") + "（1至3栋）"
    services.notice_correct(notice=notice, by=secretary, note=CORRECTION_NOTE, fields={"beneficiaries": beneficiaries})


def _objected_notice() -> None:
    if Objection.objects.filter(text=OBJECTION_DISMISSED).exists():
        return
    candidates = list(_up_plan_notices())
    # Prefer a notice other than the corrected one, so each demo case stands on its own.
    notice = next((n for n in candidates if n.version == 1), candidates[0] if candidates else None)
    if notice is None:
        return
    secretary = _person(Role.COMMUNITY_SECRETARY, notice.community)
    member = _person(Role.COMMITTEE_MEMBER, notice.community)
    first = services.objection_submit(notice=notice, text=OBJECTION_DISMISSED, name="李某", contact="138****0000")
    services.objection_answer(
        objection=first, by=secretary, answer="经核对，灯具数量按每层两盏计算，含地下室和楼梯间，与实际一致。"
    )
    services.objection_record_decision(
        objection=first, by=member, upheld=False, decision="经核实，灯具数量与楼道实际相符，异议不成立。"
    )
    services.objection_submit(notice=notice, text=OBJECTION_OPEN)


def _annual_2025(community: Community) -> None:
    fund_year = FundYear.objects.filter(community=community, year=2025).first()
    if fund_year is None:
        return
    if Notice.objects.filter(fund_year=fund_year, kind=Notice.Kind.ANNUAL).exists():
        return
    secretary = _person(Role.COMMUNITY_SECRETARY, community)
    reviewed = Notice.hash_snapshot(annual_title(fund_year), annual_snapshot(fund_year))
    services.annual_summary_publish(
        fund_year=fund_year,
        by=secretary,
        reviewed_hash=reviewed,
        remarks="2025年度经费结余全部结转2026年度继续使用（《细则》第十三条）。",
        posted_on=datetime.date(2025, 12, 10),
    )
