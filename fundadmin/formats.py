"""How money and dates are written for people: one place, used by pages, PDFs, spreadsheets and
messages (UX.md "Words"). Machine formats (open data, notice snapshots, the trail) keep plain
decimal strings and ISO dates; these functions are only for what a person reads.

- money: ``12,000.00 元`` (thousands separators, two decimals, the unit after a space);
  ``money_figure`` is the same figure without the unit, for a table column whose heading names it.
- dates: ``2026-10-09`` in tables (``date_table``), ``2026年10月9日`` in sentences
  (``date_prose``); with a time, ``2026-10-09 14:30`` / ``2026年10月9日 14:30``.
- quantities: ``1.00`` → ``1``, ``2.50`` → ``2.5`` (a count reads as a count).
- spreadsheets: numbers stay numbers, with ``XLSX_MONEY`` / ``XLSX_DATE`` as their cell format.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

CENT = Decimal("0.01")
UNIT = "元"
EMPTY = "—"

XLSX_MONEY = "#,##0.00"
XLSX_DATE = "yyyy-mm-dd"
XLSX_DATETIME = "yyyy-mm-dd hh:mm"

# The one wording for an amount with more than two decimals, on every form and in every service.
TOO_MANY_DECIMALS = "金额最多两位小数（精确到分），例如 1234.50。"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def money_figure(value) -> str:
    """``12000`` → ``12,000.00``; ``None`` or ``""`` → ``—``. Strings from snapshots are accepted."""
    number = _decimal(value)
    if number is None:
        return EMPTY if value in (None, "") else str(value)
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def money(value) -> str:
    """``12000`` → ``12,000.00 元``; ``None`` or ``""`` → ``—``."""
    figure = money_figure(value)
    return figure if figure == EMPTY or _decimal(value) is None else f"{figure} {UNIT}"


def quantity(value, unit: str = "") -> str:
    """A budget line's quantity as a person writes it: ``1.00`` → ``1``, ``2.50`` → ``2.5``,
    ``12000`` → ``12,000``; with its unit, ``40 米``, ``2.5 小时`` — not ``40.00米``."""
    number = _decimal(value)
    if number is None:
        return f"{value or ''} {unit}".strip()
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def _date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _datetime(value) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, str) and value:
        try:
            return _datetime(datetime.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def date_table(value) -> str:
    """``2026-10-09``: the date in a table cell, a list or a form's help."""
    day = _date(value)
    return day.isoformat() if day else ("" if value in (None, "") else str(value))


def date_prose(value) -> str:
    """``2026年10月9日``: the date in a sentence."""
    day = _date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else ("" if value in (None, "") else str(value))


def datetime_table(value) -> str:
    """``2026-10-09 14:30``."""
    moment = _datetime(value)
    return f"{moment:%Y-%m-%d %H:%M}" if moment else date_table(value)


def datetime_prose(value) -> str:
    """``2026年10月9日 14:30``."""
    moment = _datetime(value)
    return f"{date_prose(moment)} {moment:%H:%M}" if moment else date_prose(value)
