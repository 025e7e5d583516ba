"""Forms validate and explain; they never write (the services do)."""

from __future__ import annotations

from django import forms

from fundadmin.forms import Form
from projects.models import Project
from publicity.models import Notice

from .models import FindingReview, Opinion, ReportEvaluation


class OpinionForm(Form):
    subject = forms.ChoiceField(label="监督对象", choices=Opinion.Subject.choices, initial=Opinion.Subject.PROJECT)
    project = forms.ModelChoiceField(label="项目", queryset=None, required=False, empty_label="（请选择）")
    notice = forms.ModelChoiceField(label="公示", queryset=None, required=False, empty_label="（对公示提出意见时选择）")
    addressed_to = forms.ChoiceField(
        label="请哪个单位答复",
        choices=Opinion.Addressee.choices,
        help_text="社区党委负责项目的申报和实施；党工委负责审批、验收、结算和异议处理。",
    )
    text = forms.CharField(label="监督意见", widget=forms.Textarea, max_length=4000)
    finding = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, community, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(community=community).order_by("-created_at")
        self.fields["notice"].queryset = Notice.objects.current().filter(community=community).order_by("-posted_on")

    def clean(self):
        data = super().clean()
        subject = data.get("subject")
        if subject in (Opinion.Subject.PROJECT, Opinion.Subject.SETTLEMENT) and not data.get("project"):
            self.add_error("project", forms.ValidationError("请选择项目。", code="project_required"))
        if subject == Opinion.Subject.NOTICE and not data.get("notice"):
            self.add_error("notice", forms.ValidationError("请选择公示。", code="notice_required"))
        return data


class AnswerForm(Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea, max_length=4000)


class ReportForm(Form):
    narrative = forms.CharField(
        label="工作总结",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
        help_text="本年度项目实施成效、群众评价、存在的问题和下一年度打算。数据部分由系统根据台账和项目记录生成。",
    )
    reviewed_hash = forms.CharField(widget=forms.HiddenInput)


class EvaluationForm(Form):
    score = forms.IntegerField(label="评分（0–100）", required=False, min_value=0, max_value=100)
    grade = forms.ChoiceField(
        label="等次", required=False, choices=[("", "（不评等次）"), *ReportEvaluation.Grade.choices]
    )
    comments = forms.CharField(label="评议意见", widget=forms.Textarea, max_length=4000)

    def clean(self):
        data = super().clean()
        if data.get("score") is None and not data.get("grade"):
            raise forms.ValidationError("请填写评分或选择等次（至少一项）。", code="score_or_grade")
        return data


class FindingFilterForm(Form):
    """Filters of the integrity indicators list: kind, community, year, state (GET)."""

    kind = forms.ChoiceField(label="预警类型", required=False)
    community = forms.ChoiceField(label="社区", required=False)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    state = forms.ChoiceField(label="状态", required=False)

    def __init__(self, *args, communities, kinds, states, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部类型"), *kinds]
        self.fields["community"].choices = [("", "全部社区"), *((str(c.pk), c.name) for c in communities)]
        self.fields["state"].choices = list(states.items())

    def criteria(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "kind": d.get("kind") or "",
            "community_id": int(d["community"]) if d.get("community") else None,
            "year": d.get("year"),
            "state": d.get("state") or "firing",
        }


class FindingReviewForm(Form):
    verdict = forms.ChoiceField(
        label="判断",
        choices=FindingReview.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择判断结果。"},
    )
    reason = forms.CharField(
        label="理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "请填写判断理由。"},
        help_text="写明查看了什么、为什么这样判断。判断记入全程留痕，不能删除。",
    )
