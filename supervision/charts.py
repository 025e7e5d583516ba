"""Bar charts drawn on the server as inline SVG: no JavaScript, no CDN, readable on paper.

Presentation attributes (``fill``) rather than ``style`` so the strict Content Security Policy
(style-src 'self') leaves them alone; every label is escaped.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from fundadmin.formats import money_figure

BAR_COLOUR = "#c8161d"
ROW_HEIGHT = 26
LABEL_WIDTH = 150
VALUE_WIDTH = 110
PLOT_WIDTH = 420


def _fmt(value: Decimal) -> str:
    return money_figure(value)


def bar_chart_svg(bars, *, title: str, unit: str = "元") -> SafeString:
    """A horizontal bar per (label, value); bars scale to the largest value (negative shown as 0)."""
    bars = list(bars)
    top = max((max(b.value, Decimal(0)) for b in bars), default=Decimal(0))
    height = ROW_HEIGHT * max(len(bars), 1) + 10
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    parts = [
        format_html(
            '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
            'role="img" aria-label="{}"><title>{}</title>',
            width,
            height,
            title,
            title,
        )
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * ROW_HEIGHT
        length = int(PLOT_WIDTH * max(bar.value, Decimal(0)) / top) if top > 0 else 0
        parts.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" font-size="13" fill="#1f2328">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}：{} {}</title></rect>'
                '<text x="{}" y="{}" font-size="12" fill="#57606a">{}</text></g>',
                LABEL_WIDTH - 8,
                y + 17,
                bar.label,
                LABEL_WIDTH,
                y + 4,
                max(length, 1 if bar.value > 0 else 0),
                ROW_HEIGHT - 8,
                BAR_COLOUR,
                bar.label,
                _fmt(bar.value),
                unit,
                LABEL_WIDTH + length + 6,
                y + 17,
                _fmt(bar.value),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))


def chart_table(bars) -> str:
    """The same figures as text, for screen readers and for copying."""
    return escape("；".join(f"{b.label} {_fmt(b.value)} 元" for b in bars))
