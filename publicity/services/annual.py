"""The annual summary (Art. 15): the year's figures the community reviewed, posted for 5 working
days ending before 20 December."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.models import FundYear
from fundadmin.permissions import require
from fundadmin.text import optional_text
from fundadmin.workdays import WorkingCalendar

from ..annual import annual_snapshot, annual_title
from ..models import Notice
from .notices import notice_checkpoint, notice_create


def annual_summary_publish(
    *,
    fund_year: FundYear,
    by,
    reviewed_hash: str,
    remarks: str = "",
    posted_on: datetime.date | None = None,
    calendar: WorkingCalendar | None = None,
) -> Notice:
    """Publish the year's summary the community has reviewed. ``reviewed_hash`` is the hash of
    the figures the reviewer saw: if the year's data moved since, publishing is refused so no one
    posts figures they did not read."""
    calendar = calendar or WorkingCalendar()
    remarks = optional_text(remarks, "说明", 2000)
    posted_on = posted_on or timezone.localdate()
    with transaction.atomic():
        fund_year = (
            FundYear.objects.select_for_update(of=("self",)).select_related("community__committee").get(pk=fund_year.pk)
        )
        require(by, "act_for_community", fund_year.community)
        live = Notice.objects.current().filter(fund_year=fund_year, kind=Notice.Kind.ANNUAL, withdrawn_at__isnull=True)
        if live.exists():
            raise ValidationError("本年度的年度公示已发布；如需修改请发布更正。", code="duplicate")
        title = annual_title(fund_year)
        snapshot = annual_snapshot(fund_year)
        if Notice.hash_snapshot(title, snapshot) != reviewed_hash:
            raise ValidationError("核对后年度数据已有变化，请重新核对后再发布。", code="stale_review")
        snapshot["remarks"] = remarks
        notice = notice_create(
            kind=Notice.Kind.ANNUAL,
            title=title,
            snapshot=snapshot,
            by=by,
            posted_on=posted_on,
            calendar=calendar,
            community=fund_year.community,
            fund_year=fund_year,
        )
        event_record(
            action="notice.publish",
            obj=notice,
            actor=by,
            changes={
                "kind": Notice.Kind.ANNUAL,
                "year": fund_year.year,
                "posted_on": posted_on,
                "ends_on": notice.ends_on,
                "content_hash": notice.content_hash,
            },
        )
        notice_checkpoint(notice)
    return notice
