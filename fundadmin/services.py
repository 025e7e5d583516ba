"""Writes to the core domain: role assignments and their permissions, the working-day calendar,
fund years. Each runs in one transaction and leaves one event in the trail."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from audit.services import event_record

from .calendar_hooks import MovedDeadline, deadlines_recompute
from .formats import date_prose
from .models import (
    ActingAssignment,
    CalendarYear,
    Community,
    FundYear,
    RoleAssignment,
    SpecialDay,
    User,
    WorkingCommittee,
)
from .permissions import forget_grants, may_record_acting
from .roles import CITY_ROLES, PRINCIPAL_ROLES, ROLE_PERMISSIONS, Role
from .text import required_text
from .uploads import inspect_upload
from .workdays import forget_published_years

# -- roles and permissions ---------------------------------------------------------------------


def _wanted_permissions(user: User, day: datetime.date) -> set[tuple[str, str, int]]:
    wanted = set()
    city_codenames: set[str] = set()
    for a in RoleAssignment.objects.active(day).filter(user=user):
        scope = a.scope
        if scope is None:
            # A city role (Art. 5, 21) holds its permissions on every working committee.
            city_codenames.update(ROLE_PERMISSIONS[Role(a.role)])
            continue
        for codename in ROLE_PERMISSIONS[Role(a.role)]:
            wanted.add((codename, scope._meta.model_name, scope.pk))
    if city_codenames:
        for pk in WorkingCommittee.objects.values_list("pk", flat=True):
            wanted.update((codename, "workingcommittee", pk) for codename in city_codenames)
    return wanted


def city_roles_sync() -> int:
    """Give the holders of city roles their permissions on committees created since their grant
    (the admin calls it when a committee is added; the daily sync_role_permissions does too)."""
    users = User.objects.filter(role_assignments__role__in=CITY_ROLES, role_assignments__revoked_at__isnull=True)
    count = 0
    for user in users.distinct():
        permissions_sync(user=user)
        count += 1
    return count


def permissions_sync(*, user: User, day: datetime.date | None = None) -> None:
    """Make the user's guardian object permissions equal to what their active roles grant.

    Run on every grant and revoke, and daily (``manage.py sync_role_permissions``) so that roles
    whose validity period starts or ends take effect without anyone touching them.
    """
    day = day or timezone.localdate()
    wanted = _wanted_permissions(user, day)
    models = {"community": Community, "workingcommittee": WorkingCommittee}
    have = {
        (p.permission.codename, p.content_type.model, int(p.object_pk)): p
        for p in UserObjectPermission.objects.filter(user=user, content_type__app_label="fundadmin").select_related(
            "permission", "content_type"
        )
    }
    for codename, model_name, pk in wanted - have.keys():
        assign_perm(f"fundadmin.{codename}", user, models[model_name].objects.get(pk=pk))
    for codename, model_name, pk in have.keys() - wanted:
        remove_perm(f"fundadmin.{codename}", user, models[model_name].objects.get(pk=pk))
    is_admin = RoleAssignment.objects.active(day).filter(user=user, role=Role.SYSTEM_ADMIN).exists()
    if user.is_staff != is_admin and not user.is_superuser:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])
    forget_grants(user)


def role_overlap_check(assignment: RoleAssignment, *, lock: bool = False) -> None:
    """One person holds a role in one scope once at a time: refuse an unsaved ``assignment`` whose
    period overlaps a live one. The admin's form asks this too, so the refusal is a form error."""
    duplicate = RoleAssignment.objects.filter(
        user=assignment.user_id,
        role=assignment.role,
        community=assignment.community_id,
        committee=assignment.committee_id,
        revoked_at__isnull=True,
    ).exclude(valid_until__lt=assignment.valid_from)
    if assignment.valid_until is not None:
        duplicate = duplicate.exclude(valid_from__gt=assignment.valid_until)
    if lock:
        duplicate = duplicate.select_for_update()
    if duplicate.exists():
        raise ValidationError("该用户在此范围内已有相同角色且期限重叠。", code="role_duplicate")


