"""The one place that answers "may this user do X to this object, and if not, why".

Objects are resolved to their scope: anything with a ``community`` is checked against that
community for community-level permissions and against its committee for committee-level ones.
django-guardian holds the object permissions; ``fundadmin.services.permissions_sync`` keeps them
equal to the user's active role assignments. An acting leader (代行职责, ``ActingAssignment``)
holds the principal's permissions on the principal's scope on the days the period runs: asked on
the day, in the same query, never synced — so it starts and ends on time without a nightly job.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from guardian.models import UserObjectPermission

from .models import ActingAssignment, Community, RoleAssignment, User, WorkingCommittee
from .roles import (
    PRINCIPAL_ROLES,
    ROLE_PERMISSIONS,
    Role,
    ScopeLevel,
    permission_label,
    permission_level,
    roles_granting,
)


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


# How an acting period's row is told apart from a permission row in the one query of ``grants``.
ACTING_ROW = "acting:"


def _acting_rows(user, day: datetime.date):
    """The user's acting periods running on ``day``, shaped like guardian's permission rows:
    (model name, pk, "acting:<the principal's role>")."""
    return (
        ActingAssignment.objects.running(day)
        .filter(user=user)
        .annotate(
            scope_model=Case(
                When(principal__community__isnull=False, then=Value("community")),
                default=Value("workingcommittee"),
                output_field=CharField(),
            ),
            scope_pk=Cast(Coalesce("principal__community_id", "principal__committee_id"), CharField()),
            acting_role=Concat(Value(ACTING_ROW), F("principal__role"), output_field=CharField()),
        )
        .values_list("scope_model", "scope_pk", "acting_role")
        .order_by()  # a part of a UNION carries no ORDER BY
    )


def grants(user) -> dict[tuple[str, int], frozenset[str]]:
    """Every object permission the user holds today, as {(model name, pk): codenames}, in one
    query: the guardian rows of their own roles, and the principal's permissions for every acting
    period that runs today.

    Cached on the user object for the day, as django-guardian's checker does: a page asks about
    many projects of a few scopes. A user object that outlives the day (a worker) asks again, so an
    acting period that ended yesterday grants nothing today. ``permissions_sync`` clears it.
    """
    today = timezone.localdate()
    cached = user.__dict__.get("_fundadmin_grants")
    if cached is None or cached[0] != today:
        found: dict[tuple[str, int], set[str]] = {}
        own = (
            UserObjectPermission.objects.filter(user=user, content_type__app_label="fundadmin")
            .values_list("content_type__model", "object_pk", "permission__codename")
            .order_by()
        )
        for model_name, object_pk, codename in own.union(_acting_rows(user, today), all=True):
            if codename.startswith(ACTING_ROW):
                codenames = ROLE_PERMISSIONS[Role(codename.removeprefix(ACTING_ROW))]
            else:
                codenames = (codename,)
            found.setdefault((model_name, int(object_pk)), set()).update(codenames)
        cached = user.__dict__["_fundadmin_grants"] = (today, {key: frozenset(v) for key, v in found.items()})
    return cached[1]


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


# -- the capacity in which one acts ------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    """The role in which a person takes a step: their own role assignment, or — while an acting
    period runs — the principal leader's, with the acting record (SPEC.md "Acting leaders").

    Reads like the role assignment it stands for (``role``, ``get_role_display``, ``scope_label``),
    so the trail copies the role acted in; ``trail_changes`` adds for whom."""

    user: User
    assignment: RoleAssignment
    acting: ActingAssignment | None = None

    @property
    def role(self) -> str:
        return self.assignment.role

    def get_role_display(self) -> str:
        return self.assignment.get_role_display()

    @property
    def scope_label(self) -> str:
        return self.assignment.scope_label

    @property
    def principal(self) -> User | None:
        return self.assignment.user if self.acting else None

    @property
    def acting_for_name(self) -> str:
        return self.assignment.user.display_name if self.acting else ""

    @property
    def signed_by(self) -> str:
        """Who signs, as the records and the paper name them: 张德明代李伟, or 李伟."""
        name = self.user.display_name
        return f"{name}代{self.acting_for_name}" if self.acting else name

    def trail_changes(self) -> dict:
        """What the trail records besides the role: on whose behalf, and under which record."""
        if self.acting is None:
            return {}
        return {
            "acting_for": self.acting_for_name,
            "acting_for_id": self.assignment.user_id,
            "acting_own_role": Role(self.acting.user_role).label,
            "acting_record": self.acting.pk,
        }


def capacity(user, codename: str, community: Community, *, day: datetime.date | None = None) -> Capacity | None:
    """The capacity in which ``user`` may exercise ``codename`` over ``community`` today: their own
    active role first; otherwise a principal's role they act in today. None if neither."""
    roles = roles_granting(codename)
    own = (
        RoleAssignment.objects.active(day)
        .covering(community)
        .filter(user=user, role__in=roles)
        .select_related("community", "committee", "user")
        .first()
    )
    if own is not None:
        return Capacity(user, own)
    acting = (
        ActingAssignment.objects.running(day)
        .filter(user=user, principal__role__in=roles)
        .filter(Q(principal__community=community) | Q(principal__committee_id=community.committee_id))
        .select_related("principal__user", "principal__community", "principal__committee", "user")
        .first()
    )
    return Capacity(user, acting.principal, acting) if acting is not None else None


