"""Reads the workflow asks of publicity: has a notice run its full period with nothing open?"""

from __future__ import annotations

from django.utils import timezone

from fundadmin.permissions import Verdict

from .models import Notice, Objection


def latest_notice(project, kind: str) -> Notice | None:
    return (
        Notice.objects.current()
        .filter(project=project, kind=kind, withdrawn_at__isnull=True)
        .order_by("-posted_on", "-pk")
        .first()
    )


def open_objections(project, kind: str | None = None):
    qs = Objection.objects.filter(notice__project=project, state__in=Objection.OPEN_STATES)
    return qs.filter(notice__kind=kind) if kind else qs


def notice_clearance(project, kind: str) -> Verdict:
    """A notice must have run through the end of its last working day with no open objection."""
    notice = latest_notice(project, kind)
    if notice is None:
        return Verdict(False, "尚未张贴公示。")
    today = timezone.localdate()
    if today <= notice.ends_on:
        provisional = "（暂定）" if notice.ends_provisional else ""
        return Verdict(False, f"公示期至 {notice.ends_on:%Y-%m-%d}{provisional} 止，期满后方可进行下一步。")
    count = open_objections(project, kind).count()
    if count:
        return Verdict(False, f"有 {count} 条异议尚未处理完毕，须待党工委作出决定。")
    return Verdict(True)


def plan_notice_clearance(project) -> Verdict:
    return notice_clearance(project, Notice.Kind.PLAN)


def completion_notice_clearance(project) -> Verdict:
    return notice_clearance(project, Notice.Kind.COMPLETION)
