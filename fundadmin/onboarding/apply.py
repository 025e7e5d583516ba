"""The plan of an import and its report: every row through the core's services, in one transaction
that the preview rolls back and the apply commits (fundadmin.onboarding)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from audit.services import event_record

from .. import services
from ..models import Community, FundYear, RoleAssignment, User, WorkingCommittee
from ..roles import ROLE_SCOPE, Role, ScopeLevel
from .links import password_link_send
from .reading import CellError, Row, RowError, _date, _length, _money, _optional, _required, _text, read_workbook
from .workbook import ALLOCATIONS, COMMITTEES, COMMUNITIES, ROLE_LABELS, ROLES, SHEETS, USERS, Sheet

# -- the plan and its report ---------------------------------------------------------------------------


CREATE, CHANGE, SAME = "create", "change", "same"
ACTION_LABELS = {CREATE: "新建", CHANGE: "修改", SAME: "不变"}


@dataclass(frozen=True)
class RowOutcome:
    sheet: str
    row: int
    label: str  # the record in words
    action: str
    changes: tuple[tuple[str, str, str], ...] = ()  # (column header, before, after)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class SheetSummary:
    sheet: Sheet
    outcomes: list[RowOutcome] = field(default_factory=list)
    untouched: int = 0  # records in the system that the file does not mention: they stay
    present: bool = True

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def changed(self) -> int:
        return self.count(CHANGE)

    @property
    def same(self) -> int:
        return self.count(SAME)

    @property
    def listed(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.action != SAME]


@dataclass
class ImportReport:
    sha256: str
    sheets: list[SheetSummary]
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False
    new_users: list[User] = field(default_factory=list)
    links_queued: int = 0  # one-time links handed to the worker to mail
    links_failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes_anything(self) -> bool:
        return any(s.created or s.changed for s in self.sheets)

    def summary(self) -> dict[str, dict[str, int]]:
        return {s.sheet.title: {"新建": s.created, "修改": s.changed, "不变": s.same} for s in self.sheets}


class RowFailed(Exception):
    """A row that cannot be applied; its error is on the report."""


@dataclass
class _Run:
    by: User | None
    report: ImportReport
    summaries: dict[str, SheetSummary]
    failed: dict[tuple[str, str], int] = field(default_factory=dict)  # (sheet, key) -> row number
    seen: dict[tuple[str, tuple], int] = field(default_factory=dict)  # (sheet, natural key) -> row number

    def fail(self, row: Row, error: CellError) -> None:
        column = row.sheet.column(error.key).header if error.key else ""
        self.report.errors.append(RowError(row.sheet.title, row.number, column, error.message, error.hint))

    def outcome(self, row: Row, label: str, upsert_created: bool, changes: dict, headers: dict[str, str]) -> None:
        action = CREATE if upsert_created else CHANGE if changes else SAME
        shown = tuple((headers.get(k, k), str(b or "（空）"), str(a or "（空）")) for k, (b, a) in changes.items())
        self.summaries[row.sheet.title].outcomes.append(
            RowOutcome(row.sheet.title, row.number, label, action, () if upsert_created else shown)
        )

    def once(self, row: Row, key: tuple, key_column: str) -> None:
        first = self.seen.setdefault((row.sheet.title, key), row.number)
        if first != row.number:
            raise row.error(key_column, f"与第 {first} 行重复。", "同一记录只填一行：请删除或合并重复的行。")

    def refer(self, row: Row, key_column: str, sheet: Sheet, code: str) -> None:
        """A reference to a record whose own row failed gets that row's number, not a misleading
        'not found'."""
        failed_at = self.failed.get((sheet.title, code))
        if failed_at is not None:
            raise row.error(
                key_column,
                f"“{code}”所在的“{sheet.title}”表第 {failed_at} 行有错误。",
                "改正那一行后，本行即可导入。",
            )


def _validation_to_cell(row: Row, exc: ValidationError, default_key: str, field_keys: dict[str, str]) -> CellError:
    """A service's or model's refusal, placed in the column it is about."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            return row.error(field_keys.get(name, default_key), "；".join(ValidationError(errors).messages))
    return row.error(default_key, "；".join(exc.messages))


