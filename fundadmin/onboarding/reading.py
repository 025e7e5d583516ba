"""Reading an uploaded workbook into rows, with a Chinese message per bad cell (sheet, row, column,
what is wrong, what to do)."""

from __future__ import annotations

import datetime
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from ..forms import FULLWIDTH
from .workbook import MAX_FILE_BYTES, MAX_ROWS_PER_SHEET, README_TITLE, SHEETS, Sheet

log = logging.getLogger(__name__)

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
