"""The error summary at the top of a form (GOV.UK's pattern): one link per error, to its field."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from fundadmin.forms import field_noun

register = template.Library()


@dataclass(frozen=True)
class SummaryItem:
    text: str
    href: str = ""


def _target(bound_field) -> str:
    target = bound_field.id_for_label or (f"{bound_field.auto_id}_0" if bound_field.auto_id else "")
    return f"#{target}" if target else ""


def _form_items(form, row: str = "") -> list[SummaryItem]:
    items = [SummaryItem(f"{row}{message}") for message in form.non_field_errors()]
    for bound_field in form:
        for message in bound_field.errors:
            prefix = f"{row}{field_noun(bound_field.label)}：" if row else ""
            items.append(SummaryItem(f"{prefix}{message}", _target(bound_field)))
    return items


@register.simple_tag
def error_summary(form=None, *formsets, lines_anchor: str = "") -> list[SummaryItem]:
    """Every error of ``form`` and of each formset, in page order, each with a link to its field.
    A formset's own errors (``non_form_errors``) link to ``lines_anchor``."""
    items: list[SummaryItem] = []
    if form is not None and getattr(form, "is_bound", False):
        items += _form_items(form)
    for formset in formsets:
        if not hasattr(formset, "non_form_errors") or not formset.is_bound:
            continue
        items += [
            SummaryItem(message, f"#{lines_anchor}" if lines_anchor else "") for message in formset.non_form_errors()
        ]
        for number, row in enumerate(formset.forms, start=1):
            items += _form_items(row, row=f"第 {number} 行 · ")
    return items
