"""What every app's forms share: number fields that read what people type, and error messages that
name the field (UX.md "Words": an error says what is wrong and what to do, next to the field).

Django's own messages are generic ("这个字段是必填项。"); ``SpecificErrorsMixin`` replaces each one
the form did not set itself with a message made from the field's label, in one place. Every form
of the project derives from ``Form`` or ``ModelForm`` below (a guard test holds that).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .formats import TOO_MANY_DECIMALS, money
from .text import invisible_problem

FULLWIDTH = str.maketrans("０１２３４５６７８９．，＋－　", "0123456789.,+- ")

# Plain decimal notation only: digits, one optional point, an optional sign. Python's Decimal also
# reads "1e5", "inf", "NaN" and "1_000"; a person who typed those did not mean an amount.
PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
EXPONENT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+")

CENT = Decimal("0.01")

_PARENTHETICAL = re.compile(r"[（(][^）)]*[）)]")


def field_noun(label) -> str:
    """ "单价（元）" → "单价": the label without its parenthetical hints or trailing colon."""
    return _PARENTHETICAL.sub("", str(label or "")).strip().rstrip("：:").strip() or "此项"


class DecimalNumberField(forms.DecimalField):
    """A decimal typed by a person: full-width digits and thousands separators are read; exponent
    and other non-decimal notations ("1e5", "inf", "NaN") are refused with a message."""

    noun = "数值"
    example = "12.5"
    # Text, not <input type=number>: that one drops "1,500.50" and full-width digits to "" and
    # accepts "1e5" itself. inputmode still brings up the phone's number keyboard.
    widget = forms.TextInput

    default_error_messages = {"exponent": "请按普通写法填写数字，例如 100000，不要用 1e5 这样的科学计数法。"}

    def __init__(self, *, error_messages=None, **kwargs):
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(error_messages=error_messages, **kwargs)
        # Messages that name the field, unless the caller chose its own.
        chosen = error_messages or {}
        for code, message in self.label_messages(field_noun(self.label or self.noun)).items():
            if code not in chosen:
                self.error_messages[code] = message
        self.widget.attrs.setdefault("inputmode", "decimal")

    def _normalise(self, value: str) -> str:
        return value.translate(FULLWIDTH).replace(",", "").strip()

    def to_python(self, value):
        if isinstance(value, str):
            value = self._normalise(value)
            if value in self.empty_values:
                return None
            if EXPONENT.fullmatch(value):
                raise ValidationError(self.error_messages["exponent"], code="exponent")
            if not PLAIN_DECIMAL.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def label_messages(self, noun: str) -> dict[str, str]:
        places = self.decimal_places
        largest = Decimal(10) ** (self.max_digits - (places or 0)) - Decimal(1) / (Decimal(10) ** (places or 0))
        return {
            "required": f"请填写{noun}。",
            "invalid": f"{noun}请填写数字，例如 {self.example}。",
            "exponent": f"{noun}请按普通写法填写，例如 100000，不要用 1e5 这样的科学计数法。",
            "max_decimal_places": f"{noun}最多两位小数，例如 {self.example}。",
            "max_digits": f"{noun}过大：最多 {largest:,.{places or 0}f}。",
            "max_whole_digits": f"{noun}过大：最多 {largest:,.{places or 0}f}。",
            "min_value": f"{noun}须大于零。",
        }


class MoneyField(DecimalNumberField):
    """Yuan with at most two decimals (Art. 5: amounts in yuan with two decimals)."""

    noun = "金额"
    example = "1234.50"

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        super().__init__(**kwargs)

    def _normalise(self, value: str) -> str:
        return super()._normalise(value).removesuffix("元").strip()

    def label_messages(self, noun: str) -> dict[str, str]:
        largest = Decimal(10) ** (self.max_digits - (self.decimal_places or 2)) - CENT
        return {
            **super().label_messages(noun),
            "max_decimal_places": TOO_MANY_DECIMALS,
            "max_digits": f"{noun}过大：最多 {money(largest)}。",
            "max_whole_digits": f"{noun}过大：最多 {money(largest)}。",
        }


class QuantityField(DecimalNumberField):
    """A budget line's quantity: a positive number with at most two decimals (2.5 米)."""

    noun = "数量"
    example = "2.5"

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        super().__init__(**kwargs)


def _default_messages(field: forms.Field) -> dict[str, str]:
    """The messages Django would use for this field (its classes' defaults), as text."""
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update({k: str(v) for k, v in getattr(cls, "default_error_messages", {}).items()})
    return messages


