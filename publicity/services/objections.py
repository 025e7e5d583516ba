"""Objections (Art. 10): a resident objects while a notice is up, with a tracking code and a reply
period; the community answers; the working committee decides — what its decision does to a
project is the process's (``projects.services.objection_decide``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.context import client_address as current_client_address
from audit.services import event_record
from fundadmin.permissions import require
from fundadmin.text import optional_text, required_text
from fundadmin.workdays import WorkingCalendar

from ..models import Notice, Objection
from ..periods import objection_reply_deadline
from .notices import locked_notice, plan_notices_take_down

OBJECTION_TEXT_MAX = 2000
PERSONAL_MAX = 50


def objection_submit(
    *, notice: Notice, text: str, name: str = "", contact: str = "", calendar: WorkingCalendar | None = None
) -> Objection:
    """A resident objects while the notice is up. No login: the tracking code is their receipt.
    The objection holds the project until the working committee decides it, and the community
    must answer it within the reply period, counted from the day after it came in (SPEC.md
    "Decisions the rules leave to us"; the date is fixed now and shown to the resident)."""
    text = required_text(text, "异议内容", OBJECTION_TEXT_MAX)
    name = optional_text(name, "姓名", PERSONAL_MAX)
    contact = optional_text(contact, "联系方式", PERSONAL_MAX)
    due = objection_reply_deadline(timezone.localdate(), calendar or WorkingCalendar())
    with transaction.atomic():
        notice = locked_notice(notice)
        if notice.status != "up":
            raise ValidationError("该公示不在公示期内，不能再提出异议。", code="not_up")
        objection = Objection.objects.create(
            notice=notice,
            text=text,
            name=name,
            contact=contact,
            client_address=current_client_address.get(),
            reply_due_on=due.date,
            reply_due_provisional=due.provisional,
        )
        # The trail records that an objection came in, never who made it.
        event_record(
            action="objection.submit",
            obj=objection,
            community=notice.community,
            project_id=notice.project_id,
            object_repr=f"对“{notice.title}”的异议",
            changes={"notice": notice.pk, "length": len(text)},
        )
    return objection


def _locked_objection(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice__community__committee", "notice__project")
        .get(pk=objection.pk)
    )


def objection_answer(*, objection: Objection, by, answer: str) -> Objection:
    """The community Party committee answers; the answer is shown on the notice."""
    answer = required_text(answer, "答复内容", 2000)
    with transaction.atomic():
        objection = _locked_objection(objection)
        require(by, "act_for_community", objection.notice.community)
        if objection.state != Objection.State.OPEN:
            raise ValidationError("该异议已答复或已办结。", code="wrong_state")
        objection.answer, objection.answered_by, objection.answered_at = answer, by, timezone.now()
        objection.state = Objection.State.ANSWERED
        objection.save(update_fields=["answer", "answered_by", "answered_at", "state"])
        event_record(
            action="objection.answer",
            obj=objection,
            actor=by,
            community=objection.notice.community,
            project_id=objection.notice.project_id,
            changes={"answer": answer},
        )
    return objection


def objection_record_decision(*, objection: Objection, by, upheld: bool, decision: str, remedy: str = "") -> Objection:
    """Record the working committee's decision on an objection (Art. 10). What it does to the
    project is the process's to decide (``projects.services.objection_decide``, the one caller):
    with a ``remedy`` the plan has gone back, so the other open objections to it are settled with
    it and its notices come down. Runs inside the caller's transaction."""
    decision = required_text(decision, "决定意见", 2000)
    with transaction.atomic():
        objection = _locked_objection(objection)
        notice = objection.notice
        require(by, "manage_execution", notice.community)
        if objection.state == Objection.State.OPEN:
            raise ValidationError("须先由社区党委答复，党工委再作决定。", code="not_answered")
        if objection.state != Objection.State.ANSWERED:
            raise ValidationError("该异议已办结。", code="wrong_state")
        now = timezone.now()
        objection.decision, objection.decided_by, objection.decided_at = decision, by, now
        objection.state = Objection.State.UPHELD if upheld else Objection.State.DISMISSED
        objection.remedy = remedy
        objection.save(update_fields=["decision", "decided_by", "decided_at", "state", "remedy"])
        event_record(
            action="objection.uphold" if upheld else "objection.dismiss",
            obj=objection,
            actor=by,
            reason=decision,
            community=notice.community,
            project_id=notice.project_id,
            changes={"notice": notice.pk, "remedy": objection.remedy},
        )
        if remedy:
            others = Objection.objects.select_for_update(of=("self",)).filter(
                notice__project=notice.project, notice__kind=notice.kind, state__in=Objection.OPEN_STATES
            )
            for other in others:
                other.state, other.decided_by, other.decided_at = Objection.State.MOOT, by, now
                other.decision = f"同一方案的另一条异议经党工委决定成立，方案已{objection.get_remedy_display()}。"
                other.save(update_fields=["state", "decided_by", "decided_at", "decision"])
                event_record(
                    action="objection.moot",
                    obj=other,
                    actor=by,
                    community=notice.community,
                    project_id=notice.project_id,
                )
            plan_notices_take_down(
                project=notice.project, by=by, reason=f"异议成立，方案{objection.get_remedy_display()}：{decision}"
            )
    return objection
