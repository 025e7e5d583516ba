"""How the indicator pages write money and figures (UX.md: 12,000.00 元 everywhere)."""

from decimal import Decimal

from django import template

from supervision.indicators.kinds import SPECS, Kind

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def measured(finding) -> str:
    """A finding's figure against its threshold, in the words of its kind."""
    spec = SPECS[Kind(finding.kind)]
    return f"{spec.measure_label} {spec.format(finding.value)}（阈值 {spec.format(finding.threshold)}）"
