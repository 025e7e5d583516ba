"""How supervision's events read in the trail (registered with ``audit.sentences``)."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.sentences import quoted, register

from .models import Opinion, ReportEvaluation


def _opinion(event: AuditEvent) -> str:
    c = event.changes or {}
    to = Opinion.Addressee(c["addressed_to"]).label if c.get("addressed_to") in Opinion.Addressee.values else ""
    return f"提出监督意见「{event.object_repr}」，请{to}答复：{quoted(c.get('text'))}"


def _evaluate(event: AuditEvent) -> str:
    c = event.changes or {}
    grade = ReportEvaluation.Grade(c["grade"]).label if c.get("grade") in ReportEvaluation.Grade.values else ""
    score = f"{c['score']}分" if c.get("score") is not None else ""
    again = "（重新评议）" if c.get("supersedes") else ""
    report = event.object_repr.split("：评议")[0]  # the event names the report and its result
    return f"评议年度报告「{report}」：{' '.join(p for p in (score, grade) if p)}{again}；{quoted(c.get('comments'))}"


def _report(event: AuditEvent) -> str:
    late = "（逾期报送）" if (event.changes or {}).get("late") else ""
    return f"报送「{event.object_repr}」{late}"


def _compute(event: AuditEvent) -> str:
    c = event.changes or {}
    return (
        f"计算廉政预警（{c.get('trigger', '')}）：{c.get('fired', 0)} 项触发，其中新增 {c.get('new', 0)} 项，"
        f"依据截至审计链第 {c.get('trail_seq')} 号事件的数据"
    )


def _review(event: AuditEvent) -> str:
    c = event.changes or {}
    return f"判断廉政预警「{c.get('indicator', '')}：{c.get('summary', '')}」为{c.get('verdict', '')}：{quoted(event.reason)}"


def register_sentences() -> None:
    register("indicator.compute", _compute)
    register("indicator.review", _review)
    register("opinion.record", _opinion)
    register("opinion.answer", lambda e: f"答复「{e.object_repr}」：{quoted((e.changes or {}).get('answer'))}")
    register("annual_report.submit", _report)
    register("annual_report.evaluate", _evaluate)
    register("reminder.send", lambda e: f"发送待办提醒邮件（{(e.changes or {}).get('items')}项）：{e.object_repr}")
