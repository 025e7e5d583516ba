"""Demo projects in every state of the process, built through the real services by replaying
their history day by day (Sep–Nov 2026), so every notice, deadline and trail event is genuine.
Idempotent: a community that already has its demo projects is left alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from fundadmin import services as fundadmin_services
from fundadmin.demo import at
from fundadmin.models import ActingAssignment, Community, FundYear, RoleAssignment, SpendingCategory, User
from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar

from . import scenario, services
from .models import DECLARATION_FIELDS, ContractorKind, Project, Review, Status
from .services import LineInput


@dataclass(frozen=True)
class Spec:
    community: str
    title: str
    category: int
    amount: str
    until: Status
    start: datetime.date
    contractor: str = "示例社区服务有限公司"
    kind: str = ContractorKind.ORGANISATION
    small_group: str = ""  # justification, for a small-group project (Art. 7(2))
    beneficiaries: str = "社区居民"
    count: int = 200
    shelve_first: bool = False
    end: str = ""  # "withdraw" / "reject" after reaching ``until``


D = datetime.date
SPECS = [
    # 桂花社区 (the first demo community): one project in every state.
    Spec(
        "guihua",
        "老旧小区楼道声控灯改造",
        4,
        "8600.00",
        Status.CLOSED,
        D(2026, 9, 1),
        "明亮电气安装有限公司",
        beneficiaries="桂花苑1–6栋住户",
        count=420,
    ),
    Spec(
        "guihua",
        "独居老人助餐送餐服务",
        1,
        "12000.00",
        Status.CLOSED,
        D(2026, 9, 2),
        "王阿姨",
        ContractorKind.INDIVIDUAL,
        small_group="辖区独居高龄老人行动不便，急需助餐",
        beneficiaries="独居高龄老人",
        count=18,
    ),
    Spec("guihua", "重阳节文艺汇演", 5, "6500.00", Status.COMPLETION_NOTICE, D(2026, 10, 8), "星光文化传播有限公司"),
    Spec("guihua", "社区健身路径器材更新", 5, "15800.00", Status.PAID, D(2026, 9, 7), "康体器材有限公司"),
    Spec("guihua", "便民维修服务日", 2, "3200.00", Status.SIGNED, D(2026, 9, 14), "家家修便民服务部"),
    Spec(
        "guihua", "困难家庭子女助学帮扶", 1, "5000.00", Status.INVOICE_SIGNING_3, D(2026, 9, 15), "桂花社区志愿服务队"
    ),
    Spec("guihua", "公共服务资料印制", 2, "2400.00", Status.INVOICE_SIGNING_2, D(2026, 9, 16), "快印图文有限公司"),
    Spec("guihua", "下岗职工电商技能培训", 3, "9800.00", Status.INVOICE_SIGNING_1, D(2026, 9, 21), "创业职业培训学校"),
    Spec("guihua", "弃管小区绿化补植", 4, "7300.00", Status.ACCEPTED, D(2026, 9, 22), "绿源园林工程有限公司"),
    Spec("guihua", "社区志愿者表彰活动", 6, "2600.00", Status.INSPECTION, D(2026, 9, 28), "桂花社区志愿服务队"),
    Spec(
        "guihua",
        "残疾人居家康复服务",
        1,
        "4600.00",
        Status.EXECUTING,
        D(2026, 10, 12),
        "仁爱康复服务中心",
        small_group="辖区重度残疾人需上门康复",
        beneficiaries="重度残疾人",
        count=9,
    ),
    Spec("guihua", "老年人智能手机培训", 2, "1800.00", Status.APPROVED, D(2026, 10, 26), "银龄学堂"),
    Spec("guihua", "小区监控补盲", 4, "11200.00", Status.CONSTRUCTION_APPROVED, D(2026, 11, 2), "安居安防科技有限公司"),
    Spec("guihua", "居民议事厅桌椅购置", 6, "3900.00", Status.COMMITTEE_APPROVED, D(2026, 11, 3), "办公家具商行"),
    Spec("guihua", "楼栋长工作手册印制", 2, "1500.00", Status.SUBMITTED, D(2026, 11, 4), "快印图文有限公司"),
    Spec("guihua", "社区少儿暑期托管", 5, "8800.00", Status.PUBLICITY, D(2026, 11, 24), "阳光托育服务中心"),
    Spec(
        "guihua",
        "夜间照明巡查",
        4,
        "1200.00",
        Status.SHELVED,
        D(2026, 11, 16),
        "明亮电气安装有限公司",
        shelve_first=True,
    ),
    Spec("guihua", "邻里节百家宴", 5, "5200.00", Status.CONSENTED, D(2026, 11, 24), "邻里餐饮服务部"),
    Spec("guihua", "家政服务技能培训", 3, "4300.00", Status.CONSENT_REQUESTED, D(2026, 11, 26), "创业职业培训学校"),
    Spec("guihua", "老旧单元门禁维修", 4, "3600.00", Status.DRAFT, D(2026, 11, 27), "安居安防科技有限公司"),
    Spec(
        "guihua",
        "广场舞音响购置",
        5,
        "2800.00",
        Status.CONSENT_REQUESTED,
        D(2026, 11, 9),
        "声光器材商行",
        end="withdraw",
    ),
    Spec("guihua", "社区办公电脑更新", 6, "9000.00", Status.SUBMITTED, D(2026, 10, 12), "电脑商行", end="reject"),
    # The other communities: a few each, so the committee views have something to compare.
    Spec("cuizhu", "翠竹社区老年食堂运营补助", 1, "16000.00", Status.CLOSED, D(2026, 9, 1), "翠竹老年食堂"),
    Spec("cuizhu", "楼道杂物清理", 4, "3500.00", Status.EXECUTING, D(2026, 10, 20), "洁美保洁服务部"),
    Spec("nanhu", "南湖社区篮球赛", 5, "4200.00", Status.SUBMITTED, D(2026, 11, 9), "南湖体育协会"),
    Spec("guangming", "光明社区就业信息发布屏", 3, "7600.00", Status.PAID, D(2026, 9, 8), "信息科技有限公司"),
    Spec("xinhua", "新华社区困难群众慰问", 1, "6000.00", Status.CLOSED, D(2026, 9, 3), "李大爷", ContractorKind.AID),
    Spec("heping", "和平社区文化墙", 6, "5600.00", Status.PUBLICITY, D(2026, 11, 25), "艺彩广告有限公司"),
]

DEMO_YEAR = 2026


def _cast(community: Community) -> dict:
    assignments = RoleAssignment.objects.active().covering(community).select_related("user")
    cast = {Role(a.role): a.user for a in assignments}
    # A principal leader who is away: whoever acts for them takes their steps (代行职责).
    for acting in ActingAssignment.objects.running().filter(principal__in=assignments).select_related("principal"):
        cast[Role(acting.principal.role)] = acting.user
    return cast


# 东湖's working-committee secretary is away for a week of training; a committee member acts for
# him, on the written authorisation the administrator uploads the Friday before (代行职责).
ACTING = (D(2026, 11, 6), D(2026, 11, 9), D(2026, 11, 13), "参加市委党校集中培训")


def _record_acting() -> None:
    _, starts_on, ends_on, reason = ACTING
    committee = Community.objects.get(code="guihua").committee
    principal = RoleAssignment.objects.active().get(committee=committee, role=Role.COMMITTEE_SECRETARY)
    deputy = RoleAssignment.objects.active().get(committee=committee, role=Role.COMMITTEE_MEMBER)
    if ActingAssignment.objects.filter(principal=principal, starts_on=starts_on).exists():
        return
    fundadmin_services.acting_record(
        principal=principal,
        user=deputy.user,
        by=User.objects.get(username="admin"),
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        authorisation=ContentFile(scenario.PLACEHOLDER_PDF, name="代行职责授权书.pdf"),
    )


def _create(spec: Spec, cast: dict) -> Project:
    community = Community.objects.get(code=spec.community)
    fund_year = FundYear.objects.get(community=community, year=DEMO_YEAR)
    fields = {
        "title": spec.title,
        "category": SpendingCategory.objects.get(number=spec.category),
        "description": f"{spec.title}：按居民需求组织实施，具体内容见经费使用方案。",
        "spending_plan": "按预算明细使用，验收合格后凭发票（或领款人签字）一次结算。",
        "need_source": "年初入户走访和社区服务大厅收集的居民意见",
        "beneficiaries": spec.beneficiaries,
        "beneficiary_count": spec.count,
        "is_small_group": bool(spec.small_group),
        "small_group_justification": spec.small_group,
        "contractor_kind": spec.kind,
        "contractor_name": spec.contractor,
        "planned_start": spec.start + datetime.timedelta(days=30),
        "planned_end": spec.start + datetime.timedelta(days=60),
        **{name: True for name in DECLARATION_FIELDS},
    }
    amount = Decimal(spec.amount)
    lines = [
        LineInput(
            item=f"{spec.title}（服务/物资）", quantity=Decimal("1"), unit="项", unit_price=amount * Decimal("0.8")
        ),
        LineInput(item="宣传及其他", quantity=Decimal("2"), unit="项", unit_price=amount * Decimal("0.1")),
    ]
    return services.project_create(
        community=community, fund_year=fund_year, by=cast[Role.COMMUNITY_SECRETARY], fields=fields, lines=lines
    )


def _end(project: Project, spec: Spec, cast: dict) -> None:
    if spec.end == "withdraw":
        services.project_withdraw(project=project, by=cast[Role.COMMUNITY_SECRETARY], reason="居民需求已由其他渠道解决")
    elif spec.end == "reject":
        services.project_send_back(
            project=project,
            by=cast[Role.COMMITTEE_SECRETARY],
            body=Review.Kind.COMMITTEE,
            reason="属于社区办公经费，不得使用专项经费（第四条）",
            reject=True,
        )


def load() -> None:
    """Replay the demo projects' histories in date order under a moving clock."""
    existing = set(Project.objects.values_list("community__code", "title"))
    todo = [spec for spec in SPECS if (spec.community, spec.title) not in existing]
    if not todo:
        return
    calendar = WorkingCalendar()
    # (day, order, spec index, action): every step of every project, in the order it happens.
    events = []
    for i, spec in enumerate(todo):
        day, status = spec.start, Status.DRAFT
        events.append((day, i, "create"))
        plan = _plan(spec)
        for status in plan:
            step = scenario.STEPS[status]
            events.append((day, i, status))
            day = scenario.next_day(day, step, calendar)
        if spec.end:
            events.append((day, i, "end"))
        if spec.until == Status.CONSTRUCTION_APPROVED:
            events.append((day, i, "construction_first"))
    events.append((ACTING[0], -1, "acting"))
    events.sort(key=lambda e: (e[0], e[1]))
    projects: dict[int, Project] = {}
    for n, (day, i, what) in enumerate(events):
        if what == "acting":
            with at(day, second=n):
                _record_acting()
            continue
        spec = todo[i]
        with at(day, second=n), transaction.atomic():
            cast = _cast(Community.objects.get(code=spec.community))
            if what == "create":
                projects[i] = _create(spec, cast)
            elif what == "end":
                _end(projects[i], spec, cast)
            elif what == "construction_first":
                services.project_approve(
                    project=projects[i],
                    by=cast[Role.CONSTRUCTION_DIRECTOR],
                    body=Review.Kind.CONSTRUCTION,
                    comment="同意",
                )
            elif what == Status.CONSENTED and spec.shelve_first:
                scenario._meeting(projects[i], cast, agree=False)
            else:
                scenario.take_step(projects[i], cast)


def _plan(spec: Spec) -> list[Status]:
    """The states the project passes through on its way to ``spec.until`` (each one step)."""
    path = [
        Status.DRAFT,
        Status.CONSENT_REQUESTED,
        Status.CONSENTED,
        Status.PUBLICITY,
        Status.SUBMITTED,
        Status.COMMITTEE_APPROVED,
        Status.APPROVED,
        Status.EXECUTING,
        Status.INSPECTION,
        Status.ACCEPTED,
    ]
    if spec.kind == ContractorKind.ORGANISATION:
        path += [Status.INVOICE_SIGNING_1, Status.INVOICE_SIGNING_2, Status.INVOICE_SIGNING_3, Status.SIGNED]
    path += [Status.PAID, Status.COMPLETION_NOTICE, Status.CLOSED]
    if spec.until == Status.CONSTRUCTION_APPROVED:
        # Up to submission; then the construction committee approves first (see load()).
        return path[: path.index(Status.SUBMITTED)]
    if spec.until == Status.SHELVED:
        return path[: path.index(Status.CONSENTED) + 1]
    return path[: path.index(spec.until)]
