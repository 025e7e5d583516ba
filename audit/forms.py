from django import forms

from fundadmin.forms import VisibleTextMixin

from .selectors import KINDS, TimelineFilter


class TimelineFilterForm(VisibleTextMixin, forms.Form):
    project = forms.TypedChoiceField(label="项目", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *KINDS.items()])
    actor = forms.TypedChoiceField(label="操作人", required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

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
            return TimelineFilter()
        d = self.cleaned_data
        return TimelineFilter(
            project_id=d.get("project"),
            kind=d.get("kind") or "",
            actor_id=d.get("actor"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )
