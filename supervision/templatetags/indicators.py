"""How an indicator's figure reads on its pages."""

from django import template

from supervision.indicators.kinds import SPECS, Kind

register = template.Library()


@register.filter
def measured(finding) -> str:
    """A finding's figure against its threshold, in the words of its kind."""
    spec = SPECS[Kind(finding.kind)]
    return f"{spec.measure_label} {spec.format(finding.value)}（阈值 {spec.format(finding.threshold)}）"