def role_grant(
    *,
    user: User,
    role: Role | str,
    by: User | None,
    community: Community | None = None,
    committee: WorkingCommittee | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> RoleAssignment:
    assignment = RoleAssignment(
        user=user,
        role=Role(role),
        community=community,
        committee=committee,
        valid_from=valid_from or timezone.localdate(),
        valid_until=valid_until,
        granted_by=by,
    )
    assignment.full_clean()
    with transaction.atomic():
        role_overlap_check(assignment, lock=True)
        assignment.save()
        permissions_sync(user=user)
        event_record(
            action="role.grant",
            obj=assignment,
            actor=by,
            community=community,
            changes={
                "user": user.username,
                "role": assignment.get_role_display(),
                "scope": assignment.scope_label,
                "valid_from": assignment.valid_from,
                "valid_until": assignment.valid_until,
            },
        )
    return assignment


def role_revoke(*, assignment: RoleAssignment, by: User | None, reason: str) -> RoleAssignment:
    if not reason.strip():
        raise ValidationError("撤销角色须填写原因。", code="reason_required")
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.revoked_at is not None:
            raise ValidationError("该角色任命已被撤销。", code="already_revoked")
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = by
        assignment.revoke_reason = reason.strip()
        assignment.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        permissions_sync(user=assignment.user)
        event_record(
            action="role.revoke",
            obj=assignment,
            actor=by,
            community=assignment.community,
            reason=assignment.revoke_reason,
            changes={
                "user": assignment.user.username,
                "role": assignment.get_role_display(),
                "scope": assignment.scope_label,
            },
        )
    return assignment


# -- acting leaders (代行职责) ---------------------------------------------------------------------


def _acting_changes(acting: ActingAssignment) -> dict:
    principal = acting.principal
    return {
        "user": acting.user.display_name,
        "user_role": Role(acting.user_role).label,
        "principal": principal.user.display_name,
        "role": principal.get_role_display(),
        "scope": principal.scope_label,
        "starts_on": acting.starts_on,
        "ends_on": acting.ends_on,
        "authorisation_sha256": acting.authorisation_sha256,
    }


def acting_record(
    *,
    principal: RoleAssignment,
    user: User,
    by: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
    authorisation,
) -> ActingAssignment:
    """Record that ``user`` acts in ``principal``'s role from ``starts_on`` to ``ends_on`` (both
    days included), on the uploaded written authorisation (SPEC.md "Acting leaders").

    Refused: for someone other than a principal leader; by anyone but the system administrator or,
    for the committee's other principals, the working committee's secretary; for oneself, or by the
    principal; a person who does not hold a leadership role in the same body today; a period that
    began before today (steps already taken were not taken under it) or overlaps another for the
    same principal. It takes effect on its first day and ends after its last, with no job to run:
    permissions and steps ask the acting record on the day (``ActingAssignment.objects.running``).
    """
    reason = required_text(reason, "代行原因", ActingAssignment._meta.get_field("reason").max_length)
    today = timezone.localdate()
    if starts_on < today:
        raise ValidationError("代行开始日期不能早于今天：此前办理的事项并非代行。", code="acting_past")
    if ends_on < starts_on:
        raise ValidationError("代行结束日期不能早于开始日期。", code="acting_order")
    inspected = inspect_upload(authorisation, accept=("application/pdf", "image/jpeg", "image/png"), what="书面授权")
    with transaction.atomic():
        principal = (
            RoleAssignment.objects.select_for_update(of=("self",))
            .select_related("user", "community", "committee")
            .get(pk=principal.pk)
        )
        if principal.role not in PRINCIPAL_ROLES:
            raise ValidationError(
                f"{principal.get_role_display()}不是主要负责人，无需登记代行。"
                f"可以登记代行的职务：{'、'.join(r.label for r in PRINCIPAL_ROLES)}。",
                code="not_principal",
            )
        # Art. 11 asks the principal leaders: the one who acts is never the one they act for.
        if user.pk == principal.user_id:
            raise ValidationError(
                f"{user.display_name}本人就是{principal.get_role_display()}，不能代行自己的职责。", code="acting_self"
            )
        verdict = may_record_acting(by, principal)
        if not verdict:
            raise PermissionDenied(verdict.reason)
        if not principal.is_active(today) or (principal.valid_until and principal.valid_until < ends_on):
            until = date_prose(principal.valid_until) if principal.valid_until else "长期"
            raise ValidationError(
                f"{principal.user.display_name}的{principal.get_role_display()}任命在代行期内并非全程有效"
                f"（{date_prose(principal.valid_from)} 至 {until}）。",
                code="principal_inactive",
            )
        deputies = PRINCIPAL_ROLES[Role(principal.role)]
        own = (
            RoleAssignment.objects.active(today)
            .filter(user=user, role__in=deputies, community=principal.community_id, committee=principal.committee_id)
            .first()
        )
        if own is None or not user.is_active:
            raise ValidationError(
                f"{user.display_name}目前不是「{principal.scope_label}」的{'或'.join(r.label for r in deputies)}："
                f"代行{principal.get_role_display()}职责的，须是同一机构中已有任职的人。",
                code="acting_outsider",
            )
        overlap = (
            ActingAssignment.objects.live()
            .select_for_update(of=("self",))
            .filter(principal=principal, starts_on__lte=ends_on, ends_on__gte=starts_on)
            .select_related("user")
            .first()
        )
        if overlap is not None:
            raise ValidationError(
                f"{date_prose(overlap.starts_on)} 至 {date_prose(overlap.ends_on)} 已登记由{overlap.user.display_name}代行，"
                "期间不能重叠：如需更换代行人，请先提前结束原登记。",
                code="acting_overlap",
            )
        acting = ActingAssignment(
            principal=principal,
            user=user,
            user_role=own.role,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            authorisation_name=(getattr(authorisation, "name", "") or "授权书")[:200],
            authorisation_type=inspected.content_type,
            authorisation_size=inspected.size,
            authorisation_sha256=inspected.sha256,
            recorded_by=by,
        )
        acting.authorisation.save(f"授权书.{inspected.extension}", authorisation, save=False)
        acting.save()
        forget_grants(user)
        event_record(
            action="acting.record",
            obj=acting,
            actor=by,
            community=principal.community,
            reason=reason,
            changes=_acting_changes(acting),
        )
    return acting


def acting_end(*, acting: ActingAssignment, by: User, reason: str) -> ActingAssignment:
    """End an acting period early — the principal is back — from today on: a period that has not
    begun is called off; the steps already taken under it stay as they were recorded."""
    reason = required_text(reason, "提前结束的原因", ActingAssignment._meta.get_field("revoke_reason").max_length)
    with transaction.atomic():
        acting = (
            ActingAssignment.objects.select_for_update(of=("self",))
            .select_related("user", "principal__user", "principal__community", "principal__committee")
            .get(pk=acting.pk)
        )
        verdict = may_record_acting(by, acting.principal)
        if not verdict:
            raise PermissionDenied(verdict.reason)
        if acting.revoked_at is not None:
            raise ValidationError("这条代行职责已提前结束。", code="already_ended")
        if acting.ends_on < timezone.localdate():
            raise ValidationError("这条代行职责已到期结束。", code="already_over")
        acting.revoked_at, acting.revoked_by, acting.revoke_reason = timezone.now(), by, reason
        acting.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        forget_grants(acting.user)
        event_record(
            action="acting.end",
            obj=acting,
            actor=by,
            community=acting.principal.community,
            reason=acting.revoke_reason,
            changes=_acting_changes(acting),
        )
    return acting


# -- committees, communities, users (onboarding, fundadmin.onboarding) ----------------------------


@dataclass(frozen=True)
class Upsert:
    """What a create-or-update did: the object, whether it is new, and {field: (before, after)}."""

    obj: object
    created: bool
    changes: dict[str, tuple[str, str]]


def _upsert(model, *, lookup: dict, fields: dict[str, str | None], by: User | None, action: str, **event) -> Upsert:
    """Create the row named by ``lookup`` or change the given fields of it; a value of None
    leaves the field as it is (an empty cell in an import never erases anything). Validated
    by the model (uniqueness, lengths, formats) and recorded in the trail."""
    obj = model.objects.select_for_update().filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup, **{k: v for k, v in fields.items() if v is not None})
        changes = {k: ("", v) for k, v in fields.items() if v}
    else:
        changes = {k: (getattr(obj, k), v) for k, v in fields.items() if v is not None and getattr(obj, k) != v}
        if not changes:
            return Upsert(obj, False, {})
        for k, (_, v) in changes.items():
            setattr(obj, k, v)
    if isinstance(obj, User) and created:
        # Nobody knows a new user's password, not even the administrator: the user sets it
        # through a one-time link (fundadmin.onboarding.password_link_send).
        obj.set_unusable_password()
    obj.full_clean()
    obj.save()
    event_record(
        action=f"{action}.{'create' if created else 'change'}",
        obj=obj,
        actor=by,
        changes={**lookup, **{k: {"before": str(b), "after": str(a)} for k, (b, a) in changes.items()}},
        **event,
    )
    return Upsert(obj, created, changes)


