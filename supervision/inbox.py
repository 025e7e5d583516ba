"""What supervision puts in a user's inbox (listed in fundadmin.inbox.sources):

- 社区党委 / the working committee: open supervision opinions addressed to them (Art. 14);
- 社区党委: the year's annual report to submit, from 1 November, due before 1 December (Art. 16);
- the working committee's evaluators: submitted reports not yet evaluated, and the December
  deadlines of their communities (reports missing; annual summary notices not yet posted).

The community's own annual-summary notice reminder is publicity's (publicity.inbox); it is not
repeated here.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from fundadmin.inbox import InboxItem
from fundadmin.models import FundYear
from fundadmin.workdays import Deadline, WorkingCalendar, year_deadlines
from publicity.models import Notice

from .models import AnnualReport, ReportEvaluation, report_late_from
from .selectors import committees_with, communities_with, opinions_to_answer

REPORT_REMINDER_FROM = (11, 1)
NOTICE_REMINDER_FROM = (12, 1)


def report_due(year: int) -> Deadline:
    """The last day to submit on time: the day before 1 December."""
    return Deadline(report_late_from(year) - datetime.timedelta(days=1), False)


def inbox_items(user, calendar: WorkingCalendar) -> list[InboxItem]:
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    items: list[InboxItem] = []
    for o in opinions_to_answer(user).order_by("raised_at", "pk"):
        items.append(
            InboxItem(
                title=o.about,
                action="答复监督意见",
                url=reverse("supervision:opinion_detail", args=[o.pk]),
                community=o.community.name,
                note=f"议事监督委员会 {o.raised_by_name} 于 {timezone.localtime(o.raised_at):%Y-%m-%d} 提出",
            )
        )
    year = today.year
    if today >= datetime.date(year, *REPORT_REMINDER_FROM):
        acting = communities_with(user, "act_for_community")
        for fy in (
            FundYear.objects.filter(community__in=acting, year=year)
            .exclude(pk__in=AnnualReport.objects.filter(year=year).values("fund_year_id"))
            .select_related("community")
        ):
            items.append(
                InboxItem(
                    title=f"{year}年度专项经费使用情况报告",
                    action="报送年度报告",
                    url=reverse("supervision:report_prepare", args=[fy.community.code, year]),
                    community=fy.community.name,
                    deadline=report_due(year),
                    note="12月1日前报送党工委（《细则》第十六条）",
                )
            )
    evaluating = committees_with(user, "evaluate_report")
    unevaluated = (
        AnnualReport.objects.filter(community__committee__in=evaluating)
        .exclude(pk__in=ReportEvaluation.objects.values("report_id"))
        .select_related("community")
        .order_by("submitted_at")
    )
    for r in unevaluated:
        items.append(
            InboxItem(
                title=str(r),
                action="评议年度报告",
                url=reverse("supervision:report_detail", args=[r.pk]),
                community=r.community.name,
                note="逾期报送" if r.is_late else "",
            )
        )
    items.extend(_december(evaluating, today, calendar))
    return items


def _december(evaluating, today: datetime.date, calendar: WorkingCalendar) -> list[InboxItem]:
    """Per committee, one item for each December deadline its communities have not all met."""

    year = today.year
    items = []
    committees = list(evaluating.prefetch_related("communities"))
    if not committees:
        return items
    if today >= datetime.date(year, *REPORT_REMINDER_FROM):
        reported = set(AnnualReport.objects.filter(year=year).values_list("community_id", flat=True))
        for committee in committees:
            missing = [c.name for c in committee.communities.all() if c.pk not in reported]
            if missing:
                items.append(
                    InboxItem(
                        title=f"{len(missing)}个社区尚未报送{year}年度报告：{'、'.join(missing[:5])}"
                        + ("等" if len(missing) > 5 else ""),
                        action="督促报送年度报告",
                        url=reverse("supervision:report_list", args=[committee.code, year]),
                        community=committee.name,
                        deadline=report_due(year),
                        note="12月1日前报送（《细则》第十六条）",
                    )
                )
    if today >= datetime.date(year, *NOTICE_REMINDER_FROM):
        posted = set(
            Notice.objects.current()
            .filter(kind=Notice.Kind.ANNUAL, fund_year__year=year, withdrawn_at__isnull=True)
            .values_list("community_id", flat=True)
        )
        post_by = year_deadlines(year, calendar).summary_post_by
        for committee in committees:
            missing = [c.name for c in committee.communities.all() if c.pk not in posted]
            if missing:
                items.append(
                    InboxItem(
                        title=f"{len(missing)}个社区尚未发布{year}年度公示：{'、'.join(missing[:5])}"
                        + ("等" if len(missing) > 5 else ""),
                        action="督促发布年度公示",
                        url=reverse("supervision:dashboard", args=[committee.code]),
                        community=committee.name,
                        deadline=post_by,
                        note=f"最迟{post_by.date.month}月{post_by.date.day}日张贴，12月20日前公示满5个工作日（《细则》第十五条）",
                    )
                )
    return items
