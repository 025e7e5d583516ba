"""How the core's events read in the trail (registered with ``audit.sentences``)."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.sentences import quoted, register
from fundadmin.formats import date_prose, money

from .models import Community, SpecialDay, User, WorkingCommittee


def _role(event: AuditEvent, verb: str) -> str:
    c = event.changes or {}
    until = f"至 {date_prose(c['valid_until'])}" if c.get("valid_until") else "，长期有效"
    period = f"，自 {date_prose(c['valid_from'])} 起{until}" if c.get("valid_from") else ""
    reason = f"；原因：{quoted(event.reason)}" if event.reason else ""
    return (
        f"{verb}{c.get('user', '')}为{c.get('scope', '')}{c.get('role', '')}{period if verb == '任命' else ''}{reason}"
    )


def _acting(verb: str):
    def describe(event: AuditEvent) -> str:
        c = event.changes or {}
        period = f"，自 {date_prose(c.get('starts_on'))} 至 {date_prose(c.get('ends_on'))}"
        own = f"（本人职务：{c['user_role']}）" if c.get("user_role") else ""
        sha = f"；书面授权 SHA-256 {str(c['authorisation_sha256'])[:12]}…" if c.get("authorisation_sha256") else ""
        why = f"；{'原因' if verb == '登记' else '提前结束的原因'}：{quoted(event.reason)}" if event.reason else ""
        return (
            f"{verb}{c.get('user', '')}{own}代行{c.get('principal', '')}（{c.get('role', '')}，{c.get('scope', '')}）"
            f"的职责{period}{sha if verb == '登记' else ''}{why}"
        )

    return describe


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


def _upsert(noun: str, model):
    """committee/community/user .create and .change: which fields, as the model names them."""
    labels = {f.name: str(f.verbose_name) for f in model._meta.get_fields() if hasattr(f, "verbose_name")}

    def describe(event: AuditEvent) -> str:
        c = event.changes or {}
        created = event.action.endswith(".create")
        edits = [
            f"{labels.get(name, '其他信息')} {quoted(v.get('after'))}"
            if created
            else f"{labels.get(name, '其他信息')}由 {quoted(v.get('before'))} 改为 {quoted(v.get('after'))}"
            for name, v in c.items()
            if isinstance(v, dict) and "after" in v and name != "password"
        ]
        verb = "新建" if created else "修改"
        return f"{verb}{noun}「{event.object_repr}」" + (f"：{'；'.join(edits)}" if edits else "")

    return describe


def _import(event: AuditEvent) -> str:
    c = event.changes or {}
    parts = [
        f"{sheet} 新建 {n.get('新建', 0)}、修改 {n.get('修改', 0)}"
        for sheet, n in c.items()
        if isinstance(n, dict) and (n.get("新建") or n.get("修改"))
    ]
    return (
        "导入城市数据"
        + (f"：{'；'.join(parts)}" if parts else "，没有变化")
        + f"（文件 SHA-256 {str(c.get('sha256', ''))[:12]}…）"
    )


def register_sentences() -> None:
    register("committee.", _upsert("党工委", WorkingCommittee))
    register("community.", _upsert("社区", Community))
    register("user.create", _upsert("用户", User))
    register("user.change", _upsert("用户", User))
    register(
        "user.password_link",
        lambda e: f"发送设置密码的一次性链接「{e.object_repr.removeprefix('设置密码链接 → ')}」（密码不经任何人之手）",
    )
    register("user.password_set", lambda e: "通过一次性链接设置了自己的密码")
    register("onboarding.import", _import)
    register("role.grant", lambda e: _role(e, "任命"))
    register("role.revoke", lambda e: _role(e, "撤销"))
    register("acting.record", _acting("登记"))
    register("acting.end", _acting("提前结束"))
    register("fund_year.set_allocation", _allocation)
    register("calendar.import", _calendar_import)
    register("calendar.year_edit", _calendar_year)
    register("calendar.day_edit", _calendar_day("登记"))
    register("calendar.day_delete", _calendar_day("删除"))