def committee_upsert(*, code: str, fields: dict[str, str | None], by: User | None) -> Upsert:
    with transaction.atomic():
        upsert = _upsert(WorkingCommittee, lookup={"code": code}, fields=fields, by=by, action="committee")
        if upsert.created:
            city_roles_sync()  # city oversight (Art. 5, 21) covers a new committee at once
        return upsert


def community_upsert(
    *, code: str, committee: WorkingCommittee, fields: dict[str, str | None], by: User | None
) -> Upsert:
    """A community never moves to another committee this way: its projects, books and every
    committee role's scope follow the committee (SPEC.md "Who is involved")."""
    with transaction.atomic():
        existing = Community.objects.select_for_update().filter(code=code).select_related("committee").first()
        if existing is not None and existing.committee_id != committee.pk:
            raise ValidationError(
                f"社区“{existing.name}”已属于「{existing.committee}」，不能通过导入改到「{committee}」。",
                code="community_committee_fixed",
            )
        upsert = _upsert(
            Community, lookup={"code": code}, fields={**fields, "committee": committee}, by=by, action="community"
        )
        if upsert.created:
            return Upsert(upsert.obj, True, {k: v for k, v in upsert.changes.items() if k != "committee"})
        return upsert


def user_upsert(*, username: str, fields: dict[str, str | None], by: User | None) -> Upsert:
    with transaction.atomic():
        return _upsert(User, lookup={"username": username}, fields=fields, by=by, action="user")


