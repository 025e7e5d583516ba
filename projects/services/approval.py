"""3. 公示 → 4. 审批 (Art. 10, 11): the form goes to the working committee once the plan notice has
run clear; both principal leaders approve, within 5 working days of receipt, the money permitting;
either body may return or reject it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import event_record
from fundadmin.models import User
from fundadmin.text import required_text
from ledger.services import commitment_record
from publicity.models import Notice
from publicity.services import project_snapshot

from .. import process
from ..models import PlanVersion, Project, Review
from ..process import Status
from ..selectors import approval_deadline
from .application import review_record
from .steps import check, locked, take

BODY_STEPS = {
    Review.Kind.COMMITTEE: (process.APPROVE_FOR_COMMITTEE, process.RETURN_BY_COMMITTEE, process.REJECT_BY_COMMITTEE),
    Review.Kind.CONSTRUCTION: (
        process.APPROVE_FOR_CONSTRUCTION,
        process.RETURN_BY_CONSTRUCTION,
        process.REJECT_BY_CONSTRUCTION,
    ),
}


def project_submit_for_approval(*, project: Project, by: User) -> Project:
    """Submit the form to the working committee: the day it is received starts the 5 working days."""
    with transaction.atomic():
        project = locked(project)
        take(project, process.SUBMIT_FOR_APPROVAL, by, changes={"amount": project.budget_total})
        project.received_on = timezone.localdate()
        project.save(update_fields=["received_on"])
    return project


def freeze_plan(project: Project, by: User, number: int, reason: str) -> PlanVersion:
    return PlanVersion.objects.create(
        project=project,
        number=number,
        snapshot=project_snapshot(project, Notice.Kind.PLAN),
        amount=project.approved_amount,
        reason=reason,
        created_by=by,
    )


def project_approve(
    *,
    project: Project,
    by: User,
    body: str,
    comment: str = "",
    meeting_date: datetime.date | None = None,
    meeting_attendees: str = "",
    late_reason: str = "",
) -> Project:
    """Approve for the working committee (with its leadership meeting) or for the construction &
    management committee. The project may start only when both have approved (Art. 11); then its
    approved amount is committed in the ledger (指标占用, Art. 13), under the account lock the
    money rules were checked under. After the 5 working days an approval is still valid, but only
    with the reason it is late, which the trail keeps (``late_reason``)."""
    step = BODY_STEPS[body][0]
    with transaction.atomic():
        project = locked(project)
        extra = {}
        if body == Review.Kind.COMMITTEE:
            if meeting_date is None:
                raise ValidationError("请填写党工委班子会议日期。", code="meeting_required")
            if meeting_date > timezone.localdate():
                raise ValidationError("班子会议日期不能晚于今天。", code="future_meeting")
            if project.received_on and meeting_date < project.received_on:
                raise ValidationError("班子会议日期不能早于党工委收到申请表的日期。", code="meeting_before_receipt")
            extra = {"meeting_date": meeting_date, "meeting_attendees": required_text(meeting_attendees, "参会人员")}
        due = approval_deadline(project)
        changes = {"amount": project.budget_total}
        if due is not None:
            changes["due"] = due.date
            changes["late"] = timezone.localdate() > due.date
        # The step's own rules first (a closed year, the money, who may act): a refusal there is
        # the answer, whatever the reason for lateness says.
        assignment = check(step, project, by)
        if changes.get("late"):
            # Art. 11: the decision was due within 5 working days of receipt. A late one says
            # why, in the trail, where the supervisors read it (SPEC.md "Art. 19 is made visible").
            changes["late_reason"] = required_text(late_reason, "逾期办理的原因", limit=2000)
        take(project, step, by, reason=comment, changes=changes, assignment=assignment)
        review_record(project, by, assignment, body, Review.Outcome.AGREE, comment or "同意", **extra)
        if project.status == Status.APPROVED:
            project.approved_amount = project.budget_total
            project.approved_on = timezone.localdate()
            project.save(update_fields=["approved_amount", "approved_on"])
            freeze_plan(project, by, 1, "批准方案")
            commitment_record(project=project, amount=project.approved_amount, by=by, reason="两委批准")
            event_record(
                action="project.approved_plan",
                obj=project,
                actor=by,
                changes={"approved_amount": project.approved_amount, "plan_version": 1},
            )
    return project


def project_send_back(*, project: Project, by: User, body: str, reason: str, reject: bool = False) -> Project:
    """Return for revision, or reject, for the working committee or the construction committee."""
    reason = required_text(reason, "不予批准的理由" if reject else "退回理由")
    step = BODY_STEPS[body][2 if reject else 1]
    with transaction.atomic():
        project = locked(project)
        assignment = take(project, step, by, reason=reason)
        outcome = Review.Outcome.REJECT if reject else Review.Outcome.RETURN
        review_record(project, by, assignment, body, outcome, reason)
    return project
