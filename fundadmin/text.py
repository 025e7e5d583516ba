"""Free text as the services accept it: trimmed, required where the rules need a reason or a
record, and never longer than the form said — one wording for every "please fill in" message."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def required_text(value: str | None, what: str, limit: int = 10_000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"请填写{what}。", code="required")
    return optional_text(value, what, limit)


def optional_text(value: str | None, what: str, limit: int = 10_000) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError(f"{what}不能超过 {limit} 个字（现有 {len(value)} 个字）。", code="too_long")
    return value
