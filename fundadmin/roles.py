"""Roles and the object permissions they carry.

Every permission is scoped (SPEC.md "Who is involved"): community roles hold their permissions on
one ``Community``; committee roles hold theirs on one ``WorkingCommittee`` and so cover that
committee's communities only. This table is the single place where a role's powers are defined;
``fundadmin.services.permissions_sync`` turns active role assignments into django-guardian
object permissions and ``fundadmin.permissions.check`` answers questions about them.
"""

from django.db import models


class Role(models.TextChoices):
    COMMUNITY_SECRETARY = "community_secretary", "社区党委书记"
    COMMUNITY_MEMBER = "community_member", "社区党委委员"
    COMMITTEE_SECRETARY = "committee_secretary", "党工委书记"
    COMMITTEE_MEMBER = "committee_member", "党工委班子成员"
    FINANCE = "finance", "党工委财务管理人员"
    CONSTRUCTION_DIRECTOR = "construction_director", "建管委主任"
    # The construction committee's other leaders: the one who can stand in for its director
    # (SPEC.md "Decisions the rules leave to us: Acting leaders").
    CONSTRUCTION_DEPUTY = "construction_deputy", "建管委副主任"
    SUPERVISOR = "supervisor", "议事监督委员会成员"
    # Art. 5, 21: the city organisation department interprets these rules and the city finance
    # bureau funds them; both oversee every committee and never act in the process.
    CITY_OVERSIGHT = "city_oversight", "市级监督（市委组织部、市财政局）"
    SYSTEM_ADMIN = "system_admin", "系统管理员"


class ScopeLevel(models.TextChoices):
    COMMUNITY = "community", "社区"
    COMMITTEE = "committee", "党工委"
    SYSTEM = "system", "全市"


ROLE_SCOPE = {
    Role.COMMUNITY_SECRETARY: ScopeLevel.COMMUNITY,
    Role.COMMUNITY_MEMBER: ScopeLevel.COMMUNITY,
    Role.SUPERVISOR: ScopeLevel.COMMUNITY,
    Role.COMMITTEE_SECRETARY: ScopeLevel.COMMITTEE,
    Role.COMMITTEE_MEMBER: ScopeLevel.COMMITTEE,
    Role.FINANCE: ScopeLevel.COMMITTEE,
    # The construction & management committee sits beside each working committee with the same
    # scope (SPEC.md "Who is involved"), so its director is scoped to a committee too.
    Role.CONSTRUCTION_DIRECTOR: ScopeLevel.COMMITTEE,
    Role.CONSTRUCTION_DEPUTY: ScopeLevel.COMMITTEE,
    Role.CITY_OVERSIGHT: ScopeLevel.SYSTEM,
    Role.SYSTEM_ADMIN: ScopeLevel.SYSTEM,
}
# Roles of the whole city whose permissions are held on every working committee (and so cover
# every community); the system administrator's role carries none.
CITY_ROLES = tuple(role for role, level in ROLE_SCOPE.items() if level == ScopeLevel.SYSTEM)


class Body(models.TextChoices):
    """The bodies of SPEC.md "Who is involved" that people act for."""

    COMMUNITY_PARTY = "community_party", "社区党委"
    SUPERVISION = "supervision", "议事监督委员会"
    COMMITTEE = "committee", "党工委"
    CONSTRUCTION = "construction", "建管委"
    SYSTEM = "system", "全市"


# Each role acts for one body; a title follows the body's name where the role is its staff rather
# than the body itself ("东湖街道社区党工委财务管理人员").
ROLE_BODY: dict[Role, tuple[Body, str]] = {
    Role.COMMUNITY_SECRETARY: (Body.COMMUNITY_PARTY, ""),
    Role.COMMUNITY_MEMBER: (Body.COMMUNITY_PARTY, ""),
    Role.SUPERVISOR: (Body.SUPERVISION, ""),
    Role.COMMITTEE_SECRETARY: (Body.COMMITTEE, ""),
    Role.COMMITTEE_MEMBER: (Body.COMMITTEE, ""),
    Role.FINANCE: (Body.COMMITTEE, "财务管理人员"),
    Role.CONSTRUCTION_DIRECTOR: (Body.CONSTRUCTION, ""),
    Role.CONSTRUCTION_DEPUTY: (Body.CONSTRUCTION, ""),
    Role.SYSTEM_ADMIN: (Body.SYSTEM, ""),
}

