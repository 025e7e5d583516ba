"""Form fields every app's forms share."""

from __future__ import annotations

from decimal import Decimal

from django import forms

FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


class MoneyField(forms.DecimalField):
    """Yuan with at most two decimals; accepts full-width digits and thousands separators."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "请输入金额，例如 1234.50。",
                "max_decimal_places": "金额最多两位小数（精确到分）。",
                "min_value": "金额须大于零。",
                "max_digits": "金额过大。",
                "max_whole_digits": "金额过大。",
            },
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(FULLWIDTH).replace(",", "").replace("元", "").strip()
        return super().to_python(value)
