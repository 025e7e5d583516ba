"""Data for the integrity indicators (Art. 19), made only through the real services.

``clean_world`` is a small city where nothing is out of the ordinary: three communities under two
committees, each project with its own contractor, normal amounts, decided on time, paid in the
autumn, residents satisfied. Each function in ``SCENARIOS`` adds to it exactly what makes one
indicator fire, and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from fundadmin.models import SpendingCategory
from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel
from ledger.services import appropriation_record
from projects import services
from projects.models import ContractorKind, Inspection, Project, Review, Status
from projects.services import LineInput
from publicity import services as publicity_services
from publicity.models import Notice
from supervision import services as supervision_services
from supervision.indicators.kinds import Kind
from supervision.models import Opinion
from tests.factories import CommunityFactory, FundYearFactory, user_with_role
from tests.projects.helpers import DECLARED, walk

START = dt.date(2026, 9, 1)
ITEM, UNIT, PRICE = "声控灯及安装", "批", Decimal("6000.00")


@dataclass
class Place:
    community: object
    fund_year: object
    people: dict
    projects: list = field(default_factory=list)


@dataclass
class World:
    a: Place  # committee X
    a2: Place  # committee X, sibling of a
    b: Place  # committee Y
    clock: object


_contractor_no = iter(range(1, 10_000))


def contractor() -> str:
    return f"第{next(_contractor_no)}号服务有限公司"


def place(committee_people: dict | None = None, committee=None) -> Place:
    community = CommunityFactory(**({"committee": committee} if committee else {}))
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    people = {}
    for role, level in ROLE_SCOPE.items():
        if level == ScopeLevel.SYSTEM:
            continue
        if level == ScopeLevel.COMMITTEE and committee_people:
            people[role] = committee_people[role]
        else:
            people[role] = user_with_role(role, community)
    return Place(community, fund_year, people)


def project(
    where: Place,
    *,
    amount: Decimal = PRICE,
    item: str = ITEM,
    unit: str = UNIT,
    name: str | None = None,
    kind: str = ContractorKind.ORGANISATION,
    category: int = 4,
    contact: str = "",
    title: str = "楼道照明改造",
) -> Project:
    fields = {
        "title": title,
        "category": SpendingCategory.objects.get(number=category),
        "description": "为老楼更换声控灯",
        "spending_plan": "购买灯具并请电工安装",
        "beneficiaries": "楼内住户",
        "beneficiary_count": 120,
        "contractor_kind": kind,
        "contractor_name": name or contractor(),
        "contractor_contact": contact,
        **DECLARED,
    }
    p = services.project_create(
        community=where.community,
        fund_year=where.fund_year,
        by=where.people[Role.COMMUNITY_SECRETARY],
        fields=fields,
        lines=[LineInput(item=item, quantity=Decimal("1"), unit=unit, unit_price=amount)],
    )
    where.projects.append(p)
    return p


def clean_world(clock) -> World:
    """Five ordinary projects, closed in September–October, in three communities."""
    a = place()
    a2 = place(committee_people=a.people, committee=a.community.committee)
    b = place()
    for where, count in ((a, 3), (a2, 1), (b, 1)):
        for _ in range(count):
            clock.to(START)
            walk(project(where), where.people, Status.CLOSED, clock)
    clock.to(dt.date(2026, 11, 2))
    return World(a, a2, b, clock)


# -- one scenario per indicator: what makes it fire, in community a --------------------------------


def concentration(w: World) -> None:
    # Art. 7, 12: one contractor gets three projects of the community in one year.
    name = "长盛物业服务有限公司"
    for _ in range(3):
        w.clock.to(dt.date(2026, 10, 12))
        walk(
            project(w.a, amount=Decimal("3000.00"), name=name, item="公共区域保洁"),
            w.a.people,
            Status.APPROVED,
            w.clock,
        )


def concentration_committee(w: World) -> None:
    # One contractor in two communities of one committee: 24,000 of their 200,000 (12%).
    name = "联合文体活动策划中心"
    for where in (w.a, w.a2):
        w.clock.to(dt.date(2026, 10, 12))
        walk(
            project(where, amount=Decimal("12000.00"), name=name, item="文艺演出", category=5),
            where.people,
            Status.APPROVED,
            w.clock,
        )


def splitting(w: World) -> None:
    # Two 9,000 projects of one contractor and category a month apart: just under 10,000 each.
    name = "快捷维修服务部"
    for day in (dt.date(2026, 10, 12), dt.date(2026, 11, 9)):
        w.clock.to(day)
        walk(project(w.a, amount=Decimal("9000.00"), name=name, item="管道维修"), w.a.people, Status.APPROVED, w.clock)


def year_end_payments(w: World) -> None:
    # Approved in November, paid on 21 December: 15,000 of the year's 33,000 payments.
    w.clock.to(dt.date(2026, 11, 2))
    p = walk(project(w.a, amount=Decimal("15000.00"), item="健身器材"), w.a.people, Status.EXECUTING, w.clock)
    w.clock.to(dt.date(2026, 12, 21))
    walk(p, w.a.people, Status.PAID, w.clock)


def year_end_approvals(w: World) -> None:
    # Filed on 14 December and approved on 18 December: 15,000 of the year's 33,000 approvals.
    w.clock.to(dt.date(2026, 12, 14))
    walk(project(w.a, amount=Decimal("15000.00"), item="健身器材"), w.a.people, Status.APPROVED, w.clock)


def low_satisfaction_paid(w: World) -> None:
    # Accepted with 10 of 30 residents satisfied (33%), then paid.
    w.clock.to(dt.date(2026, 10, 12))
    p = walk(project(w.a), w.a.people, Status.INSPECTION, w.clock)
    services.inspection_record(
        project=p,
        by=w.a.people[Role.COMMITTEE_MEMBER],
        inspected_on=w.clock.day,
        inspectors="党工委班子成员、居民代表",
        quality_grade=Inspection.Grade.PASS,
        quality_notes="基本完成",
        respondents=30,
        satisfied=10,
        passed=True,
    )
    walk(p, w.a.people, Status.PAID, w.clock)


def change_raise(w: World) -> None:
    # Approved at 6,000, raised to 7,000 (+16.7%) by a consented change.
    w.clock.to(dt.date(2026, 10, 12))
    p = walk(project(w.a), w.a.people, Status.EXECUTING, w.clock)
    change = services.change_request_submit(
        project=p,
        by=w.a.people[Role.COMMUNITY_SECRETARY],
        reason="灯具涨价",
        description="增加预算",
        new_amount=Decimal("7000.00"),
    )
    services.change_request_decide(change=change, by=w.a.people[Role.COMMITTEE_SECRETARY], consent=True)


def late_approval(w: World) -> None:
    # Art. 11: received on 13 October, due on the 20th, approved on the 27th.
    w.clock.to(dt.date(2026, 10, 8))
    p = walk(project(w.a), w.a.people, Status.SUBMITTED, w.clock)
    w.clock.to(p.received_on + dt.timedelta(days=14))
    # Late, so each approval says why (Art. 11; the trail keeps the reason).
    services.project_approve(
        project=p,
        by=w.a.people[Role.COMMITTEE_SECRETARY],
        body=Review.Kind.COMMITTEE,
        meeting_date=w.clock.day,
        meeting_attendees="党工委班子成员5人",
        late_reason="班子会议因书记外出推迟",
    )
    services.project_approve(
        project=p, by=w.a.people[Role.CONSTRUCTION_DIRECTOR], body=Review.Kind.CONSTRUCTION, late_reason="同上"
    )
    assert Project.objects.get(pk=p.pk).status == Status.APPROVED


def objection_upheld(w: World) -> None:
    # Art. 10: a resident's objection to the plan notice is upheld.
    w.clock.to(dt.date(2026, 10, 12))
    p = walk(project(w.a), w.a.people, Status.PUBLICITY, w.clock)
    notice = Notice.objects.get(project=p, kind=Notice.Kind.PLAN)
    objection = publicity_services.objection_submit(notice=notice, text="价格偏高，希望比价", name="居民")
    publicity_services.objection_answer(
        objection=objection, by=w.a.people[Role.COMMUNITY_SECRETARY], answer="将重新比价"
    )
    services.objection_decide(
        objection=objection, by=w.a.people[Role.COMMITTEE_SECRETARY], upheld=True, decision="异议成立，退回修改"
    )


def opinion_unanswered(w: World) -> None:
    # Art. 14: an opinion raised on 2 November and still unanswered on 1 December.
    w.clock.to(dt.date(2026, 11, 2))
    supervision_services.opinion_record(
        community=w.a.community,
        by=w.a.people[Role.SUPERVISOR],
        subject=Opinion.Subject.PROJECT,
        addressed_to=Opinion.Addressee.COMMUNITY,
        text="请补充验收照片",
        project=w.a.projects[0],
    )
    w.clock.to(dt.date(2026, 12, 1))


def contact_match(w: World) -> None:
    # The contractor's phone is the community secretary's.
    secretary = w.a.people[Role.COMMUNITY_SECRETARY]
    secretary.phone = "13800138000"
    secretary.save(update_fields=["phone"])
    w.clock.to(dt.date(2026, 10, 12))
    walk(project(w.a, contact="联系人王先生 138-0013-8000"), w.a.people, Status.APPROVED, w.clock)


def unit_price(w: World) -> None:
    # The same item as the city's five other lines (6,000 each) at 13,000: 2.17 times the median.
    w.clock.to(dt.date(2026, 10, 12))
    walk(project(w.a, amount=Decimal("13000.00")), w.a.people, Status.APPROVED, w.clock)


def no_invoice_share(w: World) -> None:
    # Art. 13: an individual contractor paid 15,000 without an invoice, of the year's 33,000.
    w.clock.to(dt.date(2026, 10, 8))
    walk(
        project(
            w.a, amount=Decimal("15000.00"), name="个体电工李师傅", kind=ContractorKind.INDIVIDUAL, item="电路维修"
        ),
        w.a.people,
        Status.PAID,
        w.clock,
    )


SCENARIOS = {
    Kind.CONCENTRATION: concentration,
    Kind.SPLITTING: splitting,
    Kind.YEAR_END_PAYMENTS: year_end_payments,
    Kind.YEAR_END_APPROVALS: year_end_approvals,
    Kind.LOW_SATISFACTION_PAID: low_satisfaction_paid,
    Kind.CHANGE_RAISE: change_raise,
    Kind.LATE_APPROVAL: late_approval,
    Kind.OBJECTION_UPHELD: objection_upheld,
    Kind.OPINION_UNANSWERED: opinion_unanswered,
    Kind.CONTACT_MATCH: contact_match,
    Kind.UNIT_PRICE: unit_price,
    Kind.NO_INVOICE_SHARE: no_invoice_share,
}
