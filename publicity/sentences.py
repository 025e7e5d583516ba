"""How the notice board's events read in the trail (registered with ``audit.sentences``). The
trail says that a resident objected or asked, never who they are."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.sentences import quoted, register
from fundadmin.formats import date_prose

from .models import Need, Notice, Objection


def _kind(value) -> str:
    return Notice.Kind(value).label if value in Notice.Kind.values else "公示"


def _publish(event: AuditEvent) -> str:
    c = event.changes or {}
    return (
        f"发布{_kind(c.get('kind'))}「{event.object_repr}」：{date_prose(c.get('posted_on'))} 张贴，公示至 {date_prose(c.get('ends_on'))}，"
        f"内容校验码 {str(c.get('content_hash', ''))[:12]}…"
    )


def _correct(event: AuditEvent) -> str:
    c = event.changes or {}
    fields = "、".join(c.get("fields") or []) or "内容"
    return f"更正公示「{event.object_repr}」（第 {c.get('version')} 版，更正{fields}，重新公示至 {date_prose(c.get('ends_on'))}）；说明：{quoted(event.reason)}"


def _objection(verb: str):
    def describe(event: AuditEvent) -> str:
        c = event.changes or {}
        remedy = ""
        if c.get("remedy") in Objection.Remedy.values:
            remedy = f"，方案{Objection.Remedy(c['remedy']).label}"
        reason = f"；{quoted(event.reason)}" if event.reason else ""
        answer = f"：{quoted(c['answer'])}" if c.get("answer") else ""
        return f"{verb}「{event.object_repr}」{answer}{remedy}{reason}"

    return describe


def _need(event: AuditEvent) -> str:
    c = event.changes or {}
    channel = Need.Channel(c["channel"]).label if c.get("channel") in Need.Channel.values else ""
    return f"登记民意诉求「{event.object_repr}」（{channel}，{date_prose(c.get('received_on'))} 收到）"


def _recount(event: AuditEvent) -> str:
    c = (event.changes or {}).get("ends_on") or {}
    return (
        f"按正式公布的工作日历重算「{event.object_repr}」的公示截止日期：由 {date_prose(c.get('before'))} "
        f"改为 {date_prose(c.get('after'))}"
    )


def register_sentences() -> None:
    register("notice.publish", _publish)
    register("notice.correct", _correct)
    register("notice.withdraw", lambda e: f"撤下公示「{e.object_repr}」；原因：{quoted(e.reason)}")
    register("notice.photo", lambda e: f"上传公示栏张贴照片「{e.object_repr}」")
    register(
        "objection.submit", lambda e: f"收到居民对「{e.object_repr.removeprefix('对“').removesuffix('”的异议')}」的异议"
    )
    register("objection.answer", _objection("答复异议"))
    register("objection.uphold", _objection("认定异议成立"))
    register("objection.dismiss", _objection("认定异议不成立"))
    register("objection.moot", _objection("一并办结异议"))
    register("notice.deadline_recompute", _recount)
    register("need.record", _need)
    register("need.not_adopted", lambda e: f"决定不采纳「{e.object_repr}」；理由：{quoted(e.reason)}")
    register(
        "need.respond", lambda e: f"回应「{e.object_repr}」：{quoted((e.changes or {}).get('response') or e.reason)}"
    )