# Permission codenames declared on Community (community-level) and WorkingCommittee
# (committee-level), with the Chinese wording the UI uses when it explains a refusal.
COMMUNITY_PERMISSIONS = {
    "view_community_records": "查看本社区的项目、台账和公示",
    "propose_project": "提出、编辑项目和收集民意",
    "act_for_community": "以社区党委名义申报、提交和报告",
    "sign_invoice_community": "以社区党委书记身份在发票上签字",
    "supervise_community": "以议事监督委员会身份监督并提出监督意见",
}
COMMITTEE_PERMISSIONS = {
    "view_committee_records": "查看本党工委所辖社区的全部资料",
    "give_consent": "对项目提出初步意见",
    "approve_for_committee": "以党工委名义审批项目",
    "approve_for_construction": "以建管委名义审批项目",
    "sign_invoice_construction": "以建管委主任身份在发票上签字",
    "sign_invoice_committee": "以党工委书记身份在发票上签字",
    "manage_execution": "指派跟进专人、同意变更、组织验收、处理异议",
    "keep_ledger": "登记经费台账并与承办方结算",
    "evaluate_report": "评议社区年度报告",
    # Read-only, and distinct from view_committee_records: the working committee's own staff may
    # also record progress and file documents with that one; city oversight only reads.
    "oversee_city": "以市级监督身份只读查看各党工委、各社区的资料",
}

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.COMMUNITY_SECRETARY: (
        "view_community_records",
        "propose_project",
        "act_for_community",
        "sign_invoice_community",
    ),
    Role.COMMUNITY_MEMBER: ("view_community_records", "propose_project"),
    Role.SUPERVISOR: ("view_community_records", "supervise_community"),
    Role.COMMITTEE_SECRETARY: (
        "view_committee_records",
        "give_consent",
        "approve_for_committee",
        "sign_invoice_committee",
        "manage_execution",
        "evaluate_report",
    ),
    Role.COMMITTEE_MEMBER: (
        "view_committee_records",
        "give_consent",
        "manage_execution",
        "evaluate_report",
    ),
    Role.FINANCE: ("view_committee_records", "keep_ledger"),
    Role.CONSTRUCTION_DIRECTOR: (
        "view_committee_records",
        "approve_for_construction",
        "sign_invoice_construction",
    ),
    Role.CONSTRUCTION_DEPUTY: ("view_committee_records",),
    Role.CITY_OVERSIGHT: ("oversee_city",),
    Role.SYSTEM_ADMIN: (),
}

# Acting leaders (代行职责, SPEC.md "Decisions the rules leave to us"). The principal leaders — the
# head of each body who approves or signs in its name (Art. 11, 13) — and, for each, the roles
# whose holders may stand in for them while they are away: the body's other leaders, never its
# staff (the finance officer works for the committee but is not one of its leaders).
PRINCIPAL_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.COMMITTEE_SECRETARY: (Role.COMMITTEE_MEMBER,),
    Role.CONSTRUCTION_DIRECTOR: (Role.CONSTRUCTION_DEPUTY,),
    Role.COMMUNITY_SECRETARY: (Role.COMMUNITY_MEMBER,),
}


def roles_granting(codename: str) -> list[Role]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if codename in perms]


def permission_label(codename: str) -> str:
    return COMMUNITY_PERMISSIONS.get(codename) or COMMITTEE_PERMISSIONS[codename]


def permission_level(codename: str) -> ScopeLevel:
    if codename in COMMUNITY_PERMISSIONS:
        return ScopeLevel.COMMUNITY
    if codename in COMMITTEE_PERMISSIONS:
        return ScopeLevel.COMMITTEE
    raise KeyError(f"unknown permission {codename!r}")


# Everyone an acting period can involve: the principals and those who may stand in for them.
ACTING_ROLES = frozenset(PRINCIPAL_ROLES) | {r for deputies in PRINCIPAL_ROLES.values() for r in deputies}
