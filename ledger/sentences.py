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
    return f"记账：项目支付「{event.object_repr}」，凭证 {c.get('voucher')}，{date_prose(c.get('date'))}，{money(c.get('amount'))}"


def _reverse(event: AuditEvent) -> str:
    c = event.changes or {}
    return (
        f"冲销凭证 {c.get('reverses')}：以凭证 {c.get('voucher')} 于 {date_prose(c.get('date'))} 冲回 {money(c.get('amount'))}；"
        f"原因：{quoted(event.reason)}"
    )


def _close(event: AuditEvent) -> str:
    c = event.changes or {}
    return f"结转{c.get('year')}年度经费：结余 {money(c.get('surplus'))} 转入{c.get('next_year')}年度"


def _subject(event: AuditEvent) -> str:
    after = (event.changes or {}).get("after") or {}
    return f"设置经费科目为 {quoted(after.get('subject_name'))}（科目代码 {after.get('subject_code')}）"


def register_sentences() -> None:
    register("ledger.appropriation", _appropriation)
    register("ledger.payment", _payment)
    register("ledger.reverse", _reverse)
    register("ledger.close_year", _close)
    register("ledger.subject_set", _subject)