def _step(run: _Run, row: Row, key: tuple[str, str] | None, fn: Callable[[], None]) -> None:
    """One row in its own savepoint: a refusal rolls back that row alone, is reported, and the
    run goes on so that the person sees every bad row at once."""
    try:
        with transaction.atomic():
            fn()
    except CellError as error:
        run.fail(row, error)
        if key:
            run.failed[key] = row.number


def _committee_row(run: _Run, row: Row) -> None:
    code = _required(row, "code")
    run.once(row, (code,), "code")
    name = _length(row, "name", _required(row, "name"), WorkingCommittee)
    fields = {
        "name": name,
        "city": _length(row, "city", _optional(row, "city"), WorkingCommittee),
        "construction_committee_name": _length(
            row, "construction_committee_name", _optional(row, "construction_committee_name"), WorkingCommittee
        ),
    }
    other = WorkingCommittee.objects.filter(name=name).exclude(code=code).first()
    if other is not None:
        raise row.error(
            "name",
            f"名称“{name}”已被代码为“{other.code}”的党工委使用。",
            "同一党工委每次导入请用同一代码；不同党工委请用不同名称。",
        )
    try:
        upsert = services.committee_upsert(code=code, fields=fields, by=run.by)
    except ValidationError as exc:
        raise _validation_to_cell(row, exc, "code", {k: k for k in fields} | {"code": "code"}) from None
    run.outcome(row, f"{upsert.obj.name}（{code}）", upsert.created, upsert.changes, _headers(COMMITTEES))


def _community_row(run: _Run, row: Row) -> None:
    code = _required(row, "code")
    run.once(row, (code,), "code")
    committee_code = _required(row, "committee")
    run.refer(row, "committee", COMMITTEES, committee_code)
    committee = WorkingCommittee.objects.filter(code=committee_code).first()
    if committee is None:
        raise row.error(
            "committee", f"找不到代码为“{committee_code}”的党工委。", "请先在“党工委”表中填写该党工委，或改正代码。"
        )
    fields = {
        "name": _length(row, "name", _required(row, "name"), Community),
        "party_committee_name": _length(row, "party_committee_name", _optional(row, "party_committee_name"), Community),
        "address": _length(row, "address", _optional(row, "address"), Community),
    }
    other = Community.objects.filter(committee=committee, name=fields["name"]).exclude(code=code).first()
    if other is not None:
        raise row.error(
            "name",
            f"「{committee.name}」已有名为“{other.name}”的社区（代码“{other.code}”）。",
            "同一社区每次导入请用同一代码；同一党工委内的社区名称不能相同。",
        )
    try:
        upsert = services.community_upsert(code=code, committee=committee, fields=fields, by=run.by)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "community_committee_fixed":
            raise row.error(
                "committee", exc.messages[0], "社区改属其他党工委涉及项目、台账和权限，请联系系统管理员在后台办理。"
            ) from None
        raise _validation_to_cell(
            row, exc, "code", {k: k for k in fields} | {"code": "code", "__all__": "name"}
        ) from None
    run.outcome(
        row, f"{upsert.obj.name}（{code}，{committee.name}）", upsert.created, upsert.changes, _headers(COMMUNITIES)
    )


def _user_row(run: _Run, row: Row) -> None:
    username = _required(row, "username")
    run.once(row, (username,), "username")
    _length(row, "username", username, User)
    full_name = _length(row, "full_name", _optional(row, "full_name"), User)
    email = _optional(row, "email")
    if email is not None:
        try:
            validate_email(email)
        except ValidationError:
            raise row.error("email", f"“{email}”不是有效的电子邮箱。", "请写成 name@example.gov.cn 的形式。") from None
    if not User.objects.filter(username=username).exists():
        if full_name is None:
            raise row.error("full_name", "新用户须填写姓名。", "姓名出现在审批记录和审计记录中。")
        if email is None:
            raise row.error(
                "email", "新用户须填写电子邮箱。", "设置密码的一次性链接发到这个邮箱；系统不生成、不发送密码。"
            )
    try:
        upsert = services.user_upsert(username=username, fields={"full_name": full_name, "email": email}, by=run.by)
    except ValidationError as exc:
        raise _validation_to_cell(
            row, exc, "username", {"username": "username", "full_name": "full_name", "email": "email"}
        ) from None
    if upsert.created:
        run.report.new_users.append(upsert.obj)
    run.outcome(row, f"{upsert.obj.display_name}（{username}）", upsert.created, upsert.changes, _headers(USERS))


