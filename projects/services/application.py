"""2. 申报 Application (Art. 10): the working committee's preliminary consent, then the joint meeting
of the "two committees" and resident representatives, whose vote posts the plan or shelves it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fundadmin.models import User
from fundadmin.permissions import Capacity
from fundadmin.text import required_text
from publicity.models import Notice
from publicity.services import notice_publish_for_project

from .. import process
from ..models import JointMeeting, Project, Review
from .steps import check, locked, take


def review_record(
    project: Project, by: User, assignment: Capacity, kind: str, outcome: str, comment: str = "", **extra
) -> Review:
    """An opinion box of the application form, signed in the role the step was taken under — and,
    by an acting leader, for whom (张德明代李伟（党工委书记）)."""
    return Review.objects.create(
        project=project,
        kind=kind,
        outcome=outcome,
        comment=comment,
        decided_by=by,
        acting_role=assignment.get_role_display(),
        acting=assignment.acting,
        acting_for_name=assignment.acting_for_name,
        **extra,
    )


def project_consent(*, project: Project, by: User, comment: str = "") -> Project:
    with transaction.atomic():
        project = locked(project)
        assignment = take(project, process.CONSENT, by, reason=comment)
        review_record(project, by, assignment, Review.Kind.PRELIMINARY, Review.Outcome.AGREE, comment or "同意")
    return project


def project_return_for_revision(*, project: Project, by: User, reason: str) -> Project:
    reason = required_text(reason, "退回原因")
    with transaction.atomic():
        project = locked(project)
        assignment = take(project, process.RETURN_FOR_REVISION, by, reason=reason)
        review_record(project, by, assignment, Review.Kind.PRELIMINARY, Review.Outcome.RETURN, reason)
    return project


def meeting_record(
    *,
    project: Project,
    by: User,
    held_on: datetime.date,
    attendees: str,
    attendee_count: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    minutes: str,
) -> JointMeeting:
    """Record the joint meeting (Art. 10). A majority for it posts the plan publicly; anything
    less shelves the project until a later meeting agrees."""
    if held_on > timezone.localdate():
        raise ValidationError("会议日期不能晚于今天。", code="future_meeting")
    if votes_for + votes_against + votes_abstain > attendee_count:
        raise ValidationError("赞成、反对、弃权票数之和不能超过参会人数。", code="votes_exceed")
    with transaction.atomic():
        project = locked(project)
        assignment = check(process.RECORD_MEETING, project, by)
        entered = timezone.localdate(project.status_changed_at)
        if held_on < entered:
            # The meeting must discuss this plan as consented (or as shelved): an older meeting
            # cannot stand in for it (Art. 10).
            raise ValidationError(
                f"会议日期不能早于项目进入当前阶段的日期（{entered:%Y-%m-%d}）。", code="stale_meeting"
            )
        meeting = JointMeeting.objects.create(
            project=project,
            held_on=held_on,
            attendees=required_text(attendees, "参会人员"),
            attendee_count=attendee_count,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstain=votes_abstain,
            minutes=required_text(minutes, "会议纪要"),
            recorded_by=by,
        )
        votes = {
            "held_on": held_on,
            "attendees": attendee_count,
            "for": votes_for,
            "against": votes_against,
            "abstain": votes_abstain,
        }
        outcome = "agreed" if meeting.agreed else "divided"
        take(project, process.RECORD_MEETING, by, outcome=outcome, changes={"meeting": votes}, assignment=assignment)
        if meeting.agreed:
            notice_publish_for_project(project=project, kind=Notice.Kind.PLAN, by=by)
    return meeting