def label_messages(field: forms.Field, name: str) -> dict[str, str]:
    """Messages for ``field`` made from its label; the codes Django's defaults use."""
    noun = field_noun(field.label or name)
    if isinstance(field, DecimalNumberField):
        return field.label_messages(noun)
    if isinstance(field, forms.BooleanField):
        return {"required": f"请勾选“{noun}”。"}
    if isinstance(field, forms.FileField):
        return {
            "required": f"请选择要上传的{noun}。",
            "invalid": f"没有收到{noun}，请重新选择。",
            "missing": f"没有收到{noun}，请重新选择。",
            "empty": f"所选的{noun}是空文件（0 字节），请重新选择。",
            "max_length": f"{noun}的文件名最多 %(max)d 个字（现在 %(length)d 个）。",
            "contradiction": f"请选择新的{noun}，或者勾选清除，不要同时进行。",
            "invalid_image": "请上传图片文件（JPEG、PNG 或 WebP）。",
        }
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return {
            "required": f"请选择{noun}。",
            "invalid_choice": f"所选的{noun}不在可选范围内，请重新选择。",
            "invalid_list": f"请选择{noun}。",
            "invalid_pk_value": f"所选的{noun}不在可选范围内，请重新选择。",
        }
    messages = {
        "required": f"请填写{noun}。",
        "max_length": f"{noun}最多 %(limit_value)d 个字（现在 %(show_value)d 个）。",
        "min_length": f"{noun}至少 %(limit_value)d 个字（现在 %(show_value)d 个）。",
        "min_value": f"{noun}不能小于 %(limit_value)s。",
        "max_value": f"{noun}不能大于 %(limit_value)s。",
    }
    if isinstance(field, forms.DateTimeField):
        messages["invalid"] = f"{noun}请按 2026-10-09 14:30 的格式填写。"
    elif isinstance(field, forms.DateField):
        messages["invalid"] = f"{noun}请按 2026-10-09 的格式填写。"
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{noun}请填写整数，例如 12。"
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = "请填写有效的电子邮箱地址，例如 name@example.cn。"
    return messages


def specific_errors(form: forms.BaseForm) -> None:
    """Give every field of ``form`` messages that name it, where the form kept Django's default."""
    for name, field in form.fields.items():
        defaults = _default_messages(field)
        for code, message in label_messages(field, name).items():
            current = field.error_messages.get(code)
            if current is None or str(current) == defaults.get(code):
                field.error_messages[code] = message


class SpecificErrorsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        specific_errors(self)


class VisibleTextMixin:
    """Text that cannot lie (fundadmin.text): a text value with a bidirectional control or a
    zero-width character is refused with the message beside its field, before any service sees
    it. The services and every model save refuse it too; this puts the message where it is read."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str) and name in self.fields:
                problem = invisible_problem(value, field_noun(self.fields[name].label) or "内容")
                if problem is not None:
                    self.add_error(name, ValidationError(problem, code="invisible_character"))


class Form(VisibleTextMixin, SpecificErrorsMixin, forms.Form):
    """The project's base form: every message names its field; no text hides characters."""


class ModelForm(VisibleTextMixin, SpecificErrorsMixin, forms.ModelForm):
    """The project's base model form: every message names its field; no text hides characters."""


# -- acting leaders (fundadmin.acting_views) ------------------------------------------------------


class ActingForm(Form):
    """Record who acts for a principal leader who is away (SPEC.md "Acting leaders"). The choices
    are those the recorder may record for and the people who hold a leadership role beside them;
    the service checks every rule again (fundadmin.services.acting_record)."""

    principal = forms.ModelChoiceField(label="被代行的负责人", queryset=None, empty_label="请选择")
    user = forms.ModelChoiceField(
        label="代行人",
        queryset=None,
        empty_label="请选择",
        help_text="须是同一机构中已有任职的负责人：党工委班子成员代行党工委书记，建管委副主任代行建管委主任，社区党委委员代行社区党委书记。",
    )
    starts_on = forms.DateField(
        label="代行开始日期", widget=forms.DateInput(attrs={"type": "date"}), help_text="当天起生效，不能早于今天。"
    )
    ends_on = forms.DateField(
        label="代行结束日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="当天仍由代行人办理，次日起自动结束。",
    )
    reason = forms.CharField(label="代行原因", max_length=200, help_text="例如：外出学习、病假、公务出差。")
    authorisation = forms.FileField(
        label="书面授权（PDF、JPEG 或 PNG）", help_text="上级或本人签署的书面授权扫描件，按文件内容判断格式。"
    )

    def __init__(self, *args, principals, deputies, deputy_labels: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["principal"].queryset = principals
        self.fields["principal"].label_from_instance = lambda a: (
            f"{a.user.display_name} · {a.get_role_display()} · {a.scope_label}"
        )
        self.fields["user"].queryset = deputies
        self.fields["user"].label_from_instance = lambda u: deputy_labels.get(u.pk, u.display_name)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "代行结束日期不能早于开始日期。")
        return data


class ActingEndForm(Form):
    reason = forms.CharField(label="提前结束的原因", max_length=200, help_text="例如：本人已返岗。")
