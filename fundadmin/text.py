"""Free text as the services accept it: trimmed, required where the rules need a reason or a
record, never longer than the form said, and never carrying characters that make it read
differently from what it is — one wording for every "please fill in" message.

Text that cannot lie (issue 15): bidirectional controls (U+202E turns "exe.png" into "gnp.exe" on
the screen and on the printed notice) and zero-width characters (two names that look the same
but differ, a word split so a search misses it) are **refused**, not silently removed. Removing
them would store something other than what the person sent, and the trail, the notice hash and
the person's own copy would disagree about what was typed; refusing changes nothing and says
why. No Chinese administrative text needs them; the message says where they usually come from
(text pasted from a web page or a chat app) so the person can retype it.

Three layers use the one list below: the services (``required_text``/``optional_text``), every
model save in the project's apps (``refuse_invisible_on_save``, connected in fundadmin.apps, so a
ModelForm, the admin or a future service cannot store such text either), and every form
(``fundadmin.forms.VisibleTextMixin``), which puts the message beside the field.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# Characters that change how the text around them is shown, or are not shown at all.
BIDI_CONTROLS = {
    "\u061c": "阿拉伯字母方向标记",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u202a": "从左到右嵌入符",
    "\u202b": "从右到左嵌入符",
    "\u202c": "方向格式结束符",
    "\u202d": "从左到右强制符",
    "\u202e": "从右到左强制符",
    "\u2066": "从左到右隔离符",
    "\u2067": "从右到左隔离符",
    "\u2068": "首字隔离符",
    "\u2069": "方向隔离结束符",
}
ZERO_WIDTH = {
    "\u00ad": "软连字符",
    "\u180e": "蒙古文元音分隔符",
    "\u200b": "零宽空格",
    "\u200c": "零宽不连字",
    "\u200d": "零宽连字",
    "\u2060": "零宽不换行符",
    "\u2061": "不可见函数符",
    "\u2062": "不可见乘号",
    "\u2063": "不可见分隔符",
    "\u2064": "不可见加号",
    "\ufeff": "零宽不换行空格（BOM）",
}
INVISIBLE = {**BIDI_CONTROLS, **ZERO_WIDTH}
_INVISIBLE_TABLE = {ord(ch): f"[U+{ord(ch):04X}]" for ch in INVISIBLE}


def invisible_problem(value: str, what: str) -> str | None:
    """The message for the first hidden character in ``value``, or None when there is none."""
    for position, ch in enumerate(value, start=1):
        name = INVISIBLE.get(ch)
        if name is not None:
            kind = "改变文字显示方向的控制字符" if ch in BIDI_CONTROLS else "看不见的字符"
            return (
                f"{what}中含有{kind}（{name} U+{ord(ch):04X}，在第 {position} 个字符处），"
                "它会让文字显示得与实际内容不同。请删除后重新输入"
                "（从网页或聊天软件复制的文字常带有这类字符，可先粘贴到记事本再复制）。"
            )
    return None


def visible_text(value: str, what: str) -> str:
    """``value`` unchanged, or a ValidationError naming the hidden character and where it is."""
    problem = invisible_problem(value, what)
    if problem is not None:
        raise ValidationError(problem, code="invisible_character")
    return value


def reveal_invisible(value: str) -> str:
    """The text with every hidden character written out as [U+XXXX], for records that must keep
    what a stranger typed (the trail's failed logins) without letting it reorder the page."""
    return value.translate(_INVISIBLE_TABLE)


def required_text(value: str | None, what: str, limit: int = 10_000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"请填写{what}。", code="required")
    return optional_text(value, what, limit)


def optional_text(value: str | None, what: str, limit: int = 10_000) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(f"{what}不能超过 {limit} 个字（现有 {len(value)} 个字）。", code="too_long")
    return visible_text(value, what)


def refuse_invisible_on_save(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """pre_save for every model of the apps in FUNDADMIN_VISIBLE_TEXT_APPS: no text field is
    stored with a hidden character, whichever path wrote it. Only the fields being saved are
    looked at (``update_fields``), so a status change never trips over text it does not touch."""
    if raw or sender._meta.app_label not in settings.FUNDADMIN_VISIBLE_TEXT_APPS:
        return
    # A flat list, not a dict keyed by model field: views add a service's refusal to their form
    # as a non-field error, and a form need not have a field of the model's name.
    errors = []
    for field in sender._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        if update_fields is not None and field.name not in update_fields:
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, str) and (problem := invisible_problem(value, str(field.verbose_name))):
            errors.append(ValidationError(problem, code="invisible_character"))
    if errors:
        raise ValidationError(errors)
