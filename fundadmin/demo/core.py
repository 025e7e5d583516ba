"""Demo organisations, users and fund years (the foundation layer of ``manage.py load_demo``)."""

from __future__ import annotations

import datetime
import functools
import os
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from fundadmin import services
from fundadmin.models import Community, RoleAssignment, User, WorkingCommittee
from fundadmin.roles import Role

DEFAULT_DEMO_PASSWORD = "fundadmin-demo-2026"

COMMITTEES = [
    ("donghu", "东湖街道社区党工委", "东湖街道社区建设管理委员会"),
    ("xicheng", "西城街道社区党工委", "西城街道社区建设管理委员会"),
]
COMMUNITIES = [
    ("donghu", "guihua", "桂花社区", "东湖路18号"),
    ("donghu", "cuizhu", "翠竹社区", "翠竹巷6号"),
    ("donghu", "nanhu", "南湖社区", "南湖大道101号"),
    ("xicheng", "guangming", "光明社区", "光明街32号"),
    ("xicheng", "xinhua", "新华社区", "新华路57号"),
    ("xicheng", "heping", "和平社区", "和平里9号"),
]
ALLOCATIONS = {2025: Decimal("100000.00"), 2026: Decimal("100000.00")}

COMMUNITY_ROLES = [
    (Role.COMMUNITY_SECRETARY, "community_secretary"),
    (Role.COMMUNITY_MEMBER, "community_member"),
    (Role.SUPERVISOR, "supervisor"),
]
COMMITTEE_ROLES = [
    (Role.COMMITTEE_SECRETARY, "committee_secretary"),
    (Role.COMMITTEE_MEMBER, "committee_member"),
    (Role.FINANCE, "finance"),
    (Role.CONSTRUCTION_DIRECTOR, "construction_director"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "国庆", "春梅", "伟", "敏", "军", "静", "磊", "红霞", "桂兰", "德明"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    scope: str


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]


@functools.cache
def _demo_password_hash(password: str) -> str:
    # Hashing is deliberately slow (~0.4 s); the demo's 40-odd users share one password, so they
    # share one hash rather than spend 15 s of `make demo` hashing the same word again.
    return make_password(password)


def _user(username: str, full_name: str, **extra) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name, **extra})
    if created:
        user.password = _demo_password_hash(demo_password())
        user.save(update_fields=["password"])
    return user


def _ensure_role(user: User, role: Role, admin: User, *, community=None, committee=None) -> None:
    exists = (
        RoleAssignment.objects.active().filter(user=user, role=role, community=community, committee=committee).exists()
    )
    if not exists:
        services.role_grant(
            user=user,
            role=role,
            by=admin,
            community=community,
            committee=committee,
            valid_from=datetime.date(2024, 1, 1),
        )


def load() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    admin = _user("admin", "系统管理员", is_staff=True, is_superuser=True)
    _ensure_role(admin, Role.SYSTEM_ADMIN, admin)
    logins.append(DemoLogin("admin", admin.display_name, Role.SYSTEM_ADMIN.label, "全市"))

    committees = {}
    for code, name, construction in COMMITTEES:
        committees[code], _ = WorkingCommittee.objects.get_or_create(
            code=code, defaults={"name": name, "city": "示例市", "construction_committee_name": construction}
        )
    # City oversight (Art. 5, 21), granted once the committees exist so it covers all of them.
    city = _user("city", "市委组织部 周监督")
    _ensure_role(city, Role.CITY_OVERSIGHT, admin)
    logins.append(DemoLogin("city", city.display_name, Role.CITY_OVERSIGHT.label, "全市（只读）"))
    n = 0
    for index, committee in enumerate(committees.values(), start=1):
        suffix = "" if index == 1 else f"_{index}"
        for role, base in COMMITTEE_ROLES:
            n += 1
            user = _user(base + suffix, _name(n))
            _ensure_role(user, role, admin, committee=committee)
            logins.append(DemoLogin(user.username, user.display_name, role.label, committee.name))

    for index, (committee_code, code, name, address) in enumerate(COMMUNITIES, start=1):
        community, _ = Community.objects.get_or_create(
            code=code,
            defaults={
                "committee": committees[committee_code],
                "name": name,
                "address": address,
                "party_committee_name": f"{name}党委",
            },
        )
        suffix = "" if index == 1 else f"_{index}"
        for role, base in COMMUNITY_ROLES:
            n += 1
            user = _user(base + suffix, _name(n))
            _ensure_role(user, role, admin, community=community)
            logins.append(DemoLogin(user.username, user.display_name, role.label, community.name))
        for year, allocation in ALLOCATIONS.items():
            services.fund_year_set_allocation(community=community, year=year, allocation=allocation, by=admin)
    # The construction committee's deputy director, who may stand in for its director (代行职责);
    # numbered after everyone else so the other demo names stay as they were.
    for index, committee in enumerate(committees.values(), start=1):
        suffix = "" if index == 1 else f"_{index}"
        user = _user("construction_deputy" + suffix, _name(n + index))
        _ensure_role(user, Role.CONSTRUCTION_DEPUTY, admin, committee=committee)
        logins.append(DemoLogin(user.username, user.display_name, Role.CONSTRUCTION_DEPUTY.label, committee.name))
    return logins
