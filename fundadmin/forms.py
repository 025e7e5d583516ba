"""Form fields every app's forms share."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .text import invisible_problem

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


class VisibleTextMixin:
    """Every form of the project: a text value with a hidden character (fundadmin.text) is
    refused with the message beside its field, before any service sees it."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str) and name in self.fields:
                problem = invisible_problem(value, str(self.fields[name].label or "内容"))
                if problem is not None:
                    self.add_error(name, ValidationError(problem, code="invisible_character"))


class VisibleTextModelForm(VisibleTextMixin, forms.ModelForm):
    """The admin's form for the models it edits (the same refusal beside the field)."""
