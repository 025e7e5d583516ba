"""The onboarding workbook (fundadmin.onboarding): its sheets and columns, the template, and the
export of what the system holds — the same workbook, so a round trip changes nothing."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..models import Community, FundYear, RoleAssignment, User, WorkingCommittee
from ..roles import Role

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
