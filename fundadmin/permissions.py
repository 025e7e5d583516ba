"""The one place that answers "may this user do X to this object, and if not, why".

Objects are resolved to their scope: anything with a ``community`` is checked against that
community for community-level permissions and against its committee for committee-level ones.
django-guardian holds the object permissions; ``fundadmin.services.permissions_sync`` keeps them
equal to the user's active role assignments.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from guardian.models import UserObjectPermission

from .models import Community, RoleAssignment, WorkingCommittee
from .roles import ScopeLevel, permission_label, permission_level, roles_granting


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def _scope_for(obj, level: ScopeLevel):
    if isinstance(obj, WorkingCommittee):
        if level == ScopeLevel.COMMUNITY:
            raise ValueError("a community permission cannot be checked on a committee")
        return obj
    community = obj if isinstance(obj, Community) else obj.community
    return community if level == ScopeLevel.COMMUNITY else community.committee


def check(user, codename: str, obj) -> Verdict:
    """May ``user`` exercise ``codename`` (see fundadmin.roles) on ``obj``? With a reason if not."""
    label = permission_label(codename)
    if user is None or not user.is_authenticated:
        return Verdict(False, "请先登录。")
    if not user.is_active:
        return Verdict(False, "该账号已停用。")
    level = permission_level(codename)
    scope = _scope_for(obj, level)
    if codename in _granted_on(user, scope):
        return ALLOWED
    roles = "、".join(role.label for role in roles_granting(codename))
    return Verdict(False, f"您在「{scope}」没有“{label}”的权限（需要：{roles}）。")


def _granted_on(user, scope) -> set[str]:
    """The permission codenames the user's roles grant on this community or committee.

    Only object permissions count — never ``is_superuser``: the system administrator manages the
    system, and acts in the process only through a role like anyone else.
    """
    return grants(user).get((scope._meta.model_name, scope.pk), frozenset())


def grants(user) -> dict[tuple[str, int], frozenset[str]]:
    """Every object permission the user holds, as {(model name, pk): codenames}, in one query.

    Cached on the user object for the request, as django-guardian's checker does: a page asks
    about many projects of a few scopes. ``fundadmin.services.permissions_sync`` clears it.
    """
    cached = user.__dict__.get("_fundadmin_grants")
    if cached is None:
        found: dict[tuple[str, int], set[str]] = {}
        rows = UserObjectPermission.objects.filter(user=user, content_type__app_label="fundadmin").values_list(
            "content_type__model", "object_pk", "permission__codename"
        )
        for model_name, object_pk, codename in rows:
            found.setdefault((model_name, int(object_pk)), set()).add(codename)
        cached = user.__dict__["_fundadmin_grants"] = {key: frozenset(v) for key, v in found.items()}
    return cached


def forget_grants(user) -> None:
    user.__dict__.pop("_fundadmin_grants", None)


def scopes_with(user, codename: str) -> list[int]:
    """Primary keys of the communities (or committees, for committee permissions) where the user
    holds ``codename``; no query once the user's grants are loaded."""
    model_name = "community" if permission_level(codename) == ScopeLevel.COMMUNITY else "workingcommittee"
    return sorted(pk for (name, pk), codenames in grants(user).items() if name == model_name and codename in codenames)


def require(user, codename: str, obj) -> None:
    verdict = check(user, codename, obj)
    if not verdict:
        raise PermissionDenied(verdict.reason)


# The committee-level permissions that let one read a committee's records: its own staff's, and
# city oversight's (Art. 5, 21), which reads every committee and acts in none.
COMMITTEE_READ = ("view_committee_records", "oversee_city")


def _read_committees(user) -> list[int]:
    return sorted({pk for codename in COMMITTEE_READ for pk in scopes_with(user, codename)})


def visible_communities(user) -> QuerySet[Community]:
    """Communities the user may read: their own community's, or every one of their committee's
    (every community of the city for city oversight)."""
    if not user.is_authenticated:
        return Community.objects.none()
    own = scopes_with(user, "view_community_records")
    return Community.objects.filter(Q(pk__in=own) | Q(committee__in=_read_committees(user)))


def visible_committees(user) -> QuerySet[WorkingCommittee]:
    if not user.is_authenticated:
        return WorkingCommittee.objects.none()
    return WorkingCommittee.objects.filter(pk__in=_read_committees(user))


def can_view_committee(user, committee: WorkingCommittee) -> Verdict:
    """Reading rights on a committee's pages (dashboard, committee ledger, report lists)."""
    for codename in COMMITTEE_READ:
        if check(user, codename, committee):
            return ALLOWED
    return Verdict(False, f"您无权查看「{committee}」的资料。")


def can_view(user, obj) -> Verdict:
    """Reading rights on anything that belongs to a community."""
    community = obj if isinstance(obj, Community) else obj.community
    if check(user, "view_community_records", community) or any(
        check(user, codename, community) for codename in COMMITTEE_READ
    ):
        return ALLOWED
    return Verdict(False, f"您无权查看「{community}」的资料。")


def roles_summary(actor, community) -> tuple[str, str]:
    """The roles the actor holds today over ``community`` (or anywhere), and their scopes, as the
    trail records them when a write names no role assignment."""
    assignments = RoleAssignment.objects.active().filter(user=actor).select_related("community", "committee")
    if community is not None:
        assignments = assignments.covering(community)
    labels = sorted({a.get_role_display() for a in assignments})
    scopes = sorted({a.scope_label for a in assignments})
    return "、".join(labels), "、".join(scopes)
