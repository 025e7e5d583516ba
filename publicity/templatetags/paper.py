"""How figures read on the public pages and on paper."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def quantity(value, unit: str = "") -> str:
    """A budget line's quantity as a person writes it: ``40 米``, ``2.5 小时``, ``1 项`` — not the
    stored ``40.00`` glued to its unit."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"{value} {unit}".strip()
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit else text
