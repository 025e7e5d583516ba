"""The annual summary (Art. 15): the year's spending and results, generated from the records.

Before 20 December each year the community posts the whole year for 5 working days. The figures
come from the projects (``projects.selectors``) and the ledger (``ledger.selectors.fund_balances``)
— never typed — so the paper, the screen and the books cannot disagree.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder

from fundadmin.models import Community, FundYear, SpendingCategory
from fundadmin.workdays import WorkingCalendar, year_deadlines
from ledger.selectors import carried_commitments, fund_balances
from projects.models import Project, Status
from projects.selectors import small_group_usage, with_current_amount

from .models import Notice

ZERO = Decimal("0.00")


def annual_due_date(year: int, calendar: WorkingCalendar | None = None) -> datetime.date:
    """The last day to post the summary (Art. 15): its 5 working days, counted from the day
    after posting, must end before 20 December (fundadmin.workdays.year_deadlines)."""
    return year_deadlines(year, calendar).summary_post_by.date


def annual_title(fund_year: FundYear) -> str:
    return f"{fund_year.community.name}{fund_year.year}年度党组织服务群众专项经费使用情况公示"


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def annual_snapshot(fund_year: FundYear) -> dict:
    """The year as the notice shows it. Only projects that have been publicly posted are listed:
    a draft is never public (the annual notice is public)."""
    balances = fund_balances(fund_year)
    public_ids = Notice.objects.filter(project__fund_year=fund_year).values("project_id")
    projects = list(
        with_current_amount(Project.objects.filter(pk__in=public_ids))
        .select_related("category", "settlement")
        .order_by("number")
    )
    not_counted = (Status.WITHDRAWN, Status.REJECTED)
    by_category = {c.name: {"count": 0, "approved": ZERO, "paid": ZERO} for c in SpendingCategory.objects.all()}
    rows = []
    for p in projects:
        paid = p.settlement.amount if hasattr(p, "settlement") else ZERO
        rows.append(
            {
                "number": p.number,
                "title": p.title,
                "category": p.category.name if p.category else "",
                "status": p.get_status_display(),
                "is_small_group": p.is_small_group,
                "approved_amount": _money(p.approved_amount) if p.approved_amount is not None else "",
                "paid_amount": _money(paid),
            }
        )
        if p.status in not_counted or p.category is None:
            continue
        bucket = by_category.setdefault(p.category.name, {"count": 0, "approved": ZERO, "paid": ZERO})
        bucket["count"] += 1
        bucket["approved"] += p.approved_amount or ZERO
        bucket["paid"] += paid
    # Art. 13: approved, unpaid projects keep their money across the year end — carried with the
    # surplus by the close (or, before it, to be carried), and paid in the next year.
    carried = carried_commitments(fund_year)
    carried_by_number = {p.number: amount for p, amount in carried}
    for row in rows:
        row["carried_amount"] = _money(carried_by_number[row["number"]]) if row["number"] in carried_by_number else ""
    usage = small_group_usage(fund_year)
    fund = balances.fund
    share = (usage.used * 100 / fund).quantize(Decimal("0.1")) if fund > 0 else Decimal("0.0")
    data = {
        "community": fund_year.community.name,
        "applicant": fund_year.community.applicant_name,
        "year": fund_year.year,
        "allocation": _money(balances.allocation),
        "carry_over": _money(balances.carry_over),
        "fund": _money(fund),
        "received": _money(balances.received),
        "spent": _money(balances.spent),
        "committed": _money(balances.committed),
        # Art. 13: what is not spent carries over to next year.
        "balance": _money(fund - balances.spent),
        "small_group": {"used": _money(usage.used), "cap": _money(usage.cap), "share_percent": str(share)},
        "categories": [
            {"name": name, "count": v["count"], "approved": _money(v["approved"]), "paid": _money(v["paid"])}
            for name, v in by_category.items()
        ],
        "projects": rows,
        "carried": {
            "done": fund_year.is_closed or balances.commitments_carried_out > 0,
            "to_year": fund_year.year + 1,
            "total": _money(sum((amount for _, amount in carried), ZERO)),
            "projects": [{"number": p.number, "title": p.title, "amount": _money(amount)} for p, amount in carried],
        },
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


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
