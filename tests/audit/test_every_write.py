"""Every kind of write appends exactly one event of its kind (issue 6, Art. 17–19).

Each row runs one write and compares the trail before and after: the new events must be exactly
the listed actions (a step that is two writes — a meeting that posts the plan notice — lists both).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import chain_verify, chain_verify_and_store
from fundadmin import services as core
from fundadmin.models import RoleAssignment, SpecialDay
from fundadmin.roles import Role
from ledger.models import JournalEntry, Kind
from ledger.services import appropriation_record, entry_reverse
from projects import services as workflow
from projects.models import Document, Status
from publicity import services as publicity
from publicity.models import Notice, Objection
from supervision import services as supervision
from tests.factories import FundYearFactory, UserFactory
from tests.projects.helpers import new_project, pdf, walk

pytestmark = pytest.mark.django_db


def new_actions(write) -> list[str]:
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    write()
    return list(AuditEvent.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True))


def test_role_grant_and_revoke(community):
    user = UserFactory()
    granted = []
    assert new_actions(
        lambda: granted.append(core.role_grant(user=user, role=Role.SUPERVISOR, by=None, community=community))
    ) == ["role.grant"]
    assert new_actions(lambda: core.role_revoke(assignment=granted[0], by=None, reason="换届")) == ["role.revoke"]
    assert RoleAssignment.objects.get(pk=granted[0].pk).revoked_at is not None


def test_fund_year_setting(community):
    def write():
        core.fund_year_set_allocation(community=community, year=2027, allocation=Decimal("80000.00"), by=None)

    assert new_actions(write) == ["fund_year.set_allocation"]
    assert new_actions(write) == []  # nothing changed, nothing written


def test_calendar_import_and_admin_edits(client, db):
    csv = "date,kind,name\n2027-01-01,holiday,元旦\n"
    assert new_actions(lambda: core.calendar_import_csv(text=csv, by=None, source="测试")) == ["calendar.import"]
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    add = reverse("admin:fundadmin_specialday_add")
    data = {"date": "2027-02-06", "kind": "workday", "name": "调休"}
    assert new_actions(lambda: client.post(add, data)) == ["calendar.day_edit"]
    day = SpecialDay.objects.get(date=dt.date(2027, 2, 6))
    delete = reverse("admin:fundadmin_specialday_delete", args=[day.pk])
    assert new_actions(lambda: client.post(delete, {"post": "yes"})) == ["calendar.day_delete"]


def test_failed_login(client, db):
    UserFactory(username="someone")
    write = lambda: client.post(reverse("login"), {"username": "someone", "password": "wrong"})  # noqa: E731
    assert new_actions(write) == ["auth.login_failed"]


def test_project_transitions_meetings_notices_documents(people, fund_year, clock):
    project = new_project(people, fund_year)
    sec = people[Role.COMMUNITY_SECRETARY]
    assert new_actions(lambda: workflow.project_request_consent(project=project, by=sec)) == ["project.request_consent"]
    walk(project, people, Status.CONSENTED, clock)
    meeting = lambda: workflow.meeting_record(  # noqa: E731
        project=project,
        by=sec,
        held_on=clock.day,
        attendees="两委、居民代表",
        attendee_count=10,
        votes_for=8,
        votes_against=1,
        votes_abstain=1,
        minutes="同意",
    )
    assert new_actions(meeting) == ["project.record_meeting", "notice.publish"]
    upload = lambda: workflow.document_upload(project=project, by=sec, kind=Document.Kind.NOTICE_PHOTO, upload=pdf())  # noqa: E731
    assert new_actions(upload) == ["document.upload"]
    notice = Notice.objects.get(project=project)
    objection = []
    submit = lambda: objection.append(publicity.objection_submit(notice=notice, text="有异议"))  # noqa: E731
    assert new_actions(submit) == ["objection.submit"]
    answer = lambda: publicity.objection_answer(objection=objection[0], by=sec, answer="已说明")  # noqa: E731
    assert new_actions(answer) == ["objection.answer"]
    decide = lambda: workflow.objection_decide(  # noqa: E731
        objection=objection[0], by=people[Role.COMMITTEE_SECRETARY], upheld=False, decision="不成立"
    )
    assert new_actions(decide) == ["objection.dismiss"]
    assert Objection.objects.get().state == Objection.State.DISMISSED


def test_ledger_entries_and_reversals(people, community, clock):
    fund_year = FundYearFactory(community=community)
    write = lambda: appropriation_record(  # noqa: E731
        fund_year=fund_year, amount=Decimal("100000.00"), entry_date=dt.date(2026, 1, 5), by=people[Role.FINANCE]
    )
    assert new_actions(write) == ["ledger.appropriation"]
    project = walk(new_project(people, fund_year), people, Status.SIGNED, clock)
    settle = lambda: workflow.settlement_record(  # noqa: E731
        project=project,
        by=people[Role.FINANCE],
        amount=project.invoice.amount,
        paid_on=clock.day,
        method="transfer",
        reference="ZZ-9",
        payee=project.contractor_name,
    )
    assert new_actions(settle) == ["project.settle", "ledger.payment"]
    entry = JournalEntry.objects.get(kind=Kind.PAYMENT)
    reverse_it = lambda: entry_reverse(entry=entry, reason="金额有误", by=people[Role.FINANCE])  # noqa: E731
    assert new_actions(reverse_it) == ["ledger.reverse"]


def test_supervision_writes(people, fund_year, clock, time_machine):
    project = walk(new_project(people, fund_year), people, Status.PUBLICITY, clock)
    opinion = []
    record = lambda: opinion.append(  # noqa: E731
        supervision.opinion_record(
            community=fund_year.community,
            by=people[Role.SUPERVISOR],
            subject="project",
            addressed_to="community",
            text="请说明",
            project=project,
        )
    )
    assert new_actions(record) == ["opinion.record"]
    answer = lambda: supervision.opinion_answer(opinion=opinion[0], by=people[Role.COMMUNITY_SECRETARY], answer="好")  # noqa: E731
    assert new_actions(answer) == ["opinion.answer"]
    report = []
    submit = lambda: report.append(  # noqa: E731
        supervision.annual_report_submit(fund_year=fund_year, by=people[Role.COMMUNITY_SECRETARY], narrative="总结")
    )
    assert new_actions(submit) == ["annual_report.submit"]
    evaluate = lambda: supervision.report_evaluate(  # noqa: E731
        report=report[0], by=people[Role.COMMITTEE_SECRETARY], score=90, grade="", comments="好"
    )
    assert new_actions(evaluate) == ["annual_report.evaluate"]
    assert new_actions(lambda: chain_verify_and_store(by=people[Role.SUPERVISOR])) == ["audit.verify"]
    assert chain_verify().ok
