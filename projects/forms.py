"""Forms validate and say what is wrong in Chinese; they never write anything."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from fundadmin.formats import date_prose, money
from fundadmin.forms import Form, ModelForm, MoneyField, QuantityField, specific_errors
from fundadmin.models import FundYear, SpendingCategory
from fundadmin.workdays import Deadline

from . import process
from .models import DECLARATION_FIELDS, Document, Inspection, Project, Settlement
from .services import PLAN_FIELDS, LineInput

# ISO dates: what <input type="date"> reads. With the locale's format ("2026/12/01") a date the
# form starts with — a draft's planned dates, the day of a payment — shows empty and is sent back empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(ModelForm):
    fund_year = forms.ModelChoiceField(queryset=FundYear.objects.none(), label="经费年度", empty_label="请选择经费年度")

    class Meta:
        model = Project
        fields = [f for f in PLAN_FIELDS]
        widgets = {
            "planned_start": DATE,
            "planned_end": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
            "spending_plan": forms.Textarea(attrs={"rows": 3}),
            "need_source": forms.Textarea(attrs={"rows": 3}),
            "small_group_justification": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, fund_years=None, needs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = SpendingCategory.objects.all()
        self.fields["category"].required = True
        self.fields["category"].empty_label = "请选择（第八条六类）"
        self.fields["category"].error_messages["required"] = "请选择经费使用范围（第八条六类之一）。"
        self.fields["title"].error_messages["required"] = "请填写项目名称。"
        if fund_years is not None:
            self.fields["fund_year"].queryset = fund_years
            self.fields["fund_year"].error_messages["required"] = "请选择经费年度：项目的钱从哪一年度的经费中支出。"
            open_years = list(fund_years[:2])
            if len(open_years) == 1 and not self.is_bound:
                # Only one year is open: nothing to choose, so it is chosen.
                self.initial.setdefault("fund_year", open_years[0].pk)
        if self.instance.pk:
            del self.fields["fund_year"]
        else:
            # The year comes first: it says whose money this is (it sat at the foot of a long form).
            self.order_fields(["fund_year"])
        if needs is not None:
            self.fields["needs"] = forms.ModelMultipleChoiceField(
                queryset=needs,
                required=False,
                label="回应的民意诉求",
                widget=forms.CheckboxSelectMultiple,
            )
            if self.instance.pk:
                self.initial["needs"] = list(self.instance.needs.values_list("pk", flat=True))
        for name in DECLARATION_FIELDS:
            self.fields[name].help_text = ""

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", ValidationError("计划完成日期不能早于开始日期。", code="dates_order"))
        if data.get("is_small_group") and not (data.get("small_group_justification") or "").strip():
            self.add_error(
                "small_group_justification",
                ValidationError("受益群体较小的项目须说明理由（第七条）。", code="justification"),
            )
        if data.get("beneficiary_count") is not None and data["beneficiary_count"] > 10_000_000:
            self.add_error("beneficiary_count", ValidationError("受益人数不合理。", code="count"))
        return data

    def main_fields(self):
        return [field for field in self if field.name not in DECLARATION_FIELDS]

    def declaration_fields(self):
        return [self[name] for name in DECLARATION_FIELDS]

    def plan_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS if name in self.cleaned_data}


class BudgetLineForm(Form):
    item = forms.CharField(
        label="项目/物品", max_length=100, error_messages={"required": "请填写这一行买什么或做什么（项目/物品）。"}
    )
    quantity = QuantityField(label="数量", error_messages={"required": "请填写数量，例如 1 或 2.5。"})
    unit = forms.CharField(label="单位", max_length=10, required=False)
    unit_price = MoneyField(label="单价（元）", error_messages={"required": "请填写单价（元），例如 1234.50。"})
    in_procurement_catalogue = forms.BooleanField(label="属于政府采购目录", required=False)

    def clean(self):
        data = super().clean()
        q, p = data.get("quantity"), data.get("unit_price")
        if q is not None and p is not None:
            try:
                amount = (q * p).quantize(Decimal("0.01"))
            except InvalidOperation as exc:
                raise ValidationError(OVERFLOW, code="overflow") from exc
            if amount >= Decimal("1e12"):
                raise ValidationError(OVERFLOW, code="overflow")
        return data


OVERFLOW = f"这一行的金额（数量 × 单价）过大：最多 {money(Decimal('999999999999.99'))}。"


class BaseLineFormSet(forms.BaseFormSet):
    """Budget lines. Every row may be left blank (a blank row is no line), whether it was shown
    filled or added empty; rows are added and removed without saving through ``edited``."""

    ADD = "lines-add"
    REMOVE = "lines-remove"

    def _construct_form(self, i, **kwargs):
        return super()._construct_form(i, empty_permitted=True, use_required_attribute=False, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        if not [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]:
            raise ValidationError("请至少填写一项预算明细；合计由明细自动计算。", code="no_lines")

    @classmethod
    def edited(cls, data, prefix: str = "lines"):
        """The POST data with a row added (the "添加一行" button) or removed ("删除此行"), or None
        when the person pressed save. The form is shown again with everything typed kept."""
        if cls.ADD not in data and cls.REMOVE not in data:
            return None
        data = data.copy()
        total_key = f"{prefix}-TOTAL_FORMS"
        try:
            total = max(0, min(int(data.get(total_key, 0)), cls.max_num))
        except ValueError:
            total = 0
        if cls.ADD in data:
            data[total_key] = str(min(total + 1, cls.max_num))
        else:
            try:
                gone = int(data[cls.REMOVE])
            except ValueError:
                gone = -1
            if 0 <= gone < total:
                for i in range(gone, total):
                    for name in cls.form.base_fields:
                        later = data.getlist(f"{prefix}-{i + 1}-{name}") if i + 1 < total else []
                        if later:
                            data.setlist(f"{prefix}-{i}-{name}", later)
                        else:
                            data.pop(f"{prefix}-{i}-{name}", None)
                data[total_key] = str(total - 1)
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        return data

    @staticmethod
    def line_amount(form) -> Decimal | None:
        """Quantity × unit price of a row as typed so far, or None while either does not read."""
        try:
            q = form.fields["quantity"].clean(form["quantity"].value())
            p = form.fields["unit_price"].clean(form["unit_price"].value())
            return (q * p).quantize(Decimal("0.01"))
        except (ValidationError, TypeError, InvalidOperation):
            return None

    def with_amounts(self) -> list[tuple[forms.Form, Decimal | None]]:
        return [(form, self.line_amount(form)) for form in self.forms]

    def running_total(self) -> Decimal:
        """The sum of the rows that read as numbers so far (shown below the rows, before saving)."""
        return sum((amount for _, amount in self.with_amounts() if amount is not None), Decimal(0))

    def lines(self) -> list[LineInput]:
        return [
            LineInput(
                item=f.cleaned_data["item"],
                quantity=f.cleaned_data["quantity"],
                unit_price=f.cleaned_data["unit_price"],
                unit=f.cleaned_data.get("unit", ""),
                in_procurement_catalogue=f.cleaned_data.get("in_procurement_catalogue", False),
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm, formset=BaseLineFormSet, extra=2, max_num=50, validate_max=True
)


def not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError("日期不能晚于今天。", code="future_date")


class ConfirmForm(Form):
    """A step with nothing to fill in: the button is the confirmation."""


class CommentForm(Form):
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReasonForm(Form):
    reason = forms.CharField(
        label="理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "请填写理由。"},
    )


class MeetingForm(Form):
    held_on = forms.DateField(label="会议日期", widget=DATE, validators=[not_future])
    attendees = forms.CharField(label="参会人员", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    attendee_count = forms.IntegerField(label="参会人数", min_value=1, max_value=10000)
    votes_for = forms.IntegerField(label="赞成", min_value=0, max_value=10000)
    votes_against = forms.IntegerField(label="反对", min_value=0, max_value=10000)
    votes_abstain = forms.IntegerField(label="弃权", min_value=0, max_value=10000)
    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)

    def clean(self):
        data = super().clean()
        votes = [data.get(k) for k in ("votes_for", "votes_against", "votes_abstain")]
        if None not in votes and data.get("attendee_count") is not None and sum(votes) > data["attendee_count"]:
            raise ValidationError("赞成、反对、弃权票数之和不能超过参会人数。", code="votes_exceed")
        return data


class CommitteeApprovalForm(Form):
    meeting_date = forms.DateField(label="党工委班子会议日期", widget=DATE, validators=[not_future])
    meeting_attendees = forms.CharField(label="参会班子成员", max_length=500)
    comment = forms.CharField(
        label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


def ask_late_reason(form: forms.Form, due: Deadline, late_working_days: int) -> None:
    """An approval after its deadline asks why it is late (Art. 11): a required field, first in
    the form; the service refuses it without one and the trail keeps it."""
    form.fields["late_reason"] = forms.CharField(
        label="逾期办理的原因",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=(
            f"审批期限为{date_prose(due.date)}{'（暂定）' if due.provisional else ''}，今天已超过 "
            f"{late_working_days} 个工作日（第十一条）。原因记入全过程记录，监督委员会可见。"
        ),
        error_messages={"required": "请填写逾期办理的原因：已超过第十一条规定的5个工作日审批期限。"},
    )
    specific_errors(form)
    form.order_fields(["late_reason"])


class FollowupForm(Form):
    person = forms.ModelChoiceField(queryset=None, label="跟进专人", empty_label="请选择党工委工作人员")

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = staff


class ProgressForm(Form):
    noted_on = forms.DateField(label="日期", widget=DATE, validators=[not_future])
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class ChangeRequestForm(Form):
    reason = forms.CharField(label="变更原因（特殊原因）", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    description = forms.CharField(label="变更内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    new_amount = MoneyField(label="变更后金额（元）")
    new_contractor_name = forms.CharField(label="变更后承办方（不变则留空）", required=False, max_length=100)
    new_planned_end = forms.DateField(label="变更后完成日期（不变则留空）", required=False, widget=DATE)


class ChangeDecisionForm(Form):
    consent = forms.TypedChoiceField(
        label="决定",
        choices=[("1", "同意变更并备案"), ("0", "不同意")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="党工委意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class InspectionForm(ModelForm):
    passed = forms.TypedChoiceField(
        label="验收结论",
        choices=[("1", "合格"), ("0", "不合格，限期整改")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Inspection
        fields = [
            "inspected_on",
            "inspectors",
            "quality_grade",
            "quality_notes",
            "respondents",
            "satisfied",
            "passed",
            "rectification",
        ]
        widgets = {
            "inspected_on": DATE,
            "inspectors": forms.Textarea(attrs={"rows": 2}),
            "quality_notes": forms.Textarea(attrs={"rows": 2}),
            "rectification": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        data = super().clean()
        if (
            data.get("respondents") is not None
            and data.get("satisfied") is not None
            and data["satisfied"] > data["respondents"]
        ):
            self.add_error("satisfied", ValidationError("满意人数不能超过调查人数。", code="satisfied_exceeds"))
        if data.get("passed") is False and not (data.get("rectification") or "").strip():
            self.add_error("rectification", ValidationError("不合格时须写明整改要求。", code="rectification"))
        not_future(data.get("inspected_on"))
        return data


class InvoiceForm(Form):
    number = forms.CharField(label="发票号码", max_length=40)
    issued_on = forms.DateField(label="开票日期", widget=DATE, validators=[not_future])
    amount = MoneyField(label="发票金额（元）")
    issuer = forms.CharField(label="开票单位", max_length=100)


class SettlementForm(Form):
    amount = MoneyField(label="结算金额（元）")
    paid_on = forms.DateField(label="付款日期", widget=DATE, validators=[not_future])
    method = forms.ChoiceField(label="付款方式", choices=Settlement.Method.choices)
    reference = forms.CharField(label="付款凭据号", max_length=60)
    payee = forms.CharField(label="收款方", max_length=100)


class DocumentForm(Form):
    kind = forms.ChoiceField(label="文件类型", choices=Document.Kind.choices)
    title = forms.CharField(label="说明", required=False, max_length=100)
    file = forms.FileField(label="文件（PDF、JPEG、PNG 或 WebP）")
    replaces = forms.ChoiceField(
        required=False,
        label="更正已上传的文件（可选）",
        help_text="原文件保留并标注“已更正”；所属阶段已办结的文件已锁定，不能更正。",
        error_messages={"invalid_choice": "要更正的文件不存在，或不属于本项目、已有更正版本。"},
    )

    def __init__(self, *args, project=None, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The project's current versions (the rows the page already read, when it passes them);
        # the service refuses a locked one with its reason.
        self._current = {}
        if project is not None:
            documents = documents if documents is not None else project.documents.all()
            self._current = {str(d.pk): d for d in documents if d.superseded_by_id is None}
        self.fields["replaces"].choices = [("", "不更正，新增一份文件")] + [
            (pk, f"{d.get_kind_display()}{'：' + d.title if d.title else ''}（{d.original_name}）")
            for pk, d in self._current.items()
        ]

    def clean_replaces(self) -> Document | None:
        value = self.cleaned_data["replaces"]
        return self._current[value] if value else None


class ProjectFilterForm(Form):
    """The project list's search, filters and order (GET). The community filter is left out for
    someone who sees one community; the years are those of the fund years they can see."""

    SORTS = [
        ("", "提出时间（新的在前）"),
        ("deadline", "期限（最近的在前）"),
        ("amount", "金额（大的在前）"),
        ("changed", "最近办理（新的在前）"),
    ]

    q = forms.CharField(
        required=False,
        label="搜索",
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "项目名称、编号或承办方"}),
    )
    community = forms.ModelChoiceField(queryset=None, required=False, label="社区", empty_label="全部社区")
    year = forms.TypedChoiceField(required=False, label="年度", coerce=int, empty_value=None)
    stage = forms.ChoiceField(required=False, label="阶段")
    category = forms.ModelChoiceField(
        queryset=SpendingCategory.objects.all(), required=False, label="类别", empty_label="全部类别"
    )
    sort = forms.ChoiceField(required=False, label="排序", choices=SORTS)
    overdue = forms.BooleanField(required=False, label="只看超期审批")

    def __init__(self, *args, communities=None, years=(), one_community: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if one_community:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
        self.fields["year"].choices = [("", "全部年度"), *[(year, f"{year}年") for year in years]]
        self.fields["stage"].choices = [
            ("", "全部阶段"),
            *[(stage.value, stage.label) for stage, _ in process.STAGES],
            ("ended", "已撤回/不予批准"),
        ]