def _role_row(run: _Run, row: Row) -> None:
    username = _required(row, "username")
    run.refer(row, "username", USERS, username)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise row.error("username", f"找不到用户名为“{username}”的用户。", "请先在“用户”表中填写此人，或改正用户名。")
    label = _required(row, "role")
    role = ROLE_LABELS.get(label) or (Role(label) if label in Role.values else None)
    if role is None:
        raise row.error("role", f"“{label}”不是系统中的角色。")
    level = ROLE_SCOPE[role]
    scope_code = _optional(row, "scope") or ""
    community = committee = None
    if level == ScopeLevel.SYSTEM:
        if scope_code:
            raise row.error("scope", f"{role.label}不限定范围（全市），范围代码应留空。")
    elif not scope_code:
        target = "社区代码" if level == ScopeLevel.COMMUNITY else "党工委代码"
        raise row.error("scope", f"{role.label}须填写{target}。")
    elif level == ScopeLevel.COMMUNITY:
        run.refer(row, "scope", COMMUNITIES, scope_code)
        community = Community.objects.filter(code=scope_code).first()
        if community is None:
            hint = "该角色任命到社区，请填写“社区”表中的社区代码。"
            if WorkingCommittee.objects.filter(code=scope_code).exists():
                hint = f"“{scope_code}”是党工委代码；{role.label}任命到社区，请填写社区代码。"
            raise row.error("scope", f"找不到代码为“{scope_code}”的社区。", hint)
    else:
        run.refer(row, "scope", COMMITTEES, scope_code)
        committee = WorkingCommittee.objects.filter(code=scope_code).first()
        if committee is None:
            hint = "该角色任命到党工委，请填写“党工委”表中的党工委代码。"
            if Community.objects.filter(code=scope_code).exists():
                hint = f"“{scope_code}”是社区代码；{role.label}任命到党工委，请填写党工委代码。"
            raise row.error("scope", f"找不到代码为“{scope_code}”的党工委。", hint)
    valid_from = _date(row, "valid_from")
    if valid_from is None:
        raise row.error("valid_from", "“生效日期”不能为空。")
    valid_until = _date(row, "valid_until")
    if valid_until is not None and valid_until < valid_from:
        raise row.error("valid_until", "截止日期早于生效日期。", "截止日期是任期的最后一天，不能早于生效日期。")
    run.once(row, (username, role.value, scope_code, valid_from), "valid_from")
    scope = community or committee
    label_text = f"{user.display_name}：{role.label}（{scope or '全市'}，{_period(valid_from, valid_until)}）"
    existing = (
        RoleAssignment.objects.select_for_update()
        .filter(user=user, role=role, community=community, committee=committee, valid_from=valid_from)
        .filter(revoked_at__isnull=True)
        .first()
    )
    if existing is not None and existing.valid_until == valid_until:
        run.outcome(row, label_text, False, {}, {})
        return
    try:
        if existing is not None:
            # Assignments are never edited: the old one is revoked and the new term granted (both in the trail).
            services.role_revoke(
                assignment=existing, by=run.by, reason=f"城市数据导入：任期调整为{_period(valid_from, valid_until)}"
            )
        services.role_grant(
            user=user,
            role=role,
            by=run.by,
            community=community,
            committee=committee,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "role_duplicate":
            raise row.error(
                "valid_from",
                f"{user.display_name}在「{scope or '全市'}」已有一项期限重叠的{role.label}任命。",
                "如要调整期限，请让生效日期与已有任命相同；如要撤销已有任命，请在系统管理中撤销后再导入。",
            ) from None
        raise _validation_to_cell(
            row, exc, "role", {"valid_from": "valid_from", "valid_until": "valid_until"}
        ) from None
    changes = {}
    if existing is not None:
        changes = {"valid_until": (_day(existing.valid_until) or "长期", _day(valid_until) or "长期")}
    run.outcome(row, label_text, existing is None, changes, _headers(ROLES))


def _allocation_row(run: _Run, row: Row) -> None:
    code = _required(row, "community")
    run.refer(row, "community", COMMUNITIES, code)
    community = Community.objects.filter(code=code).first()
    if community is None:
        raise row.error("community", f"找不到代码为“{code}”的社区。", "请先在“社区”表中填写该社区，或改正代码。")
    year_text = _required(row, "year")
    if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
        raise row.error("year", f"“{year_text}”不是有效的年度。", "请填写四位数的年份，如 2026。")
    year = int(year_text)
    run.once(row, (code, year), "year")
    allocation = _money(row, "allocation")
    before = FundYear.objects.filter(community=community, year=year).values_list("allocation", flat=True).first()
    try:
        services.fund_year_set_allocation(community=community, year=year, allocation=allocation, by=run.by)
    except ValidationError as exc:
        raise row.error(
            "allocation",
            "；".join(exc.messages),
            "年度经费以台账为准：请核对金额，或向财务管理人员了解已拨付和已批准的数额。",
        ) from None
    changes = (
        {} if before is None or before == allocation else {"allocation": (f"{before:,.2f} 元", f"{allocation:,.2f} 元")}
    )
    run.outcome(
        row, f"{community.name} {year}年度：{allocation:,.2f} 元", before is None, changes, _headers(ALLOCATIONS)
    )


ROW_HANDLERS: dict[str, tuple[Callable[[_Run, Row], None], str | None]] = {
    COMMITTEES.title: (_committee_row, "code"),
    COMMUNITIES.title: (_community_row, "code"),
    USERS.title: (_user_row, "username"),
    ROLES.title: (_role_row, None),
    ALLOCATIONS.title: (_allocation_row, None),
}


def _headers(sheet: Sheet) -> dict[str, str]:
    return {c.key: c.header for c in sheet.columns}


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _period(valid_from: datetime.date, valid_until: datetime.date | None) -> str:
    return f"{valid_from:%Y-%m-%d} 起" + (f"至 {valid_until:%Y-%m-%d}" if valid_until else "长期")


def _existing_counts() -> dict[str, int]:
    return {
        COMMITTEES.title: WorkingCommittee.objects.count(),
        COMMUNITIES.title: Community.objects.count(),
        USERS.title: User.objects.count(),
        ROLES.title: RoleAssignment.objects.filter(revoked_at__isnull=True).count(),
        ALLOCATIONS.title: FundYear.objects.count(),
    }


def _untouched(summaries: dict[str, SheetSummary], before: dict[str, int]) -> None:
    """Records the system held before that no row of the file names: they stay as they are."""
    for title, summary in summaries.items():
        summary.untouched = max(before[title] - summary.same - summary.changed, 0)


def city_import(*, data: bytes, by: User | None, apply: bool) -> ImportReport:
    """Read the workbook and run every row through the services in one transaction. With
    ``apply=False`` (the preview) or with any bad row, the transaction is rolled back: nothing
    changes. Raises ValidationError only when the file cannot be read at all."""
    rows, errors, notes = read_workbook(data)
    sha256 = hashlib.sha256(data).hexdigest()
    summaries = {s.title: SheetSummary(s, present=s.title in rows) for s in SHEETS}
    report = ImportReport(sha256=sha256, sheets=list(summaries.values()), errors=errors, notes=notes)
    run = _Run(by=by, report=report, summaries=summaries)
    order = [s.title for s in SHEETS]
    with transaction.atomic():
        before = _existing_counts()
        for sheet in SHEETS:
            handler, key_column = ROW_HANDLERS[sheet.title]
            for row in rows.get(sheet.title, []):
                key = (sheet.title, _text(row.values.get(key_column))) if key_column else None
                _step(run, row, key, lambda handler=handler, row=row: handler(run, row))
        _untouched(summaries, before)
        report.errors.sort(key=lambda e: (order.index(e.sheet), e.row))
        if report.errors or not apply or not report.changes_anything:
            # The preview, a file with any bad row, or one that matches the system: nothing is
            # kept — not even an import event, so re-importing the same file changes nothing.
            transaction.set_rollback(True)
            return report
        event_record(
            action="onboarding.import",
            obj=None,
            actor=by,
            object_repr="城市数据导入",
            changes={"sha256": sha256, **report.summary()},
        )
        report.applied = True
        new_users = list(report.new_users)
        transaction.on_commit(lambda: _send_links(report, new_users))
    return report


def _send_links(report: ImportReport, users: list[User]) -> None:
    """Queue each new user's link (the worker mails it; a refusal shows as a failed task)."""
    for user in users:
        try:
            password_link_send(user)
        except ValidationError:  # no e-mail address: the administrator sends it once there is one
            report.links_failed.append(user.username)
        else:
            report.links_queued += 1
