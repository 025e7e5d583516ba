"""Forms validate and explain; they never write. Length limits here match the services'."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from fundadmin.forms import Form

from .models import Need
from .services import OBJECTION_TEXT_MAX, PERSONAL_MAX


class HoneypotMixin(Form):
    """A field people never see (hidden by CSS, labelled for screen readers to skip); a bot that
    fills every field fills it too."""

    website = forms.CharField(
        label="网址（请勿填写）",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError("提交未成功，请稍后重试。", code="honeypot")
        return ""

    @property
    def is_bot(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("website", []))


class ObjectionForm(HoneypotMixin):
    text = forms.CharField(
        label="异议内容",
        max_length=OBJECTION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": OBJECTION_TEXT_MAX}),
        help_text=f"请写明对公示内容的哪一部分有异议、理由是什么（不超过 {OBJECTION_TEXT_MAX} 字）。内容会连同社区答复一起公开，请勿写入他人的个人信息。",
        error_messages={"required": "请填写异议内容。", "max_length": "异议内容不能超过 %(limit_value)d 字。"},
    )
    name = forms.CharField(
        label="姓名（可不填）",
        max_length=PERSONAL_MAX,
        required=False,
        help_text="不公开，仅供社区联系您。",
        error_messages={"max_length": "姓名不能超过 %(limit_value)d 字。"},
    )
    contact = forms.CharField(
        label="联系方式（可不填）",
        max_length=PERSONAL_MAX,
        required=False,
        help_text="电话或其他联系方式，不公开。",
        error_messages={"max_length": "联系方式不能超过 %(limit_value)d 字。"},
    )
    field_order = ["text", "name", "contact", "website"]


class PublicNeedForm(HoneypotMixin):
    content = forms.CharField(
        label="您的诉求或建议",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        help_text="希望社区为居民办什么事（不超过 2000 字）。内容会在本社区的诉求清单中公开，请勿写入个人信息。",
        error_messages={"required": "请填写诉求内容。", "max_length": "诉求内容不能超过 %(limit_value)d 字。"},
    )
    name = forms.CharField(label="姓名（可不填）", max_length=PERSONAL_MAX, required=False, help_text="不公开。")
    contact = forms.CharField(label="联系方式（可不填）", max_length=PERSONAL_MAX, required=False, help_text="不公开。")
    field_order = ["content", "name", "contact", "website"]


class StaffNeedForm(Form):
    channel = forms.ChoiceField(label="收集渠道", choices=Need.Channel.choices)
    received_on = forms.DateField(label="收集日期", widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(
        label="诉求内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="此内容会在诉求清单中公开，请概括诉求，不写居民的姓名、住址等个人信息。",
    )
    name = forms.CharField(label="提出人（可不填，不公开）", max_length=PERSONAL_MAX, required=False)
    contact = forms.CharField(label="联系方式（可不填，不公开）", max_length=PERSONAL_MAX, required=False)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError("收集日期不能晚于今天。", code="future_date")
        return day


class ReasonForm(Form):
    reason = forms.CharField(
        label="理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写理由。"},
    )


class ResponseForm(Form):
    response = forms.CharField(
        label="回应内容（公开）",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写回应内容。", "max_length": "回应内容不能超过 %(limit_value)d 字。"},
    )


class CorrectionForm(Form):
    title = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="项目内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    spending_plan = forms.CharField(label="经费使用方案", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    beneficiaries = forms.CharField(label="受益对象", required=False, max_length=200)
    remarks = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(
        label="更正说明",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写明改了什么、为什么改。更正后的公示将重新计算公示期。",
        error_messages={"required": "请填写更正说明。"},
    )

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        keys = ("remarks",) if notice.kind == "annual" else ("description", "spending_plan", "beneficiaries")
        for name in ("description", "spending_plan", "beneficiaries", "remarks"):
            if name not in keys:
                del self.fields[name]
        if not self.is_bound:
            self.initial = {"title": notice.title, **{k: notice.snapshot.get(k, "") for k in keys}}

    def snapshot_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("title", "note")}


class PhotoForm(Form):
    photo = forms.FileField(label="公示栏张贴照片", help_text="JPEG、PNG 或 WebP 格式。")


class AnswerForm(Form):
    answer = forms.CharField(
        label="社区答复",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写答复内容。"},
    )


class DecisionForm(Form):
    OUTCOMES = [
        ("dismiss", "异议不成立，继续办理"),
        ("revise", "异议成立，退回修改后重新公示"),
        ("shelve", "异议成立，暂时搁置"),
    ]
    outcome = forms.ChoiceField(label="决定", choices=OUTCOMES, widget=forms.RadioSelect)
    decision = forms.CharField(
        label="决定意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写决定意见。"},
    )


class AnnualPublishForm(Form):
    reviewed_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    remarks = forms.CharField(
        label="说明（可不填）", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label="我已核对以上数据，确认发布",
        error_messages={"required": "请先核对数据并勾选确认。"},
    )
