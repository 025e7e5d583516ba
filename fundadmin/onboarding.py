"""Onboarding a city from one workbook (issue 14): committees, communities, users, their roles
with validity periods, and each year's allocations.

An administrator downloads the template (or an export of what is already there — the same
workbook), fills it in, uploads it and sees a preview: per sheet what will be created, what will
change (before → after) and what stays. Applying it is all or nothing. Both steps run the very
same code: every row goes through the core's services — ``committee_upsert``,
``community_upsert``, ``user_upsert``, ``role_grant``/``role_revoke`` (with their overlap check
and ``permissions_sync``) and ``fund_year_set_allocation`` (with ``allocation_check``) — each
leaving its event in the trail, inside one transaction that the preview rolls back. So the
preview cannot promise what the apply would refuse, and a file with one bad row changes nothing.

Why not django-import-export (README "Onboarding a city"): it imports one model per resource and
reads only the active sheet of an XLSX, each ``import_data`` in its own transaction; its saving
path is ``instance.save()`` per row, where ours must be the services (roles are revoked and
granted, never edited; allocations are checked against the ledger); and its row errors are its
own. What would be left of it here is the cell parsing, which openpyxl (already a dependency)
does, so the import is written against openpyxl directly.

Re-importing the same file changes nothing: every row is looked up by its natural key (codes,
user names, role + scope + start date, community + year) and an unchanged row is left alone. An
empty optional cell leaves the stored value as it is; nothing absent from the file is removed.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from audit.services import event_record

from . import services
from .addresses import public_url
from .forms import FULLWIDTH
from .models import Community, FundYear, RoleAssignment, User, WorkingCommittee
from .roles import ROLE_SCOPE, Role, ScopeLevel

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS_PER_SHEET = 10_000
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


# -- the template ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    hint: str  # what to write in it: the instructions sheet and every error message say it
    required: bool = False
    width: int = 18


@dataclass(frozen=True)
class Sheet:
    title: str
    what: str  # one sentence for the instructions and the preview
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ROLE_LABELS = {r.label: r for r in Role}

COMMITTEES = Sheet(
    "党工委",
    "每行一个社区党工委（街道）。",
    (
        Column("code", "党工委代码", "英文字母、数字或连字符，如 donghu；同一党工委每次导入都用同一代码", True, 16),
        Column("name", "党工委名称", "如 东湖街道社区党工委", True, 28),
        Column("city", "城市", "如 示例市", False, 12),
        Column(
            "construction_committee_name",
            "建管委名称",
            "与党工委同级的社区建设管理委员会，如 东湖街道社区建设管理委员会",
            False,
            32,
        ),
    ),
)
COMMUNITIES = Sheet(
    "社区",
    "每行一个社区；所属党工委填“党工委”表中的代码。",
    (
        Column("code", "社区代码", "英文字母、数字或连字符，如 guihua；同一社区每次导入都用同一代码", True, 16),
        Column("name", "社区名称", "如 桂花社区", True, 20),
        Column("committee", "所属党工委代码", "“党工委”表中的党工委代码", True, 16),
        Column("party_committee_name", "社区党委名称", "如 桂花社区党委（不填则为“社区名称+党委”）", False, 24),
        Column("address", "地址", "社区党群服务中心地址", False, 30),
    ),
)
USERS = Sheet(
    "用户",
    "每行一个人。新用户收到一封带一次性链接的邮件，由本人设置密码；任何人的密码都不经过本文件。",
    (
        Column("username", "用户名", "登录名：字母、数字、汉字或 @ . + - _，如 zhang_wei；导入后不能修改", True, 18),
        Column("full_name", "姓名", "真实姓名，出现在审批记录和审计记录中（新用户必填）", False, 12),
        Column("email", "电子邮箱", "新用户必填：设置密码的一次性链接发到这个邮箱", False, 28),
    ),
)
ROLES = Sheet(
    "角色任命",
    "每行一项任命：谁、什么角色、在哪个社区或党工委、从哪天到哪天。",
    (
        Column("username", "用户名", "“用户”表中的用户名", True, 18),
        Column("role", "角色", "从下拉列表选：" + "、".join(ROLE_LABELS), True, 20),
        Column(
            "scope",
            "范围代码",
            "社区党委书记、社区党委委员、议事监督委员会成员填社区代码；党工委书记、党工委班子成员、财务管理人员、建管委主任填党工委代码；系统管理员不填",
            False,
            16,
        ),
        Column("valid_from", "生效日期", "如 2026-01-01", True, 14),
        Column("valid_until", "截止日期", "任期最后一天，如 2030-12-31；长期有效不填", False, 14),
    ),
)
ALLOCATIONS = Sheet(
    "年度经费",
    "每行一个社区一个年度的市财政拨款（元）；结余结转由系统按台账计算，不在此填写。",
    (
        Column("community", "社区代码", "“社区”表中的社区代码", True, 16),
        Column("year", "年度", "如 2026", True, 10),
        Column("allocation", "年度经费（元）", "如 100000.00，最多两位小数", True, 18),
    ),
)
SHEETS = (COMMITTEES, COMMUNITIES, USERS, ROLES, ALLOCATIONS)
README_TITLE = "填写说明"


def _header_row(ws, sheet: Sheet) -> None:
    ws.append([c.header for c in sheet.columns])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F2F5")
    for i, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[cell.column_letter].width = column.width
    ws.freeze_panes = "A2"


def _instructions(wb: Workbook) -> None:
    ws = wb.create_sheet(README_TITLE, 0)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    lines = [
        ("社区党组织服务群众专项经费管理系统：城市数据导入表", ""),
        (
            "怎么用",
            "按工作表逐行填写，上传后先看预览（将新建、修改、保持不变的内容），确认后一次性导入；有任何一行出错，整份文件都不会导入。",
        ),
        ("重复导入", "同一份文件再导入一次不会改变任何数据：每行按代码、用户名等识别；已有且内容相同的行保持不变。"),
        ("留空", "选填的格留空，表示不修改系统中已有的内容；导入从不删除数据，文件中没有的记录保持不变。"),
        ("密码", "新用户收到一封带一次性链接的邮件，由本人设置密码；本文件不含、也不能含任何密码。"),
        (
            "角色的调整",
            "同一人同一角色同一范围，生效日期相同的行修改截止日期（原任命撤销、按新期限重新任命，均留痕）；要撤销任命请在系统管理中办理。",
        ),
        ("期限", "日期写成 2026-01-01；截止日期是任期的最后一天。"),
        ("", ""),
    ]
    for sheet in SHEETS:
        lines.append((f"“{sheet.title}”表", sheet.what))
        lines += [(f"  {c.header}{'（必填）' if c.required else ''}", c.hint) for c in sheet.columns]
    for row in lines:
        ws.append(list(row))
    ws["A1"].font = Font(bold=True, size=14)
    for row in ws.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")


def _text_cell(cell) -> None:
    # openpyxl takes any text starting with "=" for a formula; the template holds none.
    if cell.data_type == "f":
        cell.data_type = "s"


def build_workbook(rows: dict[str, list[list]] | None = None) -> bytes:
    """The template, with ``rows`` (per sheet title, cells in column order) filled in."""
    wb = Workbook()
    wb.remove(wb.active)
    _instructions(wb)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title)
        _header_row(ws, sheet)
        for values in (rows or {}).get(sheet.title, []):
            ws.append(values)
        for row in ws.iter_rows(min_row=2):
            for cell, column in zip(row, sheet.columns, strict=False):
                _text_cell(cell)
                if column.key in ("valid_from", "valid_until"):
                    cell.number_format = DATE_FORMAT
                elif column.key == "allocation":
                    cell.number_format = MONEY_FORMAT
        if sheet is ROLES:
            choices = DataValidation(
                type="list",
                formula1='"' + ",".join(ROLE_LABELS) + '"',
                allow_blank=False,
                showErrorMessage=True,
                errorTitle="角色",
                error="请从列表中选择角色。",
            )
            ws.add_data_validation(choices)
            choices.add(f"B2:B{MAX_ROWS_PER_SHEET}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    return build_workbook()


def export_rows() -> dict[str, list[list]]:
    """What the system holds, as the template's rows: importing them back changes nothing."""
    return {
        COMMITTEES.title: [
            [c.code, c.name, c.city, c.construction_committee_name] for c in WorkingCommittee.objects.order_by("code")
        ],
        COMMUNITIES.title: [
            [c.code, c.name, c.committee.code, c.party_committee_name, c.address]
            for c in Community.objects.select_related("committee").order_by("committee__code", "code")
        ],
        USERS.title: [[u.username, u.full_name, u.email] for u in User.objects.order_by("username")],
        ROLES.title: [
            [
                a.user.username,
                Role(a.role).label,
                a.community.code if a.community else a.committee.code if a.committee else "",
                a.valid_from,
                a.valid_until,
            ]
            for a in RoleAssignment.objects.filter(revoked_at__isnull=True)
            .select_related("user", "community", "committee")
            .order_by("user__username", "role", "community__code", "committee__code", "valid_from")
        ],
        ALLOCATIONS.title: [
            [fy.community.code, fy.year, fy.allocation]
            for fy in FundYear.objects.select_related("community").order_by("community__code", "year")
        ],
    }


