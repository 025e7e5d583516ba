"""Template filters for money and dates (fundadmin.formats); a builtin, so every template has them:

{{ amount|money }}          12,000.00 元
{{ amount|money_figure }}   12,000.00        (a column headed 金额（元）)
{{ line.quantity|quantity }} 2.5            (no trailing zeros)
{{ day|date_table }}        2026-10-09
{{ day|date_prose }}        2026年10月9日
{{ moment|datetime_table }} 2026-10-09 14:30
{{ moment|datetime_prose }} 2026年10月9日 14:30
"""

from django import template

from fundadmin import formats

register = template.Library()

for _name in ("money", "money_figure", "quantity", "date_table", "date_prose", "datetime_table", "datetime_prose"):
    register.filter(_name, getattr(formats, _name), is_safe=True)
