from django import forms

from audit.selectors import TimelineFilter
from fundadmin.forms import Form

# Kinds of events, by the action's prefix, as the filter offers them.
KINDS = {
    "project.": "项目办理（提议、会议、审批、实施、验收、签字、结算）",
    "document.": "文件上传",
    "ledger.": "台账记账与冲销",
    "notice.": "公示",
    "objection.": "异议",
    "need.": "民意诉求",
    "opinion.": "监督意见",
    "annual_report.": "年度报告与评议",
    "role.": "角色任命",
    "fund_year.": "年度经费设置",
}


class TimelineFilterForm(Form):
    project = forms.TypedChoiceField(label="项目", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *KINDS.items()])
    actor = forms.TypedChoiceField(label="操作人", required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(
        label="排列", required=False, choices=[("", "最新的在前"), ("oldest", "按发生顺序（最早的在前）")]
    )

    def __init__(self, *args, projects=(), actors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "全部项目"), *projects]
        self.fields["actor"].choices = [("", "全部人员"), *actors]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。", code="date_order")
        return data

    def criteria(self) -> TimelineFilter:
        if not self.is_valid():
            return TimelineFilter(oldest_first=self.data.get("order") == "oldest")
        d = self.cleaned_data
        return TimelineFilter(
            project_id=d.get("project"),
            kind=d.get("kind") or "",
            actor_id=d.get("actor"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            oldest_first=d.get("order") == "oldest",
        )
