"""How a project's events read in the trail (registered with ``audit.sentences``): the step's one
label from the table (``projects.process``), the project, and what the event recorded — the
outcome, the amount, the reason, the deadline that ran."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.sentences import quoted, register
from fundadmin.formats import date_prose, money

from . import process
from .models import DocumentKind, Project, Status

# Steps renamed when the process became one table: older trails still read in words.
LEGACY = {
    "start_publicity": (process.RECORD_MEETING, "agreed"),
    "shelve": (process.RECORD_MEETING, "divided"),
    "objection_upheld_revise": (process.UPHOLD_OBJECTION, "revise"),
    "objection_upheld_shelve": (process.UPHOLD_OBJECTION, "shelve"),
    "approve_by_committee": (process.APPROVE_FOR_COMMITTEE, None),
    "approve_by_committee_last": (process.APPROVE_FOR_COMMITTEE, None),
    "approve_by_construction": (process.APPROVE_FOR_CONSTRUCTION, None),
    "approve_by_construction_last": (process.APPROVE_FOR_CONSTRUCTION, None),
    "accept": (process.INSPECT, "passed"),
    "require_rectification": (process.INSPECT, "failed"),
    "change_request": (process.REQUEST_CHANGE, None),
    "change_consented": (process.DECIDE_CHANGE, "consented"),
    "change_refused": (process.DECIDE_CHANGE, "refused"),
    "progress": (process.RECORD_PROGRESS, None),
}
# What a draft's edit may change, as the form names it.
FIELD_LABELS = {f.name: str(f.verbose_name) for f in Project._meta.get_fields() if hasattr(f, "verbose_name")}


def _date(value) -> str:
    return date_prose(value)


def _status(value) -> str:
    return Status(value).label if value in Status.values else "—"


def _plain(value) -> str:
    if value in (None, ""):
        return "（空）"
    if value is True or value == "True":
        return "是"
    if value is False or value == "False":
        return "否"
    return str(value)


def _details(step: process.Step, c: dict) -> list[str]:
    """What the event recorded beyond the step's label, each as a phrase."""
    out = []
    if (m := c.get("meeting")) is not None:
        out.append(
            f"{_date(m.get('held_on'))}召开，参会 {m.get('attendees')} 人，"
            f"赞成 {m.get('for')}、反对 {m.get('against')}、弃权 {m.get('abstain')}"
        )
    if (q := c.get("quality")) is not None:
        out.append(f"质量{q}，满意度 {c.get('satisfaction_percent')}%（调查 {c.get('respondents')} 人）")
    if "invoice" in c:
        order = f"（第 {c['order']} 个签字）" if "order" in c else ""
        out.append(f"发票 {c['invoice']}{order}")
    if isinstance(c.get("amount"), dict):
        out.append(f"金额由 {money(c['amount'].get('before'))} 变更为 {money(c['amount'].get('after'))}")
    elif "amount" in c:
        out.append(f"金额 {money(c['amount'])}")
    if "budget_total" in c:
        out.append(f"预算合计 {money(c['budget_total'])}")
    if c.get("issuer"):
        out.append(f"开票单位 {c['issuer']}")
    if c.get("payee"):
        out.append(f"付给 {c['payee']}（付款日期 {_date(c.get('paid_on'))}，凭据 {c.get('reference', '')}）")
    if isinstance(c.get("followup"), dict):
        before = c["followup"].get("before")
        out.append(f"跟进专人{'由 ' + before + ' 改为 ' if before else '为 '}{c['followup'].get('after')}")
    if c.get("description"):
        out.append(f"变更内容 {quoted(c['description'])}")
    if isinstance(c.get("after"), dict) and "amount" in c["after"]:
        before, after = c.get("before") or {}, c["after"]
        out.append(
            f"批准金额由 {money(before.get('amount'))} 变更为 {money(after.get('amount'))}，备案为第 {c.get('plan_version')} 版方案"
        )
    if c.get("note"):
        out.append(f"{_date(c.get('noted_on'))} {quoted(c['note'])}")
    if "due" in c:
        late = "逾期办理" if c.get("late") else "按期办理"
        if c.get("late_reason"):
            late += f"，逾期原因：{quoted(c['late_reason'])}"
        out.append(f"审批期限 {_date(c['due'])}，{late}")
    return out


def describe_step(event: AuditEvent) -> str:
    verb = event.action.removeprefix("project.")
    c = event.changes or {}
    if verb == "create":
        return f"提出项目草稿「{event.object_repr}」，预算合计 {money(c.get('budget_total'))}"
    if verb == "update":
        edits = [
            f"{FIELD_LABELS.get(name, '其他内容')}由 {quoted(_plain(v.get('before')))} 改为 {quoted(_plain(v.get('after')))}"
            for name, v in c.items()
            if isinstance(v, dict) and {"before", "after"} <= set(v)
        ]
        total = f"，预算合计 {money(c['budget_total'])}" if "budget_total" in c else ""
        return f"修改项目草稿「{event.object_repr}」" + (f"：{'；'.join(edits)}" if edits else "") + total
    if verb == "approved_plan":
        return (
            f"两委批准后冻结「{event.object_repr}」的方案为第 {c.get('plan_version', 1)} 版，"
            f"批准金额 {money(c.get('approved_amount'))}"
        )
    step, outcome = process.STEP.get(verb), c.get("outcome")
    if step is None and verb in LEGACY:
        step, legacy_outcome = LEGACY[verb]
        outcome = outcome or legacy_outcome
    if step is None:
        return f"办理项目事项「{event.object_repr}」"
    text = f"{step.label}「{event.object_repr}」"
    details = _details(step, c)
    if outcome in step.outcomes:
        details.insert(0, step.outcomes[outcome])
    if details:
        text += "：" + "，".join(details)
    if event.reason:
        text += f"；{'意见' if step.asks == 'comment' else '理由'}：{quoted(event.reason)}"
    if c.get("to") and c.get("from") != c.get("to"):
        text += f"（项目转为“{_status(c['to'])}”）"
    return text


def describe_upload(event: AuditEvent) -> str:
    c = event.changes or {}
    kind = DocumentKind(c["kind"]).label if c.get("kind") in DocumentKind.values else "文件"
    replaces = "，更正此前上传的同类文件" if c.get("replaces") else ""
    size = f"，{int(c['size']) // 1024 or 1} KB" if str(c.get("size", "")).isdigit() else ""
    return f"上传{kind}{quoted(c.get('name'))}{size}，SHA-256 {str(c.get('sha256', ''))[:12]}…{replaces}"


def register_sentences() -> None:
    register("project.", describe_step)
    register("document.upload", describe_upload)
