"""Forms for finance staff. They validate with the same functions the services use (so the rule
lives in one place, the domain layer) and never write anything."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from fundadmin.forms import Form, MoneyField
from fundadmin.models import FundYear

from .models import JournalEntry, Kind
from .services import (
    amount_validate,
    entry_date_validate,
    reason_validate,
    reversal_check,
    reversal_target_year,
)

DATE_HELP = "格式：年-月-日，如 2026-03-15；须在该年度内，且该年度尚未结转。"


class DateInput(forms.DateInput):
    input_type = "date"


class AppropriationForm(Form):
    amount = MoneyField(  # full-width digits and thousands separators, as in the project forms
        label="金额（元）",
        # Places and sign are checked by amount_validate so the message is the ledger's own.
        decimal_places=None,
        min_value=None,
        error_messages={"required": "请填写金额。", "invalid": "金额须为数字。", "max_digits": "金额过大。"},
    )
    entry_date = forms.DateField(
        label="到账日期",
        widget=DateInput,
        help_text=DATE_HELP,
        error_messages={"required": "请填写到账日期。", "invalid": "日期格式应为 年-月-日。"},
    )
    reference = forms.CharField(label="拨款文号/凭据号", max_length=60, required=False)
    summary = forms.CharField(label="摘要", max_length=200, required=False, help_text="不填则为“收到某年度财政拨款”")

    def __init__(self, *args, fund_year: FundYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fund_year = fund_year
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("entry_date", today if today.year == fund_year.year else None)

    def clean_amount(self) -> Decimal:
        return amount_validate(self.cleaned_data["amount"])

    def clean_entry_date(self):
        return entry_date_validate(fund_year=self.fund_year, entry_date=self.cleaned_data["entry_date"])


class ReversalForm(Form):
    reason = forms.CharField(
        label="冲销原因",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "冲销须填写原因。"},
    )
    entry_date = forms.DateField(
        label="冲销日期",
        widget=DateInput,
        help_text="已结转年度的凭证，冲销记入下一个开放年度。" + DATE_HELP,
        error_messages={"required": "请填写冲销日期。", "invalid": "日期格式应为 年-月-日。"},
    )

    def __init__(self, *args, entry: JournalEntry, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.target_year = reversal_target_year(entry) if entry.kind != Kind.REVERSAL else None
        if not self.is_bound and self.target_year is not None:
            today = timezone.localdate()
            self.initial.setdefault("entry_date", today if today.year == self.target_year.year else None)

    def clean_reason(self) -> str:
        return reason_validate(self.cleaned_data["reason"])

    def clean_entry_date(self):
        if self.target_year is None:
            raise ValidationError("没有可记账的开放年度，请先结转。", code="no_open_year")
        return entry_date_validate(fund_year=self.target_year, entry_date=self.cleaned_data["entry_date"])

    def clean(self):
        reversal_check(self.entry)
        return super().clean()


class BookFilterForm(Form):
    date_from = forms.DateField(label="起始日期", required=False, widget=DateInput)
    date_to = forms.DateField(label="截止日期", required=False, widget=DateInput)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *Kind.choices])
    project = forms.TypedChoiceField(label="项目", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "全部"), *((p.pk, str(p)) for p in projects)]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("起始日期不能晚于截止日期。", code="date_range")
        return data