def acting_today(user, *, day: datetime.date | None = None) -> list[ActingAssignment]:
    """The acting periods ``user`` is in today, and those in which someone acts for them."""
    return list(
        ActingAssignment.objects.running(day)
        .filter(Q(user=user) | Q(principal__user=user))
        .select_related("user", "principal__user", "principal__community", "principal__committee")
        .order_by("ends_on", "pk")
    )


# -- who records an acting period ---------------------------------------------------------------------


def _admin(user) -> bool:
    # The same people as the admin site and the setup pages: is_staff follows the 系统管理员 role.
    return user.is_active and user.is_staff


def acting_principals(user) -> QuerySet[RoleAssignment]:
    """The principal leaders' role assignments for which ``user`` may record an acting period.

    The system administrator: any. The working committee's secretary, in their own right: the
    committee's other principal leaders — the construction committee's director beside it and the
    community Party committees' secretaries under it — never themselves (their own stand-in is
    recorded by the administrator, on the authorisation of the body above)."""
    principals = RoleAssignment.objects.active().filter(role__in=list(PRINCIPAL_ROLES))
    if user is None or not user.is_authenticated or not user.is_active:
        return principals.none()
    if _admin(user):
        return principals.exclude(user=user)
    committees = RoleAssignment.objects.active().filter(user=user, role=Role.COMMITTEE_SECRETARY).values("committee")
    return principals.filter(
        Q(role=Role.CONSTRUCTION_DIRECTOR, committee__in=committees)
        | Q(role=Role.COMMUNITY_SECRETARY, community__committee__in=committees)
    ).exclude(user=user)


def may_record_acting(user, principal: RoleAssignment | None = None) -> Verdict:
    """May ``user`` record (or end early) an acting period for ``principal`` (any, if None)?"""
    allowed = acting_principals(user)
    if principal is None:
        if allowed.exists():
            return ALLOWED
        return Verdict(False, "只有系统管理员和党工委书记可以登记代行职责。")
    if allowed.filter(pk=principal.pk).exists():
        return ALLOWED
    if principal.user_id == getattr(user, "pk", None):
        return Verdict(False, "不能为自己登记代行人：请由系统管理员凭上级的书面授权登记。")
    return Verdict(False, f"您不能为「{principal.scope_label}」的{principal.get_role_display()}登记代行职责。")


def may_read_acting(user, acting: ActingAssignment) -> Verdict:
    """Who may read an acting record and its authorisation: whoever may record it, and everyone
    who reads the records of the scope it acts in (the supervisors of the communities whose
    projects it approves among them)."""
    if may_record_acting(user, acting.principal):
        return ALLOWED
    principal = acting.principal
    if principal.community_id:
        return can_view(user, principal.community)
    if can_view_committee(user, principal.committee):
        return ALLOWED
    if visible_communities(user).filter(committee=principal.committee_id).exists():
        return ALLOWED
    return Verdict(False, "您无权查看这条代行职责记录。")