def export_workbook() -> bytes:
    return build_workbook(export_rows())


# -- reading a workbook ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # as the spreadsheet numbers it (the header is row 1)
    column: str  # the header, or "" for the whole row
    message: str  # what is wrong
    hint: str = ""  # what to do

    def __str__(self) -> str:
        where = f"“{self.sheet}”表第 {self.row} 行" + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}" + (f"{self.hint}" if self.hint else "")


class CellError(Exception):
    def __init__(self, key: str, message: str, hint: str = ""):
        super().__init__(message)
        self.key, self.message, self.hint = key, message, hint


@dataclass
class Row:
    sheet: Sheet
    number: int
    values: dict[str, object]

    def error(self, key: str, message: str, hint: str | None = None) -> CellError:
        column = self.sheet.column(key) if key else None
        return CellError(key, message, column.hint if hint is None and column else (hint or ""))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code or a year typed into a number cell
    return str(value).strip()


DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(row: Row, key: str) -> datetime.date | None:
    value = row.values.get(key)
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = DATE_RE.match(_text(value).translate(FULLWIDTH))
    if match:
        try:
            return datetime.date(*map(int, match.groups()))
        except ValueError:
            pass
    raise row.error(key, f"“{_text(value)}”不是有效的日期。", "请写成 2026-01-01 的形式。")


