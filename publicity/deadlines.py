"""Notices' stored deadlines when the working-day calendar changes (SPEC.md "Working days").

A notice posted while its period's year had no published calendar was given an end date counted
over weekends alone and marked provisional (``ends_provisional``). When the year is loaded, the
core calls ``notice_deadlines_recompute`` (registered in ``PublicityConfig.ready``): each such
notice is counted again from its posting day, and the trail says which notice moved from which
date to which. A period never ends earlier than the date residents were shown (Art. 10: at
least the announced days to object), so an adjusted working day (调休) that would shorten it
confirms the announced date instead.
"""

from __future__ import annotations

from audit.services import event_record
from fundadmin.calendar_hooks import MovedDeadline
from fundadmin.workdays import Deadline, WorkingCalendar

from .models import Notice


def notice_deadlines_recompute(*, calendar: WorkingCalendar, by, reason: str) -> list[MovedDeadline]:
    """Recount every notice whose end date is provisional; runs inside the caller's transaction."""
    moved = []
    notices = (
        Notice.objects.select_for_update(of=("self",))
        .filter(ends_provisional=True)
        .select_related("community")
        .order_by("pk")
    )
    for notice in notices:
        counted = calendar.add_working_days(notice.posted_on, notice.period_days)
        ends_on = max(notice.ends_on, counted.date)
        if ends_on == notice.ends_on and counted.provisional:
            continue  # its year is still unknown: nothing learnt
        before, after = Deadline(notice.ends_on, True), Deadline(ends_on, counted.provisional)
        note = ""
        if counted.date < notice.ends_on:
            note = f"按正式日历应于 {counted.date:%Y-%m-%d} 期满，已公布的截止日期不提前"
        Notice.objects.filter(pk=notice.pk).update(ends_on=after.date, ends_provisional=after.provisional)
        event_record(
            action="notice.deadline_recompute",
            obj=notice,
            actor=by,
            community=notice.community,
            project_id=notice.project_id,
            reason=reason,
            changes={
                "ends_on": {"before": before.date, "after": after.date},
                "ends_provisional": {"before": True, "after": after.provisional},
                **({"note": note} if note else {}),
            },
        )
        moved.append(
            MovedDeadline(
                what=f"公示：{notice.title}", community=notice.community.name, before=before, after=after, note=note
            )
        )
    return moved
