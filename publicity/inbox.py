"""What publicity puts in a user's inbox (registered in fundadmin.inbox.SOURCES).

- the community Party committee: objections awaiting its answer (due by the reply period), the
  needs awaiting an answer (one line per community), notices ending within two working days (the
  next step waits on them), the annual summary from 1 December until it is posted;
- the working committee: answered objections awaiting its decision (they hold the project).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from fundadmin.inbox import InboxItem
from fundadmin.models import Community, FundYear, WorkingCommittee
from fundadmin.permissions import scopes_with
from fundadmin.workdays import Deadline, WorkingCalendar, year_deadlines

from .models import Need, Notice, Objection

ENDING_SOON_WORKING_DAYS = 2
ANNUAL_REMINDER_FROM = (12, 1)


def _communities(user, codename: str):
    return Community.objects.filter(pk__in=scopes_with(user, codename))


def _committees(user, codename: str):
    return WorkingCommittee.objects.filter(pk__in=scopes_with(user, codename))


def inbox_items(user, calendar: WorkingCalendar) -> list[InboxItem]:
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    items: list[InboxItem] = []
    acting = scopes_with(user, "act_for_community")  # the communities' keys: no query of its own
    for o in Objection.objects.filter(notice__community__in=acting, state=Objection.State.OPEN).select_related(
        "notice__community"
    ):
        items.append(
            InboxItem(
                title=f"对“{o.notice.title}”的异议",
                action="答复异议",
                url=reverse("publicity:staff_objections", args=[o.notice.community.code]),
                community=o.notice.community.name,
                # The reply period (settings.OBJECTION_REPLY_WORKING_DAYS): shown overdue after it.
                deadline=Deadline(o.reply_due_on, o.reply_due_provisional) if o.reply_due_on else None,
                note="异议办结前项目暂停办理；居民可在查询页面看到答复期限",
            )
        )
    deciding = _committees(user, "manage_execution")
    for o in Objection.objects.filter(
        notice__community__committee__in=deciding, state=Objection.State.ANSWERED
    ).select_related("notice__community"):
        items.append(
            InboxItem(
                title=f"对“{o.notice.title}”的异议（社区已答复）",
                action="决定异议是否成立",
                url=reverse("publicity:staff_objections", args=[o.notice.community.code]),
                community=o.notice.community.name,
                note="异议办结前项目暂停办理",
            )
        )
    # Needs awaiting an answer: one line per community (a quarter's collection can be dozens),
    # due when the earliest of them is.
    proposing = _communities(user, "propose_project")
    waiting = (
        Need.objects.filter(community__in=proposing, outcome=Need.Outcome.RECEIVED, response="", projects__isnull=True)
        .values("community__code", "community__name")
        .annotate(count=Count("pk"), first_due=Min("reply_due_on"))
        .order_by("community__code")
    )
    for row in waiting:
        overdue = row["first_due"] is not None and row["first_due"] < today
        items.append(
            InboxItem(
                title=f"{row['count']} 条民意诉求待回应",
                action="回应居民诉求",
                url=reverse("publicity:staff_needs", args=[row["community__code"]]),
                community=row["community__name"],
                deadline=Deadline(row["first_due"], False) if row["first_due"] else None,
                note="最早一条的回应期限" + ("已过" if overdue else "") + "；回应、标记未采纳或纳入项目均可",
            )
        )
    horizon = calendar.add_working_days(today, ENDING_SOON_WORKING_DAYS).date
    ending = (
        Notice.objects.current()
        .filter(community__in=acting, withdrawn_at__isnull=True, posted_on__lte=today)
        .filter(ends_on__gte=today, ends_on__lte=horizon)
        .select_related("community")
    )
    for n in ending:
        items.append(
            InboxItem(
                title=n.title,
                action="公示即将期满",
                url=reverse("publicity:staff_notices", args=[n.community.code]),
                community=n.community.name,
                deadline=Deadline(n.ends_on, n.ends_provisional),
                note="期满且无未办结异议后，方可进行下一步",
            )
        )
    if today >= datetime.date(today.year, *ANNUAL_REMINDER_FROM):
        published = Notice.objects.current().filter(
            kind=Notice.Kind.ANNUAL, fund_year__year=today.year, withdrawn_at__isnull=True
        )
        dates = year_deadlines(today.year, calendar)
        for fy in (
            FundYear.objects.filter(community__in=acting, year=today.year)
            .exclude(pk__in=published.values("fund_year_id"))
            .select_related("community")
        ):
            items.append(
                InboxItem(
                    title=f"{fy.year}年度经费使用情况公示",
                    action="核对并发布年度公示",
                    url=reverse("publicity:annual_review", args=[fy.community.code, fy.year]),
                    community=fy.community.name,
                    deadline=dates.summary_post_by,
                    note=f"最迟{dates.summary_post_by.date.month}月{dates.summary_post_by.date.day}日张贴，12月20日前公示满5个工作日（《细则》第十五条）",
                )
            )
    return items
