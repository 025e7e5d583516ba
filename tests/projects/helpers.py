"""Drive a project through the real services, moving the clock as the process needs."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from fundadmin.models import SpendingCategory
from fundadmin.roles import Role
from projects import services
from projects.models import ContractorKind, Document, Project, Review, Status
from projects.services import LineInput

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

DECLARED = {
    name: True
    for name in ("decl_not_office", "decl_not_salary", "decl_not_government", "decl_not_funded", "decl_not_property")
}


def plan_fields(**overrides):
    fields = {
        "title": "老旧小区楼道照明改造",
        "category": SpendingCategory.objects.get(number=4),
        "description": "为3栋老楼更换声控灯",
        "spending_plan": "购买灯具并请电工安装",
        "beneficiaries": "3栋楼住户",
        "beneficiary_count": 120,
        "contractor_kind": ContractorKind.ORGANISATION,
        "contractor_name": "示例电气服务有限公司",
        **DECLARED,
    }
    fields.update(overrides)
    return fields


def lines(total="6000.00"):
    return [LineInput(item="声控灯及安装", quantity=Decimal("1"), unit="批", unit_price=Decimal(total))]


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class Clock:
    """Moves a time_machine traveller forward by whole days, at 10:00 Beijing time."""

    def __init__(self, traveller, start=dt.date(2026, 11, 2)):
        self.traveller, self.day = traveller, start
        self._apply()

    def _apply(self):
        self.traveller.move_to(dt.datetime.combine(self.day, dt.time(10), tzinfo=dt.timezone(dt.timedelta(hours=8))))

    def to(self, day):
        self.day = day
        self._apply()

    def after(self, days=1):
        self.to(self.day + dt.timedelta(days=days))


def new_project(people, fund_year, **overrides):
    return services.project_create(
        community=fund_year.community,
        fund_year=fund_year,
        by=people[Role.COMMUNITY_SECRETARY],
        fields=plan_fields(**overrides),
        lines=lines(overrides.pop("total", "6000.00") if "total" in overrides else "6000.00"),
    )


def walk(project, people, until, clock=None):
    """Take ``project`` through the process until it reaches ``until`` (a Status)."""
    p = people
    sec, member, csec = p[Role.COMMUNITY_SECRETARY], p[Role.COMMITTEE_MEMBER], p[Role.COMMITTEE_SECRETARY]
    director, finance = p[Role.CONSTRUCTION_DIRECTOR], p[Role.FINANCE]

    def at(status):
        project.refresh_from_db()
        return project.status == until or (project.status == status and status == until)

    steps = [
        (Status.DRAFT, lambda: services.project_request_consent(project=project, by=sec)),
        (Status.CONSENT_REQUESTED, lambda: services.project_consent(project=project, by=member, comment="同意")),
        (
            Status.CONSENTED,
            lambda: services.meeting_record(
                project=project,
                by=sec,
                held_on=_today(),
                attendees="两委委员、居民代表",
                attendee_count=15,
                votes_for=12,
                votes_against=2,
                votes_abstain=1,
                minutes="同意实施",
            ),
        ),
        (
            Status.PUBLICITY,
            lambda: (clock.after(7) if clock else None, services.project_submit_for_approval(project=project, by=sec)),
        ),
        (
            Status.SUBMITTED,
            lambda: services.project_approve(
                project=project,
                by=csec,
                body=Review.Kind.COMMITTEE,
                meeting_date=_today(),
                meeting_attendees="党工委班子成员5人",
            ),
        ),
        (
            Status.COMMITTEE_APPROVED,
            lambda: services.project_approve(project=project, by=director, body=Review.Kind.CONSTRUCTION),
        ),
        (
            Status.APPROVED,
            lambda: (
                services.followup_assign(project=project, by=csec, person=member),
                services.project_start_execution(project=project, by=sec),
            ),
        ),
        (Status.EXECUTING, lambda: services.project_request_inspection(project=project, by=sec)),
        (
            Status.INSPECTION,
            lambda: services.inspection_record(
                project=project,
                by=member,
                inspected_on=_today(),
                inspectors="党工委、居民代表",
                quality_grade="good",
                quality_notes="",
                respondents=30,
                satisfied=28,
                passed=True,
            ),
        ),
        (Status.ACCEPTED, lambda: _pay(project, p)),
        (Status.INVOICE_SIGNING_1, lambda: services.invoice_sign(project=project, by=sec)),
        (Status.INVOICE_SIGNING_2, lambda: services.invoice_sign(project=project, by=director)),
        (Status.INVOICE_SIGNING_3, lambda: services.invoice_sign(project=project, by=csec)),
        (
            Status.SIGNED,
            lambda: services.settlement_record(
                project=project,
                by=finance,
                amount=project.invoice.amount,
                paid_on=_today(),
                method="transfer",
                reference="ZZ-001",
                payee=project.contractor_name,
            ),
        ),
        (Status.PAID, lambda: services.project_start_completion_notice(project=project, by=sec)),
        (
            Status.COMPLETION_NOTICE,
            lambda: (clock.after(7) if clock else None, services.project_close(project=project, by=sec)),
        ),
    ]
    for status, step in steps:
        project.refresh_from_db()
        if project.status == until:
            return project
        if project.status == status:
            step()
    project.refresh_from_db()
    assert project.status == until, f"stopped at {project.status}, wanted {until}"
    return project


def _pay(project, people):
    sec, finance = people[Role.COMMUNITY_SECRETARY], people[Role.FINANCE]
    project.refresh_from_db()
    if project.pays_by_invoice:
        services.document_upload(project=project, by=sec, kind=Document.Kind.INVOICE, upload=pdf("invoice.pdf"))
        services.invoice_submit(
            project=project,
            by=sec,
            number="No.12345678",
            issued_on=_today(),
            amount=project.approved_amount,
            issuer=project.contractor_name,
        )
    else:
        for kind in (Document.Kind.PAYMENT_DECISION, Document.Kind.SIGNED_PROOF, Document.Kind.PAYEE_SIGNATURE):
            services.document_upload(project=project, by=sec, kind=kind, upload=pdf())
        services.settlement_record(
            project=project,
            by=finance,
            amount=project.approved_amount,
            paid_on=_today(),
            method="cash",
            reference="XJ-001",
            payee=project.contractor_name,
        )


def _today():
    from django.utils import timezone

    return timezone.localdate()


def fresh(project):
    return Project.objects.get(pk=project.pk)
