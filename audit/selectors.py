"""Reading the trail: a community's timeline with filters, in a fixed number of queries per page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEvent, VerificationRun

# Kinds of events, by the action's prefix, as the filter offers them.
KINDS = {
    "project.": "项目办理（提议、会议、审批、实施、验收、签字、结算）",
    "document.": "文件上传",
    "ledger.": "台账记账与冲销",
    "notice.": "公示",
    "objection.": "异议",
    "need.": "民意诉求",
    "opinion.": "监督意见",
    "annual_report.": "年度报告与评议",
    "role.": "角色任命",
    "fund_year.": "年度经费设置",
}

ACTION_LABELS = {
    "project.create": "创建项目草稿",
    "project.update": "修改项目草稿",
    "project.approved_plan": "冻结批准方案",
    "project.assign_followup": "指派跟进专人",
    "project.progress": "登记跟进记录",
    "project.change_request": "提出变更申请",
    "project.change_consented": "同意变更并备案",
    "project.change_refused": "不同意变更",
    "project.objection_upheld_revise": "异议成立，退回修改",
    "project.objection_upheld_shelve": "异议成立，暂时搁置",
    "document.upload": "上传文件",
    "ledger.appropriation": "登记财政拨款",
    "ledger.payment": "记账：项目支付",
    "ledger.reverse": "冲销凭证",
    "ledger.close_year": "年度结转",
    "ledger.subject_set": "设置经费科目",
    "notice.publish": "发布公示",
    "notice.correct": "更正公示",
    "notice.withdraw": "撤下公示",
    "notice.photo": "上传公示栏照片",
    "objection.submit": "居民提出异议",
    "objection.answer": "社区答复异议",
    "objection.uphold": "党工委认定异议成立",
    "objection.dismiss": "党工委认定异议不成立",
    "objection.moot": "异议一并办结",
    "need.record": "登记民意诉求",
    "need.not_adopted": "民意诉求未采纳",
    "opinion.record": "提出监督意见",
    "opinion.answer": "答复监督意见",
    "annual_report.submit": "报送年度报告",
    "annual_report.evaluate": "评议年度报告",
    "role.grant": "任命角色",
    "role.revoke": "撤销角色",
    "fund_year.set_allocation": "设置年度经费",
    "calendar.import": "导入工作日历",
    "calendar.year_edit": "修改工作日历年度",
    "calendar.day_edit": "修改节假日",
    "calendar.day_delete": "删除节假日",
    "notice.deadline_recompute": "按正式工作日历重算公示截止日期",
    "committee.create": "新建党工委",
    "committee.change": "修改党工委",
    "community.create": "新建社区",
    "community.change": "修改社区",
    "user.create": "新建用户",
    "user.change": "修改用户",
    "user.password_link": "发送设置密码的一次性链接",
    "user.password_set": "用户本人设置密码",
    "onboarding.import": "导入城市数据",
    "auth.login_failed": "登录失败",
    "audit.verify": "核验审计链",
    "reminder.send": "发送提醒邮件",
}


@cache
def _transition_labels() -> dict[str, str]:
    from projects.models import Project

    labels = {}
    for t in Project._meta.get_field("status").get_all_transitions(Project):
        label = t.custom.get("label") or (getattr(Project, t.name).__doc__ or "").strip().split("\n")[0]
        if label:
            labels[f"project.{t.name}"] = label
    return labels


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or _transition_labels().get(action) or action


def _plain(value) -> str:
    if isinstance(value, dict) and set(value) == {"before", "after"}:
        return f"{_plain(value['before'])} → {_plain(value['after'])}"
    if isinstance(value, dict):
        return "，".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if value is None:
        return "—"
    return str(value)


def changes_summary(event: AuditEvent, limit: int = 240) -> str:
    text = "；".join(f"{k}: {_plain(v)}" for k, v in (event.changes or {}).items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class TimelineFilter:
    project_id: int | None = None
    kind: str = ""
    actor_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def community_events(community) -> QuerySet[AuditEvent]:
    """Every event about the community: its own rows and any row about one of its projects."""
    from projects.models import Project

    return AuditEvent.objects.filter(
        Q(community=community) | Q(project_id__in=Project.objects.filter(community=community).values("pk"))
    )


def timeline(community, criteria: TimelineFilter | None = None) -> QuerySet[AuditEvent]:
    """The community's trail in chain order, filtered. Paginate it: it is one query per page."""
    qs = community_events(community)
    c = criteria or TimelineFilter()
    if c.project_id:
        qs = qs.filter(project_id=c.project_id)
    if c.kind:
        qs = qs.filter(action__startswith=c.kind)
    if c.actor_id:
        qs = qs.filter(actor_id=c.actor_id)
    if c.date_from:
        qs = qs.filter(created_at__gte=_day_start(c.date_from))
    if c.date_to:
        qs = qs.filter(created_at__lt=_day_start(c.date_to + datetime.timedelta(days=1)))
    return qs.order_by("seq")


def timeline_actors(community) -> list[tuple[int, str]]:
    """The people who appear in the community's trail, for the filter (one query)."""
    rows = (
        community_events(community)
        .filter(actor__isnull=False)
        .values_list("actor_id", "actor_name")
        .order_by("actor_name")
        .distinct()
    )
    seen: dict[int, str] = {}
    for actor_id, name in rows:
        seen.setdefault(actor_id, name)
    return sorted(seen.items(), key=lambda item: item[1])


def latest_verification() -> VerificationRun | None:
    return VerificationRun.objects.select_related("ran_by").order_by("-ran_at", "-pk").first()
