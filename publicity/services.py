"""Publishing notices. Called by the workflow's services inside their own transaction."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audit.services import event_record
from fundadmin.workdays import WorkingCalendar

from .models import Notice


def project_snapshot(project, kind: str) -> dict:
    """What the notice shows, frozen: the project as it stands at publication."""
    lines = [
        {
            "item": line.item,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": str(line.unit_price),
            "amount": str(line.amount),
        }
        for line in project.budget_lines.all()
    ]
    data = {
        "community": project.community.name,
        "applicant": project.community.applicant_name,
        "number": project.number,
        "title": project.title,
        "category": project.category.name if project.category else "",
        "description": project.description,
        "spending_plan": project.spending_plan,
        "beneficiaries": project.beneficiaries,
        "beneficiary_count": project.beneficiary_count,
        "is_small_group": project.is_small_group,
        "contractor": project.contractor_name,
        "budget_lines": lines,
        "amount": str(project.current_amount),
        "planned_start": project.planned_start,
        "planned_end": project.planned_end,
    }
    if kind in (Notice.Kind.COMPLETION, Notice.Kind.PAYMENT) and hasattr(project, "settlement"):
        data["paid_amount"] = str(project.settlement.amount)
        data["paid_on"] = project.settlement.paid_on
        data["payee"] = project.settlement.payee
    inspection = project.inspections.filter(passed=True).last()
    if kind == Notice.Kind.COMPLETION and inspection is not None:
        data["inspection"] = {
            "date": inspection.inspected_on,
            "quality": inspection.get_quality_grade_display(),
            "satisfaction_percent": str(inspection.satisfaction_percent),
        }
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


TITLES = {
    Notice.Kind.PLAN: "关于“{title}”项目实施方案的公示",
    Notice.Kind.COMPLETION: "关于“{title}”项目完成情况的公示",
    Notice.Kind.PAYMENT: "关于“{title}”项目资金支付情况的公示",
}


def notice_publish_for_project(
    *, project, kind: str, by, posted_on: datetime.date | None = None, calendar: WorkingCalendar | None = None
) -> Notice:
    """Freeze the project into a notice posted today for its minimum period in working days."""
    calendar = calendar or WorkingCalendar()
    posted_on = posted_on or timezone.localdate()
    period = Notice.PERIOD_DAYS[kind]
    deadline = calendar.add_working_days(posted_on, period)
    title = TITLES[kind].format(title=project.title)
    snapshot = project_snapshot(project, kind)
    notice = Notice.objects.create(
        community=project.community,
        project=project,
        fund_year=project.fund_year,
        kind=kind,
        title=title,
        snapshot=snapshot,
        content_hash=Notice.hash_snapshot(title, snapshot),
        published_by=by,
        posted_on=posted_on,
        period_days=period,
        ends_on=deadline.date,
        ends_provisional=deadline.provisional,
    )
    event_record(
        action="notice.publish",
        obj=notice,
        actor=by,
        project_id=project.pk,
        changes={"kind": kind, "posted_on": posted_on, "ends_on": deadline.date, "content_hash": notice.content_hash},
    )
    return notice