def _money(row: Row, key: str) -> Decimal:
    value = row.values.get(key)
    if isinstance(value, bool):
        value = None
    text = _text(value).translate(FULLWIDTH).replace(",", "").replace("元", "").strip()
    if isinstance(value, float):
        text = repr(value)  # the shortest decimal that is this float: what the person typed
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise row.error(key, f"“{_text(value)}”不是金额。", "请填写数字，如 100000.00。") from None
    if not amount.is_finite() or amount < 0:
        raise row.error(key, f"“{_text(value)}”不是有效的金额。", "金额须为不小于零的数字。")
    if amount != amount.quantize(Decimal("0.01")):
        raise row.error(key, f"金额 {text} 超过两位小数。", "金额精确到分，最多两位小数。")
    if amount >= Decimal("1e12"):
        raise row.error(key, f"金额 {text} 过大。", "请核对金额（元）。")
    return amount.quantize(Decimal("0.01"))


def _cell(row: Row, key: str) -> str:
    text = _text(row.values.get(key))
    if "\x00" in text:
        # Never reaches a query: PostgreSQL refuses NUL in a string (a 500 otherwise).
        raise row.error(key, "内容中含有空字符（NUL）。", "请检查该格的内容，删除不可见字符。")
    return text


def _required(row: Row, key: str) -> str:
    text = _cell(row, key)
    if not text:
        column = row.sheet.column(key)
        raise row.error(key, f"“{column.header}”不能为空。")
    return text


def _optional(row: Row, key: str) -> str | None:
    """None when the cell is empty: the stored value stays."""
    return _cell(row, key) or None


def _length(row: Row, key: str, value: str | None, model, field_name: str | None = None) -> str | None:
    if value is None:
        return None
    if "\x00" in value:
        raise row.error(key, "内容中含有空字符（NUL）。", "请检查该格的内容，删除不可见字符。")
    limit = model._meta.get_field(field_name or key).max_length
    if limit and len(value) > limit:
        raise row.error(key, f"不能超过 {limit} 个字（现有 {len(value)} 个字）。")
    return value


