"""How the ledger's events read in the trail (registered with ``audit.sentences``)."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.sentences import quoted, register
from fundadmin.formats import date_prose, money


def _appropriation(event: AuditEvent) -> str:
    c = event.changes or {}
    return f"登记财政拨款：凭证 {c.get('voucher')}，{date_prose(c.get('date'))}，{money(c.get('amount'))}（{c.get('summary', '')}）"


def _payment(event: AuditEvent) -> str:
    c = event.changes or {}
    text = f"记账：项目支付「{event.object_repr}」，凭证 {c.get('voucher')}，{date_prose(c.get('date'))}，{money(c.get('amount'))}"
    if "consumed" in c:
        text += (
            f"，核销{c.get('commitment_year')}年度已批准指标 {money(c.get('consumed'))}（尚余 {money(c.get('left'))}）"
        )
    return text


def _reverse(event: AuditEvent) -> str:
    c = event.changes or {}
    text = f"冲销凭证 {c.get('reverses')}：以凭证 {c.get('voucher')} 于 {date_prose(c.get('date'))} 冲回 {money(c.get('amount'))}"
    if "restored" in c:
        text += f"，项目指标 {money(c.get('restored'))} 恢复为{c.get('commitment_year')}年度已批准未支付，待重新记账"
    return f"{text}；原因：{quoted(event.reason)}"


def _close(event: AuditEvent) -> str:
    c = event.changes or {}
    text = f"结转{c.get('year')}年度经费：结余 {money(c.get('surplus'))} 转入{c.get('next_year')}年度"
    if c.get("carried_count"):
        text += f"，其中已批准未支付项目 {c['carried_count']} 个的指标 {money(c.get('carried_total'))} 一并结转"
    return text


def _commit(event: AuditEvent) -> str:
    c = event.changes or {}
    text = f"占用指标：「{event.object_repr}」批准 {money(c.get('amount'))}，计入{c.get('year')}年度已批准未支付"
    if event.reason:
        text += f"（{event.reason}）"
    return text


def _release(event: AuditEvent) -> str:
    c = event.changes or {}
    return (
        f"释放指标：「{event.object_repr}」在{c.get('year')}年度释放 {money(c.get('amount'))}，"
        f"仍占用 {money(c.get('held'))}；原因：{quoted(event.reason)}"
    )


def _carry(event: AuditEvent) -> str:
    c = event.changes or {}
    return (
        f"结转指标：「{event.object_repr}」已批准未支付的 {money(c.get('amount'))} 随{c.get('from_year')}年度结余"
        f"转入{c.get('next_year')}年度，在新年度支付"
    )


def _subject(event: AuditEvent) -> str:
    after = (event.changes or {}).get("after") or {}
    return f"设置经费科目为 {quoted(after.get('subject_name'))}（科目代码 {after.get('subject_code')}）"


def register_sentences() -> None:
    register("ledger.appropriation", _appropriation)
    register("ledger.payment", _payment)
    register("ledger.reverse", _reverse)
    register("ledger.close_year", _close)
    register("ledger.commit", _commit)
    register("ledger.release", _release)
    register("ledger.carry", _carry)
    register("ledger.subject_set", _subject)