# -- fund years ----------------------------------------------------------------------------------


def fund_year_set_allocation(*, community: Community, year: int, allocation: Decimal, by: User | None) -> FundYear:
    """Create a fund year or change its allocation (Art. 5); refused once the year is closed."""
    if allocation < 0 or allocation != allocation.quantize(Decimal("0.01")):
        raise ValidationError("年度经费须为不小于零、最多两位小数的金额。", code="allocation_invalid")
    with transaction.atomic():
        fund_year = FundYear.objects.select_for_update().filter(community=community, year=year).first()
        before = fund_year.allocation if fund_year else None
        if fund_year is None:
            fund_year = FundYear.objects.create(community=community, year=year, allocation=allocation)
        elif before == allocation:
            return fund_year
        else:
            allocation_check(fund_year, allocation)
            fund_year.allocation = allocation
            fund_year.save(update_fields=["allocation"])
        event_record(
            action="fund_year.set_allocation",
            obj=fund_year,
            actor=by,
            community=community,
            changes={"allocation": {"before": before, "after": allocation}},
        )
    return fund_year


# Who else must agree to a new allocation. The ledger knows what has been received, approved and
# spent (Art. 5, 13) and registers its check from LedgerConfig.ready: the core knows no app.
AllocationGuard = Callable[[FundYear, Decimal], None]
_allocation_guards: list[AllocationGuard] = []


def allocation_guard(guard: AllocationGuard) -> AllocationGuard:
    if guard not in _allocation_guards:
        _allocation_guards.append(guard)
    return guard


def allocation_check(fund_year: FundYear, allocation: Decimal) -> None:
    """An allocation may be cut, but never once the year is closed, and never below what the
    registered guards (the ledger: received, approved and spent) say it must cover (Art. 5, 13).

    Read-only: the admin form asks it to show the refusal on the form; the service asks it
    again under the row lock."""
    if fund_year.is_closed:
        raise ValidationError("该年度已结转，不能再修改年度经费。", code="year_closed")
    for guard in _allocation_guards:
        guard(fund_year, allocation)