def read_workbook(data: bytes) -> tuple[dict[str, list[Row]], list[RowError], list[str]]:
    """The rows of every known sheet, the errors of its headers, and notes (sheets left out)."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"文件过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB），请检查是否选错了文件。", code="too_big"
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ValidationError(
            "无法读取该文件：请上传用本页下载的模板填写的 Excel 文件（.xlsx）。", code="not_xlsx"
        ) from exc
    rows: dict[str, list[Row]] = {}
    errors: list[RowError] = []
    notes: list[str] = []
    try:
        for sheet in SHEETS:
            if sheet.title not in wb.sheetnames:
                notes.append(f"文件中没有“{sheet.title}”工作表，该部分不导入。")
                continue
            rows[sheet.title] = _sheet_rows(wb[sheet.title], sheet, errors)
        unknown = [t for t in wb.sheetnames if t not in {s.title for s in SHEETS} | {README_TITLE}]
        if unknown:
            notes.append(f"工作表 {'、'.join(unknown)} 不是模板中的工作表，未读取。")
    finally:
        wb.close()
    return rows, errors, notes


def _sheet_rows(ws, sheet: Sheet, errors: list[RowError]) -> list[Row]:
    it = ws.iter_rows(values_only=True)
    header = next(it, None) or ()
    positions = {}
    for i, value in enumerate(header):
        text = _text(value).rstrip("*").strip()
        for column in sheet.columns:
            if text == column.header:
                positions[column.key] = i
    missing = [c.header for c in sheet.columns if c.required and c.key not in positions]
    if missing:
        errors.append(
            RowError(
                sheet.title,
                1,
                "",
                f"缺少列：{'、'.join(missing)}。",
                "请使用本页下载的模板，不要修改第 1 行的列名。",
            )
        )
        return []
    out = []
    for number, values in enumerate(it, start=2):
        if number - 1 > MAX_ROWS_PER_SHEET:
            errors.append(RowError(sheet.title, number, "", f"超过 {MAX_ROWS_PER_SHEET} 行。", "请分成几个文件导入。"))
            break
        cells = {key: values[i] if i < len(values) else None for key, i in positions.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue
        out.append(Row(sheet, number, cells))
    return out


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
    links_sent: int = 0
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
            raise row.error("scope", "系统管理员不限定范围，范围代码应留空。")
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
    for user in users:
        try:
            password_link_send(user)
        except Exception as exc:  # the mail server refused: the administrator re-sends from the user list
            log.warning("password link to %s failed: %s", user.email, exc)
            report.links_failed.append(user.username)
        else:
            report.links_sent += 1


# -- the one-time link: new users set their own password ------------------------------------------------


class PasswordSetTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token with its own salt: valid until the password is set (the token hashes
    the password field, so the link works once) or until PASSWORD_RESET_TIMEOUT (3 days)."""

    key_salt = "fundadmin.onboarding.PasswordSetTokenGenerator"


password_set_token = PasswordSetTokenGenerator()


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_set", args=[uid, password_set_token.make_token(user)])
    return public_url(path)


def password_link_send(user: User) -> None:
    """E-mail the user a one-time link to set their own password. No password is ever made,
    shown or sent; the trail records that the link went out (not the link)."""
    if not user.email:
        raise ValidationError(f"{user.display_name}没有登记电子邮箱，无法发送设置密码的链接。", code="no_email")
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    body = "\n".join(
        [
            f"{user.display_name}，您好：",
            "",
            f"系统管理员已为您开通社区党组织服务群众专项经费管理系统的账号，用户名：{user.username}。",
            f"请在 {days} 天内打开下面的链接，设置您自己的密码（链接只能使用一次）：",
            "",
            password_link(user),
            "",
            "如果链接已过期或已使用，请联系系统管理员重新发送。系统不会通过邮件向您发送密码。",
        ]
    )
    EmailMessage("【专项经费】请设置您的登录密码", body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    event_record(
        action="user.password_link",
        obj=user,
        actor=None,
        object_repr=f"设置密码链接 → {user.display_name}",
        changes={"username": user.username, "email": user.email},
    )
