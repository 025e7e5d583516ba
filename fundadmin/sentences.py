"""How the core's events read in the trail (registered with ``audit.sentences``)."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.sentences import quoted, register
from fundadmin.formats import date_prose, money

from .models import SpecialDay


def _role(event: AuditEvent, verb: str) -> str:
    c = event.changes or {}
    until = f"至 {date_prose(c['valid_until'])}" if c.get("valid_until") else "，长期有效"
    period = f"，自 {date_prose(c['valid_from'])} 起{until}" if c.get("valid_from") else ""
    reason = f"；原因：{quoted(event.reason)}" if event.reason else ""
    return (
        f"{verb}{c.get('user', '')}为{c.get('scope', '')}{c.get('role', '')}{period if verb == '任命' else ''}{reason}"
    )


def _allocation(event: AuditEvent) -> str:
    c = (event.changes or {}).get("allocation") or {}
    return f"将「{event.object_repr}」的年度经费由 {money(c.get('before'))} 设为 {money(c.get('after'))}"


def _calendar_import(event: AuditEvent) -> str:
    c = event.changes or {}
    source = f"（来源：{event.reason}）" if event.reason else ""
    return f"导入{c.get('year')}年工作日历：节假日与调休共 {c.get('days_after')} 天（此前 {c.get('days_before')} 天）{source}"


def _calendar_year(event: AuditEvent) -> str:
    c = event.changes or {}
    published = "已公布" if c.get("is_published") else "未公布"
    return f"将工作日历「{event.object_repr}」设为{published}" + (f"（来源：{c['source']}）" if c.get("source") else "")


def _calendar_day(verb: str):
    def describe(event: AuditEvent) -> str:
        c = event.changes or {}
        kind = SpecialDay.Kind(c["kind"]).label if c.get("kind") in SpecialDay.Kind.values else ""
        return f"{verb}节假日与调休：{date_prose(c.get('date'))} {kind} {c.get('name', '')}".rstrip()

    return describe


def register_sentences() -> None:
    register("role.grant", lambda e: _role(e, "任命"))
    register("role.revoke", lambda e: _role(e, "撤销"))
    register("fund_year.set_allocation", _allocation)
    register("calendar.import", _calendar_import)
    register("calendar.year_edit", _calendar_year)
    register("calendar.day_edit", _calendar_day("登记"))
    register("calendar.day_delete", _calendar_day("删除"))
