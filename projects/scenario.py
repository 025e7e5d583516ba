"""The process as a script: from each state, the next step a well-behaved cast takes, and how many
days later the step after it can happen. Used to build the demo (and by the tests' walk helper)
so that both drive projects only through the real services."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from fundadmin.roles import Role
from fundadmin.workdays import WorkingCalendar

from . import services
from .models import Document, Inspection, Project, Review, Settlement, Status

# A tiny valid PDF standing in for a scanned voucher.
PLACEHOLDER_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

Cast = dict[Role, object]


def _upload(project: Project, by, kind: str) -> None:
    upload = ContentFile(PLACEHOLDER_PDF, name=f"{kind}.pdf")
    services.document_upload(project=project, by=by, kind=kind, upload=upload, title="扫描件")


def _meeting(project: Project, cast: Cast, agree: bool = True) -> None:
    services.meeting_record(
        project=project,
        by=cast[Role.COMMUNITY_SECRETARY],
        held_on=timezone.localdate(),
        attendees="社区两委成员7人，居民代表8人",
        attendee_count=15,
        votes_for=12 if agree else 6,
        votes_against=2 if agree else 6,
        votes_abstain=1 if agree else 3,
        minutes="与会人员逐项讨论了项目方案和经费使用方案。" + ("表决通过。" if agree else "意见分歧较大，暂时搁置。"),
    )


def _invoice(project: Project, cast: Cast) -> None:
    sec = cast[Role.COMMUNITY_SECRETARY]
    _upload(project, sec, Document.Kind.INVOICE)
    services.invoice_submit(
        project=project,
        by=sec,
        number=f"044{project.pk:05d}",
        issued_on=timezone.localdate(),
        amount=project.approved_amount,
        issuer=project.contractor_name,
    )


def _vouchers_and_settle(project: Project, cast: Cast) -> None:
    sec = cast[Role.COMMUNITY_SECRETARY]
    for kind in (Document.Kind.PAYMENT_DECISION, Document.Kind.SIGNED_PROOF, Document.Kind.PAYEE_SIGNATURE):
        _upload(project, sec, kind)
    _settle(project, cast)


def _settle(project: Project, cast: Cast) -> None:
    services.settlement_record(
        project=project,
        by=cast[Role.FINANCE],
        amount=project.approved_amount,
        paid_on=timezone.localdate(),
        method=Settlement.Method.TRANSFER if project.pays_by_invoice else Settlement.Method.CASH,
        reference=f"FK{project.pk:06d}",
        payee=project.contractor_name,
    )


@dataclass(frozen=True)
class Step:
    label: str
    run: Callable[[Project, Cast], object]
    wait_working_days: int = 0  # a notice period to let run before the next step
    wait_days: int = 1


STEPS: dict[Status, Step] = {
    Status.DRAFT: Step(
        "报请初步同意", lambda p, c: services.project_request_consent(project=p, by=c[Role.COMMUNITY_SECRETARY])
    ),
    Status.CONSENT_REQUESTED: Step(
        "初步同意",
        lambda p, c: services.project_consent(project=p, by=c[Role.COMMITTEE_MEMBER], comment="同意提交联席会议讨论"),
    ),
    Status.CONSENTED: Step("联席会议", _meeting, wait_working_days=3),
    Status.SHELVED: Step("再次召开联席会议", _meeting, wait_working_days=3),
    Status.PUBLICITY: Step(
        "报送审批", lambda p, c: services.project_submit_for_approval(project=p, by=c[Role.COMMUNITY_SECRETARY])
    ),
    Status.SUBMITTED: Step(
        "党工委审批",
        lambda p, c: services.project_approve(
            project=p,
            by=c[Role.COMMITTEE_SECRETARY],
            body=Review.Kind.COMMITTEE,
            comment="同意实施",
            meeting_date=timezone.localdate(),
            meeting_attendees="党工委班子成员5人",
        ),
    ),
    Status.COMMITTEE_APPROVED: Step(
        "建管委审批",
        lambda p, c: services.project_approve(
            project=p, by=c[Role.CONSTRUCTION_DIRECTOR], body=Review.Kind.CONSTRUCTION, comment="同意"
        ),
    ),
    Status.CONSTRUCTION_APPROVED: Step(
        "党工委审批",
        lambda p, c: services.project_approve(
            project=p,
            by=c[Role.COMMITTEE_SECRETARY],
            body=Review.Kind.COMMITTEE,
            comment="同意实施",
            meeting_date=timezone.localdate(),
            meeting_attendees="党工委班子成员5人",
        ),
    ),
    Status.APPROVED: Step(
        "指派跟进并开始实施",
        lambda p, c: (
            services.followup_assign(project=p, by=c[Role.COMMITTEE_SECRETARY], person=c[Role.COMMITTEE_MEMBER]),
            services.project_start_execution(project=p, by=c[Role.COMMUNITY_SECRETARY]),
        ),
    ),
    Status.EXECUTING: Step(
        "完成申请验收",
        lambda p, c: (
            services.progress_record(
                project=p,
                by=c[Role.COMMITTEE_MEMBER],
                noted_on=timezone.localdate(),
                note="现场查看，按方案推进，居民反映良好。",
            ),
            services.project_request_inspection(project=p, by=c[Role.COMMUNITY_SECRETARY]),
        ),
        wait_days=3,
    ),
    Status.INSPECTION: Step(
        "验收",
        lambda p, c: services.inspection_record(
            project=p,
            by=c[Role.COMMITTEE_MEMBER],
            inspected_on=timezone.localdate(),
            inspectors="党工委班子成员、建管委工作人员、居民代表",
            quality_grade=Inspection.Grade.GOOD,
            quality_notes="按方案完成",
            respondents=30,
            satisfied=28,
            passed=True,
        ),
    ),
    Status.ACCEPTED: Step(
        "发票或无发票支付", lambda p, c: _invoice(p, c) if p.pays_by_invoice else _vouchers_and_settle(p, c)
    ),
    Status.INVOICE_SIGNING_1: Step(
        "社区书记签字", lambda p, c: services.invoice_sign(project=p, by=c[Role.COMMUNITY_SECRETARY])
    ),
    Status.INVOICE_SIGNING_2: Step(
        "建管委主任签字", lambda p, c: services.invoice_sign(project=p, by=c[Role.CONSTRUCTION_DIRECTOR])
    ),
    Status.INVOICE_SIGNING_3: Step(
        "党工委书记签字", lambda p, c: services.invoice_sign(project=p, by=c[Role.COMMITTEE_SECRETARY])
    ),
    Status.SIGNED: Step("结算", _settle),
    Status.PAID: Step(
        "完成公示",
        lambda p, c: services.project_start_completion_notice(project=p, by=c[Role.COMMUNITY_SECRETARY]),
        wait_working_days=3,
    ),
    Status.COMPLETION_NOTICE: Step(
        "归档", lambda p, c: services.project_close(project=p, by=c[Role.COMMUNITY_SECRETARY])
    ),
}


def next_day(day: datetime.date, step: Step, calendar: WorkingCalendar) -> datetime.date:
    """The first day the step after ``step`` may run: a notice must have run its full period."""
    if step.wait_working_days:
        return calendar.add_working_days(day, step.wait_working_days).date + datetime.timedelta(days=1)
    return day + datetime.timedelta(days=step.wait_days)


def take_step(project: Project, cast: Cast) -> Status:
    """Run the next step from the project's current state; return the new state."""
    project.refresh_from_db()
    STEPS[Status(project.status)].run(project, cast)
    project.refresh_from_db()
    return Status(project.status)
