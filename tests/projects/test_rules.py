"""The workflow's rules, each tested against the article it comes from."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from audit.models import AuditEvent
from fundadmin.roles import Role
from projects import services
from projects.models import ChangeRequest, Document, PlanVersion, Project, Review, Status
from projects.selectors import approval_deadline, approval_overdue
from tests.factories import FundYearFactory, grant, user_with_role

from .helpers import Clock, lines, new_project, patch_in_services, pdf, plan_fields, walk

pytestmark = pytest.mark.django_db


def test_status_cannot_be_assigned_directly(people, fund_year):
    project = new_project(people, fund_year)
    with pytest.raises(AttributeError):
        project.status = Status.APPROVED


# -- Art. 4, 8: what must be declared before submission ------------------------------------------


@pytest.mark.parametrize(
    "missing", ["decl_not_office", "decl_not_salary", "decl_not_government", "decl_not_funded", "decl_not_property"]
)
def test_art4_every_declaration_must_be_confirmed(people, fund_year, missing):
    project = new_project(people, fund_year, **{missing: False})
    with pytest.raises(ValidationError, match="第四条"):
        services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


def test_art8_category_required(people, fund_year):
    project = new_project(people, fund_year, category=None)
    with pytest.raises(ValidationError, match="第八条"):
        services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])


def test_budget_total_is_derived_and_must_be_positive(people, fund_year):
    project = services.project_create(
        community=fund_year.community,
        fund_year=fund_year,
        by=people[Role.COMMUNITY_SECRETARY],
        fields=plan_fields(),
        lines=[],
    )
    with pytest.raises(ValidationError, match="预算合计须大于零"):
        services.project_request_consent(project=project, by=people[Role.COMMUNITY_SECRETARY])
    services.project_update(
        project=project,
        by=people[Role.COMMUNITY_SECRETARY],
        fields={},
        lines=[services.LineInput("灯", Decimal("3"), Decimal("33.33"))],
    )
    assert project.budget_total == Decimal("99.99")


def test_draft_is_editable_until_submitted(people, fund_year):
    sec = people[Role.COMMUNITY_SECRETARY]
    project = new_project(people, fund_year)
    services.project_update(project=project, by=sec, fields={"title": "新名称"})
    services.project_request_consent(project=project, by=sec)
    with pytest.raises(ValidationError, match="不能再直接修改"):
        services.project_update(project=project, by=sec, fields={"title": "再改"})
    assert Project.objects.get(pk=project.pk).title == "新名称"


# -- Art. 7(2): the 20% cap on small-group projects ------------------------------------------------


def test_art7_small_group_cap_at_submission_and_approval(people, fund_year, time_machine):
    clock = Clock(time_machine)
    # fund = 100,000 → cap 20,000. A first small-group project of 15,000 passes.
    first = new_project(people, fund_year, is_small_group=True, small_group_justification="独居老人")
    services.project_update(project=first, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("15000.00"))
    walk(first, people, Status.APPROVED, clock)
    second = new_project(people, fund_year, is_small_group=True, small_group_justification="残疾人")
    services.project_update(project=second, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("6000.00"))
    with pytest.raises(ValidationError, match="20%") as exc:
        services.project_request_consent(project=second, by=people[Role.COMMUNITY_SECRETARY])
    assert exc.value.error_list[0].code == "small_group_cap"
    services.project_update(project=second, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("5000.00"))
    walk(second, people, Status.APPROVED, clock)  # exactly at the cap is allowed


def test_art7_cap_also_checked_at_approval_when_others_moved_first(people, fund_year, time_machine):
    clock = Clock(time_machine)
    a = new_project(people, fund_year, is_small_group=True, small_group_justification="x")
    b = new_project(people, fund_year, is_small_group=True, small_group_justification="y")
    for p in (a, b):
        services.project_update(project=p, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("12000.00"))
    walk(a, people, Status.SUBMITTED, clock)
    # b was submitted for consent before a counted against the cap... a is now in flight, so b is refused.
    with pytest.raises(ValidationError, match="20%"):
        walk(b, people, Status.SUBMITTED, clock)


def test_no_approval_beyond_available_money(people, fund_year, time_machine):
    clock = Clock(time_machine)
    big = new_project(people, fund_year)
    services.project_update(project=big, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("90000.00"))
    walk(big, people, Status.APPROVED, clock)
    second = new_project(people, fund_year)
    services.project_update(project=second, by=people[Role.COMMUNITY_SECRETARY], fields={}, lines=lines("20000.00"))
    with pytest.raises(ValidationError) as exc:
        walk(second, people, Status.APPROVED, clock)
    assert exc.value.error_list[0].code == "insufficient_funds"


# -- Art. 10: joint meeting, shelving, public notice ----------------------------------------------


def _to_consented(people, fund_year):
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENTED)
    return project


def test_art10_divided_meeting_shelves_then_new_meeting_resumes(people, fund_year, time_machine):
    Clock(time_machine)
    sec = people[Role.COMMUNITY_SECRETARY]
    project = _to_consented(people, fund_year)
    today = dt.date(2026, 11, 2)
    services.meeting_record(
        project=project,
        by=sec,
        held_on=today,
        attendees="x",
        attendee_count=10,
        votes_for=5,
        votes_against=4,
        votes_abstain=1,
        minutes="分歧较大",
    )
    assert Project.objects.get(pk=project.pk).status == Status.SHELVED
    services.meeting_record(
        project=project,
        by=sec,
        held_on=today,
        attendees="x",
        attendee_count=10,
        votes_for=8,
        votes_against=1,
        votes_abstain=1,
        minutes="达成一致",
    )
    assert Project.objects.get(pk=project.pk).status == Status.PUBLICITY


def test_art10_votes_cannot_exceed_attendance(people, fund_year):
    project = _to_consented(people, fund_year)
    with pytest.raises(ValidationError, match="参会人数"):
        services.meeting_record(
            project=project,
            by=people[Role.COMMUNITY_SECRETARY],
            held_on=dt.date(2026, 1, 5),
            attendees="x",
            attendee_count=5,
            votes_for=5,
            votes_against=1,
            votes_abstain=0,
            minutes="m",
        )
    assert not project.meetings.exists()


def test_art10_no_exit_from_publicity_before_three_working_days(people, fund_year, time_machine):
    clock = Clock(time_machine, start=dt.date(2026, 9, 30))  # National Day follows
    project = new_project(people, fund_year)
    walk(project, people, Status.PUBLICITY)
    notice = project.notices.get()
    assert notice.ends_on == dt.date(2026, 10, 10)
    sec = people[Role.COMMUNITY_SECRETARY]
    for day in (dt.date(2026, 10, 8), dt.date(2026, 10, 10)):
        clock.to(day)
        with pytest.raises(ValidationError, match="2026年10月10日"):
            services.project_submit_for_approval(project=project, by=sec)
    clock.to(dt.date(2026, 10, 11))
    services.project_submit_for_approval(project=project, by=sec)
    assert Project.objects.get(pk=project.pk).received_on == dt.date(2026, 10, 11)


# -- Art. 11: approval within 5 working days, both bodies, changes filed ---------------------------


def test_art11_approval_due_in_five_working_days_and_overdue_after(people, fund_year, time_machine):
    clock = Clock(time_machine, start=dt.date(2026, 9, 14))
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    project.refresh_from_db()
    received = project.received_on
    deadline = approval_deadline(project)
    assert deadline.date > received
    assert not approval_overdue(project, deadline.date)
    assert approval_overdue(project, deadline.date + dt.timedelta(days=1))


def test_art11_approval_received_before_national_day(people, fund_year):
    project = Project(received_on=dt.date(2026, 9, 29), status=Status.SUBMITTED)
    # Sep 30, Oct 8, 9, 10 (adjusted Saturday), 12.
    assert approval_deadline(project).date == dt.date(2026, 10, 12)


def test_art11_both_bodies_must_approve_in_either_order(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    services.project_approve(project=project, by=people[Role.CONSTRUCTION_DIRECTOR], body=Review.Kind.CONSTRUCTION)
    assert Project.objects.get(pk=project.pk).status == Status.CONSTRUCTION_APPROVED
    services.project_approve(
        project=project,
        by=people[Role.COMMITTEE_SECRETARY],
        body=Review.Kind.COMMITTEE,
        meeting_date=clock.day,
        meeting_attendees="班子成员",
    )
    project.refresh_from_db()
    assert project.status == Status.APPROVED and project.approved_amount == Decimal("6000.00")


def test_art11_committee_approval_needs_its_meeting(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    with pytest.raises(ValidationError, match="班子会议"):
        services.project_approve(project=project, by=people[Role.COMMITTEE_SECRETARY], body=Review.Kind.COMMITTEE)


@pytest.mark.parametrize("body", [Review.Kind.COMMITTEE, Review.Kind.CONSTRUCTION])
def test_art11_an_overdue_approval_needs_the_reason_it_is_late_and_the_trail_keeps_it(
    people, fund_year, time_machine, body
):
    """Art. 11: within 5 working days of receipt. After that an approval still counts, but it
    says why it is late, and the trail reads it back."""
    from audit.sentences import sentence

    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    due = approval_deadline(Project.objects.get(pk=project.pk)).date
    clock.to(due + dt.timedelta(days=1))
    by = people[Role.COMMITTEE_SECRETARY if body == Review.Kind.COMMITTEE else Role.CONSTRUCTION_DIRECTOR]
    meeting = {"meeting_date": clock.day, "meeting_attendees": "班子成员5人"} if body == Review.Kind.COMMITTEE else {}
    events = AuditEvent.objects.count()
    for missing in ("", "   "):
        with pytest.raises(ValidationError, match="请填写逾期办理的原因"):
            services.project_approve(project=project, by=by, body=body, late_reason=missing, **meeting)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED and AuditEvent.objects.count() == events
    assert not Review.objects.filter(project=project, kind=body).exists()

    services.project_approve(
        project=project, by=by, body=body, late_reason="书记外出学习，返回后即召开班子会议", **meeting
    )
    event = AuditEvent.objects.filter(project_id=project.pk, action__startswith="project.approve_for").get()
    assert event.changes["late"] is True and event.changes["late_reason"] == "书记外出学习，返回后即召开班子会议"
    assert "逾期办理，逾期原因：“书记外出学习，返回后即召开班子会议”" in sentence(event)


def test_art11_an_approval_on_time_asks_no_reason(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    clock.to(approval_deadline(Project.objects.get(pk=project.pk)).date)  # the last day still counts
    services.project_approve(project=project, by=people[Role.CONSTRUCTION_DIRECTOR], body=Review.Kind.CONSTRUCTION)
    event = AuditEvent.objects.get(project_id=project.pk, action="project.approve_for_construction")
    assert event.changes["late"] is False and "late_reason" not in event.changes


def test_art11_return_and_reject_need_a_reason(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    director = people[Role.CONSTRUCTION_DIRECTOR]
    with pytest.raises(ValidationError):
        services.project_send_back(project=project, by=director, body=Review.Kind.CONSTRUCTION, reason=" ")
    services.project_send_back(
        project=project, by=director, body=Review.Kind.CONSTRUCTION, reason="超出范围", reject=True
    )
    assert Project.objects.get(pk=project.pk).status == Status.REJECTED


def test_proposer_never_approves_own_project(community, fund_year, people, time_machine):
    clock = Clock(time_machine)
    # One person who is both the community's secretary and the committee's secretary.
    both = user_with_role(Role.COMMUNITY_SECRETARY, community)
    grant(both, Role.COMMITTEE_SECRETARY, community.committee)
    people = {**people, Role.COMMUNITY_SECRETARY: both}
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    with pytest.raises(PermissionDenied, match="提议人"):
        services.project_approve(
            project=project,
            by=both,
            body=Review.Kind.COMMITTEE,
            meeting_date=clock.day,
            meeting_attendees="x",
        )


def test_art11_change_is_consented_and_versioned_never_overwritten(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.EXECUTING, clock)
    change = services.change_request_submit(
        project=project,
        by=people[Role.COMMUNITY_SECRETARY],
        reason="材料涨价",
        description="增加灯具",
        new_amount=Decimal("7000.00"),
    )
    with pytest.raises(ValidationError, match="待党工委决定"):
        services.project_request_inspection(project=project, by=people[Role.COMMUNITY_SECRETARY])
    services.change_request_decide(change=change, by=people[Role.COMMITTEE_MEMBER], consent=True, comment="同意")
    project.refresh_from_db()
    assert project.approved_amount == Decimal("7000.00")
    versions = list(PlanVersion.objects.filter(project=project).values_list("number", "amount"))
    assert versions == [(1, Decimal("6000.00")), (2, Decimal("7000.00"))]
    assert ChangeRequest.objects.get(pk=change.pk).plan_version.number == 2


def test_art11_change_beyond_available_money_is_refused(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.EXECUTING, clock)
    change = services.change_request_submit(
        project=project,
        by=people[Role.COMMUNITY_SECRETARY],
        reason="r",
        description="d",
        new_amount=Decimal("200000.00"),
    )
    with pytest.raises(ValidationError) as exc:
        services.change_request_decide(change=change, by=people[Role.COMMITTEE_MEMBER], consent=True)
    assert exc.value.error_list[0].code == "insufficient_funds"
    assert Project.objects.get(pk=project.pk).approved_amount == Decimal("6000.00")


# -- Art. 12: follow-up, acceptance ----------------------------------------------------------------


def test_art12_execution_needs_a_followup_person(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.APPROVED, clock)
    with pytest.raises(ValidationError, match="跟进专人"):
        services.project_start_execution(project=project, by=people[Role.COMMUNITY_SECRETARY])


def test_art12_only_the_followup_person_records_progress(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.EXECUTING, clock)
    with pytest.raises(PermissionDenied):
        services.progress_record(project=project, by=people[Role.COMMITTEE_SECRETARY], noted_on=clock.day, note="x")
    services.progress_record(project=project, by=people[Role.COMMITTEE_MEMBER], noted_on=clock.day, note="灯具已到货")
    assert project.progress_notes.count() == 1


def test_art12_failed_inspection_sends_back_to_execution(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.INSPECTION, clock)
    services.inspection_record(
        project=project,
        by=people[Role.COMMITTEE_MEMBER],
        inspected_on=clock.day,
        inspectors="x",
        quality_grade="fail",
        quality_notes="",
        respondents=10,
        satisfied=3,
        passed=False,
        rectification="补装两盏灯",
    )
    assert Project.objects.get(pk=project.pk).status == Status.EXECUTING


# -- Art. 13: three signatures in order, amounts, no-invoice path ----------------------------------


def test_art13_signatures_in_order_by_three_people(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.INVOICE_SIGNING_1, clock)
    with pytest.raises(PermissionDenied):  # the director cannot sign first
        services.invoice_sign(project=project, by=people[Role.CONSTRUCTION_DIRECTOR])
    services.invoice_sign(project=project, by=people[Role.COMMUNITY_SECRETARY])
    with pytest.raises(PermissionDenied):  # nor the committee secretary second
        services.invoice_sign(project=project, by=people[Role.COMMITTEE_SECRETARY])


def test_art13_one_person_cannot_sign_twice(community, people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.INVOICE_SIGNING_2, clock)
    # The community secretary also becomes construction director: still may not sign a second time.
    grant(people[Role.COMMUNITY_SECRETARY], Role.CONSTRUCTION_DIRECTOR, community.committee)
    from fundadmin.models import User

    sec = User.objects.get(pk=people[Role.COMMUNITY_SECRETARY].pk)
    with pytest.raises((ValidationError, PermissionDenied)):
        services.invoice_sign(project=project, by=sec)


def test_art13_invoice_cannot_exceed_approved_amount(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.ACCEPTED, clock)
    sec = people[Role.COMMUNITY_SECRETARY]
    services.document_upload(project=project, by=sec, kind=Document.Kind.INVOICE, upload=pdf())
    with pytest.raises(ValidationError, match="超过批准金额"):
        services.invoice_submit(
            project=project, by=sec, number="1", issued_on=clock.day, amount=Decimal("6000.01"), issuer="x"
        )


def test_art13_no_invoice_path_needs_its_three_vouchers(people, fund_year, time_machine):
    clock = Clock(time_machine)
    from projects.models import ContractorKind

    project = new_project(people, fund_year, contractor_kind=ContractorKind.INDIVIDUAL, contractor_name="李师傅")
    walk(project, people, Status.ACCEPTED, clock)
    with pytest.raises(ValidationError, match="领款人签字"):
        services.settlement_record(
            project=project,
            by=people[Role.FINANCE],
            amount=Decimal("6000.00"),
            paid_on=clock.day,
            method="cash",
            reference="1",
            payee="李师傅",
        )
    assert not hasattr(Project.objects.get(pk=project.pk), "settlement")


# -- every transition leaves exactly one complete event; failures leave nothing --------------------


def test_every_transition_records_who_as_what_from_to(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENTED, clock)
    event = AuditEvent.objects.filter(project_id=project.pk, action="project.consent").get()
    assert event.actor == people[Role.COMMITTEE_MEMBER]
    assert event.actor_role == "党工委班子成员" and event.actor_scope == str(fund_year.community.committee)
    assert event.changes["from"] == Status.CONSENT_REQUESTED and event.changes["to"] == Status.CONSENTED


def test_failure_mid_transition_leaves_nothing_half_done(people, fund_year, time_machine, monkeypatch):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENTED, clock)
    before = AuditEvent.objects.count()

    def boom(**kwargs):
        raise RuntimeError("notice board on fire")

    patch_in_services(monkeypatch, "notice_publish_for_project", boom)
    with pytest.raises(RuntimeError):
        services.meeting_record(
            project=project,
            by=people[Role.COMMUNITY_SECRETARY],
            held_on=dt.date(2026, 11, 2),
            attendees="x",
            attendee_count=10,
            votes_for=9,
            votes_against=0,
            votes_abstain=1,
            minutes="m",
        )
    project.refresh_from_db()
    assert project.status == Status.CONSENTED
    assert not project.meetings.exists() and AuditEvent.objects.count() == before


def test_acting_twice_gives_one_step_and_a_clear_message(people, fund_year):
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENT_REQUESTED)
    stale = Project.objects.get(pk=project.pk)
    services.project_consent(project=project, by=people[Role.COMMITTEE_MEMBER])
    with pytest.raises(ValidationError, match="可能已被他人办理"):
        services.project_consent(project=stale, by=people[Role.COMMITTEE_SECRETARY])
    assert AuditEvent.objects.filter(project_id=project.pk, action="project.consent").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approval_on_postgres(people, fund_year):
    """Two committee leaders press 'approve' at the same moment: one wins, one gets a message."""
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENT_REQUESTED)
    barrier = threading.Barrier(2)
    results = []

    def act(user):
        try:
            barrier.wait()
            services.project_consent(project=Project.objects.get(pk=project.pk), by=user)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(people[r],)) for r in (Role.COMMITTEE_MEMBER, Role.COMMITTEE_SECRETARY)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=len)[0] == "ok" and results.count("ok") == 1
    assert AuditEvent.objects.filter(project_id=project.pk, action="project.consent").count() == 1


# -- documents (Art. 17) ---------------------------------------------------------------------------


def test_documents_are_checked_by_content_and_hashed(people, fund_year):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = new_project(people, fund_year)
    sec = people[Role.COMMUNITY_SECRETARY]
    exe = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    with pytest.raises(ValidationError, match="按文件内容判断"):
        services.document_upload(project=project, by=sec, kind=Document.Kind.OTHER, upload=exe)
    doc = services.document_upload(project=project, by=sec, kind=Document.Kind.OTHER, upload=pdf())
    import hashlib

    from .helpers import PDF

    assert doc.sha256 == hashlib.sha256(PDF).hexdigest() and doc.content_type == "application/pdf"


def test_documents_lock_when_their_stage_is_passed(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    sec = people[Role.COMMUNITY_SECRETARY]
    walk(project, people, Status.CONSENTED, clock)
    minutes = services.document_upload(project=project, by=sec, kind=Document.Kind.MEETING_MINUTES, upload=pdf())
    walk(project, people, Status.PUBLICITY, clock)
    with pytest.raises(ValidationError, match="已锁定"):
        services.document_upload(
            project=project, by=sec, kind=Document.Kind.MEETING_MINUTES, upload=pdf(), replaces=minutes
        )


def test_upload_size_limit(people, fund_year, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.FUNDADMIN_MAX_UPLOAD_BYTES = 100
    project = new_project(people, fund_year)
    big = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 200)
    with pytest.raises(ValidationError, match="上限"):
        services.document_upload(project=project, by=people[Role.COMMUNITY_SECRETARY], kind="other", upload=big)


def test_project_numbers_are_sequential_per_community_and_year(people, fund_year):
    a, b = new_project(people, fund_year), new_project(people, fund_year)
    assert a.number.endswith("-2026-001") and b.number.endswith("-2026-002")
    other_year = FundYearFactory(community=fund_year.community, year=2027)
    assert new_project(people, other_year).number.endswith("-2027-001")


def test_art13_a_closed_year_approves_nothing(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    from fundadmin.models import FundYear

    # Closed by the ledger's year-end close (here set directly: the close refuses open commitments).
    FundYear.objects.filter(pk=fund_year.pk).update(closed_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
    with pytest.raises(ValidationError, match="已结转"):
        services.project_approve(project=project, by=people[Role.CONSTRUCTION_DIRECTOR], body=Review.Kind.CONSTRUCTION)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


# -- from review: ways around the rules, closed -------------------------------------------------


def test_art10_an_old_rounds_notice_never_clears_a_new_plan(people, fund_year, time_machine):
    clock = Clock(time_machine)
    sec = people[Role.COMMUNITY_SECRETARY]
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    services.project_send_back(
        project=project, by=people[Role.CONSTRUCTION_DIRECTOR], body=Review.Kind.CONSTRUCTION, reason="预算需细化"
    )
    walk(project, people, Status.PUBLICITY)  # a new round: new meeting, new notice posted today
    from publicity.models import Notice
    from publicity.services import notice_withdraw

    current = Notice.objects.filter(project=project).order_by("-pk").first()
    notice_withdraw(notice=current, by=sec, reason="张贴有误")
    with pytest.raises(ValidationError, match="尚未张贴公示"):
        services.project_submit_for_approval(project=project, by=sec)


def test_art11_one_person_never_gives_both_approvals(community, people, fund_year, time_machine):
    clock = Clock(time_machine)
    both = user_with_role(Role.COMMITTEE_SECRETARY, community)
    grant(both, Role.CONSTRUCTION_DIRECTOR, community.committee)
    from fundadmin.models import User

    both = User.objects.get(pk=both.pk)
    project = new_project(people, fund_year)
    walk(project, people, Status.SUBMITTED, clock)
    services.project_approve(
        project=project, by=both, body=Review.Kind.COMMITTEE, meeting_date=clock.day, meeting_attendees="班子成员"
    )
    with pytest.raises(PermissionDenied, match="两人分别"):
        services.project_approve(project=project, by=both, body=Review.Kind.CONSTRUCTION)
    assert Project.objects.get(pk=project.pk).status == Status.COMMITTEE_APPROVED


def test_a_role_that_ended_acts_on_nothing_even_before_the_nightly_sync(community, people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENT_REQUESTED, clock)
    leaving = user_with_role(Role.COMMITTEE_MEMBER, community, valid_until=clock.day)
    clock.after(1)  # the role ended yesterday; sync_role_permissions has not run yet
    with pytest.raises(PermissionDenied, match="有效的角色任命"):
        services.project_consent(project=project, by=leaving)


def test_art10_the_meeting_cannot_predate_the_consent(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.CONSENTED, clock)
    with pytest.raises(ValidationError) as exc:
        services.meeting_record(
            project=project,
            by=people[Role.COMMUNITY_SECRETARY],
            held_on=dt.date(2020, 1, 1),
            attendees="x",
            attendee_count=10,
            votes_for=9,
            votes_against=0,
            votes_abstain=1,
            minutes="m",
        )
    assert exc.value.error_list[0].code == "stale_meeting"


def test_withdrawing_during_publicity_takes_the_notice_down(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.PUBLICITY, clock)
    services.project_withdraw(project=project, by=people[Role.COMMUNITY_SECRETARY], reason="需求已解决")
    notice = project.notices.get()
    assert notice.withdrawn_at is not None and "需求已解决" in notice.withdrawn_reason


def test_art5_allocation_cannot_fall_below_what_is_committed(people, fund_year, time_machine):
    from fundadmin.services import fund_year_set_allocation

    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.APPROVED, clock)
    with pytest.raises(ValidationError) as exc:
        fund_year_set_allocation(community=fund_year.community, year=2026, allocation=Decimal("50000.00"), by=None)
    assert exc.value.error_list[0].code == "below_received"


def test_art10_a_provisional_notice_end_is_counted_again_once_the_calendar_is_known(people, fund_year, time_machine):
    from fundadmin.services import calendar_import_csv

    clock = Clock(time_machine, start=dt.date(2026, 12, 28))
    project = new_project(people, fund_year)
    walk(project, people, Status.PUBLICITY)  # posted Mon 28 Dec: Dec 29, 30, 31 — not provisional
    clock.to(dt.date(2026, 12, 30))
    project2 = new_project(people, fund_year, title="跨年项目")
    walk(project2, people, Status.PUBLICITY)  # posted Wed 30 Dec: Dec 31, Jan 1 (a guess), Jan 4
    notice = project2.notices.get()
    assert notice.ends_provisional and notice.ends_on == dt.date(2027, 1, 4)
    calendar_import_csv(text="date,kind,name\n2027-01-01,holiday,元旦\n", by=None, source="国办通知")
    clock.to(dt.date(2027, 1, 5))  # the stored end has passed, but Jan 1 was a holiday: ends Jan 5
    with pytest.raises(ValidationError, match="2027年1月5日"):
        services.project_submit_for_approval(project=project2, by=people[Role.COMMUNITY_SECRETARY])
