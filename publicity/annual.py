"""The annual summary (Art. 15): the year's spending and results, generated from the records.

Before 20 December each year the community posts the whole year for 5 working days. The figures
come from the ledger and the projects through ``projects.figures`` — never typed, and the same
computation as the annual report's (Art. 16) — so the paper, the screen and the books cannot
disagree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from fundadmin.models import Community, FundYear
from fundadmin.workdays import WorkingCalendar, year_deadlines
from projects.figures import year_figures
from projects.models import Project
from projects.selectors import with_current_amount

from .models import Notice


def annual_due_date(year: int, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The last day to post the summary (Art. 15): its 5 working days, counted from the day
    after posting, must end before 20 December (fundadmin.workdays.year_deadlines)."""
    return year_deadlines(year, calendar).summary_post_by.date


def annual_title(fund_year: FundYear) -> str:
    return f"{fund_year.community.name}{fund_year.year}年度党组织服务群众专项经费使用情况公示"


def annual_snapshot(fund_year: FundYear) -> dict:
    """The year as the notice shows it (``projects.figures``, the same figures as the annual
    report). Only projects that have been publicly posted are listed: a draft is never public (the
    annual notice is public)."""
    public_ids = Notice.objects.filter(project__fund_year=fund_year).values("project_id")
    projects = (
        with_current_amount(Project.objects.filter(pk__in=public_ids))
        .select_related("category", "settlement")
        .order_by("number")
    )
    return year_figures(fund_year, projects)


@dataclass(frozen=True)
class AnnualStatus:
    community: Community
    fund_year: FundYear | None
    notice: Notice | None
    due: datetime.date

    @property
    def on_time(self) -> bool:
        return self.notice is not None and self.notice.posted_on <= self.due

    @property
    def label(self) -> str:
        if self.notice is None:
            return "未发布"
        return "已按时发布" if self.on_time else "逾期发布"


def annual_statuses(
    communities, year: int, fund_years: dict | None = None, calendar: WorkingCalendar | None = None
) -> list[AnnualStatus]:
    """For a committee's page: which communities have (not) published the year by 20 December.
    A withdrawn summary does not count; a corrected one counts from its first version's posting.
    ``fund_years`` (by community id), when the caller has them, saves their query."""
    communities = list(communities)
    if fund_years is None:
        fund_years = {fy.community_id: fy for fy in FundYear.objects.filter(community__in=communities, year=year)}
    years = fund_years
    live = {
        n.community_id: n
        for n in Notice.objects.current()
        .filter(kind=Notice.Kind.ANNUAL, fund_year__year=year, community__in=communities, withdrawn_at__isnull=True)
        .select_related("supersedes")
    }
    first_posted = {}
    for community_id, notice in live.items():
        while notice.supersedes_id is not None:  # corrections are rare: a short walk
            notice = notice.supersedes
        first_posted[community_id] = notice
    due = annual_due_date(year, calendar)
    return [AnnualStatus(c, years.get(c.pk), first_posted.get(c.pk), due) for c in communities]
