"""5. 实施 Execution and 6. 验收 Acceptance (Art. 11, 12): a follow-up person assigned by the working
committee, changes consented and filed as new plan versions, progress notes, the request for
acceptance and the inspection that accepts the project or sends it back for rectification."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fundadmin.models import User
from fundadmin.permissions import check as may
from fundadmin.text import required_text
from ledger.services import commitment_adjust

from .. import facts as project_facts
from .. import process, rules
from ..models import ChangeRequest, Inspection, ProgressNote, Project
from .approval import freeze_plan
from .steps import check, lock_money, locked, take

ZERO = Decimal("0.00")


def followup_assign(*, project: Project, by: User, person: User) -> Project:
    """The working committee assigns a member of its own staff to follow the project (Art. 12)."""
    with transaction.atomic():
        project = locked(project)
        assignment = check(process.ASSIGN_FOLLOWUP, project, by)
        if not may(person, "view_committee_records", project):
            raise ValidationError(f"{person.display_name} 不是本党工委的工作人员，不能担任跟进专人。", code="not_staff")
        before = project.followup_user.display_name if project.followup_user else ""
        project.followup_user = person
        project.save(update_fields=["followup_user"])
        take(
            project,
            process.ASSIGN_FOLLOWUP,
            by,
            assignment=assignment,
            changes={"followup": {"before": before, "after": person.display_name}},
        )
    return project


def project_start_execution(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = locked(project)
        take(project, process.START_EXECUTION, by)
    return project


def progress_record(*, project: Project, by: User, noted_on: datetime.date, note: str) -> ProgressNote:
    """Only the assigned follow-up person records progress, while the project runs."""
    if noted_on > timezone.localdate():
        raise ValidationError("跟进日期不能晚于今天。", code="future_date")
    with transaction.atomic():
        project = locked(project)
        assignment = check(process.RECORD_PROGRESS, project, by)
        entry = ProgressNote.objects.create(
            project=project, noted_on=noted_on, note=required_text(note, "进展情况"), recorded_by=by
        )
        take(
            project,
            process.RECORD_PROGRESS,
            by,
            assignment=assignment,
            changes={"noted_on": noted_on, "note": entry.note},
        )
    return entry


def change_request_submit(
    *,
    project: Project,
    by: User,
    reason: str,
    description: str,
    new_amount: Decimal,
    new_contractor_name: str = "",
    new_planned_end: datetime.date | None = None,
) -> ChangeRequest:
    """Ask the working committee to consent to a change (Art. 11). The money is the committee's to
    weigh when it decides (``change_request_decide``); the form says beforehand what the year can
    bear (``change_money_problem``)."""
    if new_amount <= ZERO:
        raise ValidationError("变更后金额须大于零。", code="amount_positive")
    with transaction.atomic():
        project = locked(project)
        assignment = check(process.REQUEST_CHANGE, project, by)
        change = ChangeRequest.objects.create(
            project=project,
            reason=required_text(reason, "变更原因"),
            description=required_text(description, "变更内容"),
            new_amount=new_amount,
            new_contractor_name=new_contractor_name.strip(),
            new_planned_end=new_planned_end,
            requested_by=by,
        )
        take(
            project,
            process.REQUEST_CHANGE,
            by,
            assignment=assignment,
            reason=change.reason,
            changes={
                "amount": {"before": project.approved_amount, "after": new_amount},
                "description": change.description,
            },
        )
    return change


def change_money_problem(project: Project, new_amount: Decimal) -> ValidationError | None:
    """Why the year could not bear the project at ``new_amount`` (Art. 7(2), 13) — the refusal,
    naming the figure that is missing — or None. Read-only: the change forms ask it before they
    are sent; the services ask it again under the account lock (``change_money_check``)."""
    facts = project_facts.load([project], kinds={"money"})[0]
    closed = rules.year_open.reason(project, facts)
    if closed is not None:
        return ValidationError(closed, code="year_closed")
    shortfall = facts.money.shortfall(new_amount, replacing=project.approved_amount or ZERO)
    if shortfall is not True:
        return ValidationError(shortfall, code="insufficient_funds")
    over_cap = facts.money.small_group_problem(project, new_amount)
    if over_cap is not True:
        return ValidationError(over_cap, code="small_group_cap")
    return None


def change_money_check(project: Project, new_amount: Decimal) -> None:
    lock_money(project)
    problem = change_money_problem(project, new_amount)
    if problem is not None:
        raise problem


def change_request_decide(
    *,
    by: User,
    consent: bool,
    comment: str = "",
    change: ChangeRequest | None = None,
    project: Project | None = None,
) -> ChangeRequest:
    """The committee consents (the change is filed as a new plan version) or refuses (Art. 11).
    Given the ``project`` rather than the ``change``, it decides the change pending on it."""
    with transaction.atomic():
        project = locked(change.project if change is not None else project)
        rows = ChangeRequest.objects.select_for_update().filter(project=project)
        if change is not None:
            change = rows.get(pk=change.pk)
        else:
            change = rows.filter(status=ChangeRequest.Outcome.PENDING).first()
        if change is None or change.status != ChangeRequest.Outcome.PENDING:
            raise ValidationError("该变更申请已处理。", code="already_decided")
        assignment = check(process.DECIDE_CHANGE, project, by)
        if not consent:
            comment = required_text(comment, "不同意的理由")
        change.decided_by, change.decided_at, change.decision_comment = by, timezone.now(), comment
        if consent:
            change_money_check(project, change.new_amount)
            before = {
                "amount": project.approved_amount,
                "contractor": project.contractor_name,
                "planned_end": project.planned_end,
            }
            project.approved_amount = change.new_amount
            if change.new_contractor_name:
                project.contractor_name = change.new_contractor_name
            if change.new_planned_end:
                project.planned_end = change.new_planned_end
            project.save(update_fields=["approved_amount", "contractor_name", "planned_end"])
            # Art. 11, 13: a higher amount commits the difference, a lower one releases it.
            commitment_adjust(
                project=project, before=before["amount"], after=change.new_amount, by=by, reason=change.reason
            )
            number = (project.plan_versions.aggregate(m=Max("number"))["m"] or 0) + 1
            change.plan_version = freeze_plan(project, by, number, change.reason)
            change.status = ChangeRequest.Outcome.CONSENTED
            changes = {
                "before": before,
                "after": {
                    "amount": project.approved_amount,
                    "contractor": project.contractor_name,
                    "planned_end": project.planned_end,
                },
                "plan_version": number,
            }
        else:
            change.status = ChangeRequest.Outcome.REFUSED
            changes = {}
        change.save()
        take(
            project,
            process.DECIDE_CHANGE,
            by,
            assignment=assignment,
            outcome="consented" if consent else "refused",
            reason=comment,
            changes=changes,
        )
    return change


def project_request_inspection(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = locked(project)
        take(project, process.REQUEST_INSPECTION, by)
    return project


def inspection_record(
    *,
    project: Project,
    by: User,
    inspected_on: datetime.date,
    inspectors: str,
    quality_grade: str,
    quality_notes: str,
    respondents: int,
    satisfied: int,
    passed: bool,
    rectification: str = "",
) -> Inspection:
    if satisfied > respondents:
        raise ValidationError("满意人数不能超过调查人数。", code="satisfied_exceeds")
    if respondents < 1:
        raise ValidationError("满意度调查人数至少为 1 人。", code="no_respondents")
    if inspected_on > timezone.localdate():
        raise ValidationError("验收日期不能晚于今天。", code="future_date")
    if passed and quality_grade == Inspection.Grade.FAIL:
        raise ValidationError("质量评定为不合格的项目不能验收通过。", code="fail_cannot_pass")
    if not passed:
        rectification = required_text(rectification, "整改要求")
    with transaction.atomic():
        project = locked(project)
        assignment = check(process.INSPECT, project, by)
        record = Inspection.objects.create(
            project=project,
            inspected_on=inspected_on,
            inspectors=required_text(inspectors, "验收人员"),
            quality_grade=quality_grade,
            quality_notes=quality_notes,
            respondents=respondents,
            satisfied=satisfied,
            passed=passed,
            rectification=rectification,
            recorded_by=by,
        )
        take(
            project,
            process.INSPECT,
            by,
            assignment=assignment,
            outcome="passed" if passed else "failed",
            reason=rectification,
            changes={
                "quality": record.get_quality_grade_display(),
                "satisfaction_percent": record.satisfaction_percent,
                "respondents": respondents,
            },
        )
    return record