# -- the working-day calendar ----------------------------------------------------------------------


CSV_KINDS = {
    "holiday": SpecialDay.Kind.HOLIDAY,
    "休": SpecialDay.Kind.HOLIDAY,
    "放假": SpecialDay.Kind.HOLIDAY,
    "workday": SpecialDay.Kind.WORKDAY,
    "班": SpecialDay.Kind.WORKDAY,
    "上班": SpecialDay.Kind.WORKDAY,
}


@dataclass(frozen=True)
class CalendarImport:
    years: list[int]
    moved: list[MovedDeadline]  # stored deadlines counted again on the loaded calendar


def calendar_changed(*, by: User | None, reason: str) -> list[MovedDeadline]:
    """After any write to the calendar, inside its transaction: the staff banner forgets what it
    knew, and every app's stored provisional deadlines are counted again (fundadmin.calendar_hooks),
    each move recorded in the trail by the app that stores it."""
    forget_published_years()
    return deadlines_recompute(by=by, reason=reason)


def calendar_import_csv(*, text: str, by: User | None, source: str = "") -> list[int]:
    return calendar_import(text=text, by=by, source=source).years


def calendar_import(*, text: str, by: User | None, source: str = "") -> CalendarImport:
    """Replace whole years of holidays and adjusted working days from a CSV written from the
    State Council notice. Columns: ``date,kind,name`` with kind ``holiday``/``workday`` (or
    休/班). Each year present in the file is replaced as a whole and marked published; the
    file is checked completely before anything is written. The provisional deadlines stored
    so far are counted again in the same transaction."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or not {"date", "kind"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationError("CSV 须包含表头 date,kind,name。", code="csv_header")
    rows: dict[datetime.date, tuple[str, str]] = {}
    errors = []
    for line, row in enumerate(reader, start=2):
        raw_date, raw_kind = (row.get("date") or "").strip(), (row.get("kind") or "").strip()
        try:
            day = datetime.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(f"第 {line} 行：日期“{raw_date}”格式应为 YYYY-MM-DD")
            continue
        kind = CSV_KINDS.get(raw_kind.lower())
        if kind is None:
            errors.append(f"第 {line} 行：类型“{raw_kind}”应为 holiday 或 workday")
            continue
        if day in rows:
            errors.append(f"第 {line} 行：日期 {day} 重复")
            continue
        if kind == SpecialDay.Kind.WORKDAY and day.weekday() < 5:
            errors.append(f"第 {line} 行：{day} 是工作日，不需要登记为调休上班")
            continue
        name = (row.get("name") or "").strip()
        limit = SpecialDay._meta.get_field("name").max_length
        if "\x00" in name:
            # Django's forms refuse NUL everywhere; PostgreSQL cannot store it.
            errors.append(f"第 {line} 行：名称中含有空字符（NUL），请检查文件")
            continue
        if len(name) > limit:
            # Refused, not cut: what is stored is what the file says.
            errors.append(f"第 {line} 行：名称不能超过 {limit} 个字（现有 {len(name)} 个字）")
            continue
        rows[day] = (kind, name)
    if errors:
        raise ValidationError(errors, code="csv_rows")
    if not rows:
        raise ValidationError("CSV 中没有任何日期。", code="csv_empty")
    years = sorted({d.year for d in rows})
    with transaction.atomic():
        for year in years:
            before = SpecialDay.objects.filter(date__year=year).count()
            SpecialDay.objects.filter(date__year=year).delete()
            SpecialDay.objects.bulk_create(
                [SpecialDay(date=d, kind=k, name=n) for d, (k, n) in sorted(rows.items()) if d.year == year]
            )
            cal_year, _ = CalendarYear.objects.update_or_create(
                year=year, defaults={"is_published": True, "source": source[:200] or "CSV 导入"}
            )
            event_record(
                action="calendar.import",
                obj=cal_year,
                actor=by,
                changes={"year": year, "days_before": before, "days_after": sum(1 for d in rows if d.year == year)},
                reason=source,
            )
        moved = calendar_changed(by=by, reason=f"导入{'、'.join(map(str, years))}年工作日历（{source or 'CSV 导入'}）")
    return CalendarImport(years=years, moved=moved)
