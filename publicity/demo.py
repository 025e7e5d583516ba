"""Demo layer of publicity: residents' needs in every demo community (adopted by the projects
whose titles answer them, one answered, one not adopted, the rest waiting for an answer), a
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

# (channel, content, what becomes of it). A need is linked only to a project that answers it,
# by words of that project's title; in a community without such a project it stays received.
NEEDS = [
    ("door_to_door", "独居老人希望有人定期上门看望，帮忙买菜、取药。", ("助餐", "老年食堂", "慰问")),
    ("service_hall", "老楼楼道灯坏了很久，晚上上下楼不安全。", ("声控灯", "照明")),
    ("online", "希望小区能有一个给孩子放学后写作业的地方。", ("托管",)),
    ("door_to_door", "下岗职工希望社区组织一些家政、养老护理方面的技能培训。", ("家政服务技能培训",)),
    ("service_hall", "小区东门外的路灯不亮，晚上出门看不清路。", "respond"),
    ("online", "建议用专项经费给小区保安发放夜班补贴。", "not_adopted"),
]
RESPONSE = "东门外路灯属市政设施，社区已报市政路灯管理所，维修后在此告知。"
NOT_ADOPTED = "保安补贴属于应由物业服务企业承担的费用，不得使用专项经费（《细则》第四条）。"
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
    for channel, content, _ in NEEDS:
        if not Need.objects.filter(community=community, content=content).exists():
            services.need_record(
                community=community,
                content=content,
                channel=channel,
                by=None if channel == "online" else staff,
                received_on=datetime.date(2026, 1, 8),
            )
    # Adopted: the proposal cites the need (Project.needs, Art. 9). The projects demo builds its
    # proposals without citations, so they are added here, each to a project true to its title.
    projects = list(community.projects.exclude(status__in=("withdrawn", "rejected")).order_by("pk"))
    for _channel, content, outcome in NEEDS:
        need = Need.objects.get(community=community, content=content)
        if outcome == "respond":
            if not need.response and staff:
                services.need_respond(need=need, by=staff, response=RESPONSE)
        elif outcome == "not_adopted":
            if need.outcome != Need.Outcome.NOT_ADOPTED and staff:
                services.need_mark_not_adopted(need=need, by=staff, reason=NOT_ADOPTED)
        elif not need.projects.exists():
            # The words in the order given: the first is the closest answer.
            match = next((p for word in outcome for p in projects if word in p.title), None)
            if match is not None:
                match.needs.add(need)


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
