"""Hostile input for every other form a staff member or a resident submits (the project form and the
public needs form are in test_hostile_input.py).

Each test puts an object in the state where the form is offered, logs in the person who fills it
in, and lets hypothesis type into it: plausible values in hostile spellings (full-width digits,
thousands separators, "元", padding, markup, template syntax, RTL and zero-width marks, NULs,
emoji), with up to two fields anything at all. Every example runs in a savepoint that is rolled
back, so each one meets the same state. The guard, through the Django test client:

- never a 500;
- what the form refuses changes nothing (no row, no trail event, no state change);
- what the form accepts is either refused by the service with a message (nothing changes) or
  stored exactly as the form cleaned it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from audit.models import AuditEvent
from fundadmin.roles import Role
from ledger import forms as ledger_forms
from ledger.models import JournalEntry, Kind
from ledger.services import appropriation_record
from projects import services as project_services
from projects.actions import PAGE_STEPS, form_for
from projects.models import (
    ChangeRequest,
    Document,
    Inspection,
    Invoice,
    JointMeeting,
    ProgressNote,
    Project,
    Review,
    Settlement,
    Status,
)
from publicity import services as publicity_services
from publicity.forms import AnnualPublishForm, CorrectionForm, DecisionForm, ObjectionForm, StaffNeedForm
from publicity.forms import AnswerForm as PublicityAnswerForm
from publicity.forms import ReasonForm as PublicityReasonForm
from publicity.models import Need, Notice, Objection
from supervision import services as supervision_services
from supervision.forms import AnswerForm as SupervisionAnswerForm
from supervision.forms import EvaluationForm, OpinionForm, ReportForm
from supervision.models import AnnualReport, Opinion, ReportEvaluation
from tests.factories import FundYearFactory, user_with_role
from tests.guards.test_hostile_input import FULLWIDTH, HOSTILE, amount, date, text
from tests.projects.helpers import new_project, pdf, walk

SOME = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# -- strategies -------------------------------------------------------------------------------------

short = st.tuples(st.sampled_from(["A", "甲", "发票"]), st.sampled_from(HOSTILE), st.text(max_size=8)).map("".join)
longer = st.tuples(st.sampled_from(["会议", "说明", "x"]), text).map("".join)
number = st.one_of(
    st.integers().map(str),
    st.integers(-3, 30).map(str),
    st.sampled_from(["１５", "1e3", "9" * 30, "-0", "3.0", "", " 7 ", "٣", "NaN", "0x10", "1_000"]),
    text,
)
SPELLINGS: dict[str, Callable[[dt.date], str]] = {
    "iso": dt.date.isoformat,
    "fullwidth": lambda d: d.isoformat().translate(FULLWIDTH).replace("-", "－"),
    "fullwidth_digits": lambda d: d.isoformat().translate(FULLWIDTH),
    "padded": lambda d: f"  {d.isoformat()}\u3000",
    "slashes": lambda d: d.strftime("%Y/%m/%d"),
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
}
# A day near "today" (days back, spelling), resolved against the frozen clock inside the test.
near = st.tuples(st.integers(-20, 2), st.sampled_from(["iso", "iso", "padded", "slashes", *sorted(SPELLINGS)]))


def day(value, today: dt.date) -> str:
    if isinstance(value, tuple):
        back, spelling = value
        return SPELLINGS[spelling](today + dt.timedelta(days=back))
    return value


def around(limit: int):
    """Text just under, at and just over a length limit."""
    return st.tuples(st.integers(limit - 5, limit + 5), st.sampled_from(["长", "a", "😀", "\u202e"])).map(
        lambda t: t[1] * t[0]
    )


def plausible_money(top: int):
    value = st.decimals(min_value="0.01", max_value=top, places=2, allow_nan=False)
    return st.one_of(
        value.map(str),
        value.map(str),
        value.map(lambda d: f"{d:,}"),
        value.map(lambda d: str(d).translate(FULLWIDTH)),
        value.map(lambda d: f" {d}元 "),
    )


def form_data(good: dict, wild: dict, max_wild: int = 2):
    """Plausible values for every field, then up to ``max_wild`` fields anything at all."""
    wilds = st.lists(st.sampled_from(sorted(wild)), max_size=max_wild, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: wild[k] for k in keys})
    )
    return st.tuples(st.fixed_dictionaries(good), wilds).map(lambda t: {**t[0], **t[1]})


# -- the harness ------------------------------------------------------------------------------------


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example meets the same state: whatever it wrote is undone."""
    with transaction.atomic():
        cache.clear()  # the public rate limit counts per example
        yield
        transaction.set_rollback(True)


def footprint(*models) -> tuple:
    """Every write lands in the trail; the watched tables catch one that would not."""
    return (AuditEvent.objects.count(), *(m.objects.count() for m in models))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(client: Client, url: str, data: dict, form, *models, state: Callable[[], object] = lambda: None):
    """POST ``data`` as the form's user would. ``form`` is the same form bound to the same data in
    the same state as the view sees it. Returns the cleaned data when something was stored, else None."""
    valid = form.is_valid()  # before the post: some forms read the state the post changes
    before, state_before = footprint(*models), state()
    response = client.post(url, data)
    assert response.status_code in (200, 302, 400, 403), response.status_code
    changed = footprint(*models) != before or state() != state_before
    event("form refused" if not valid else "stored" if changed else "service refused")
    if not valid:
        assert not changed, f"refused input changed the database: {form.errors.as_data()}"
        return None
    if changed:
        # A service that refuses after validation rolls everything back; half-writes show here.
        assert response.status_code == 302, response.status_code
        return form.cleaned_data
    return None


def status_of(project: Project) -> Callable[[], str]:
    return lambda: Project.objects.values_list("status", flat=True).get(pk=project.pk)


def act(project: Project, user, action: str, data: dict, *models):
    form = form_for(PAGE_STEPS[action], project, data)
    return submit(login(user), f"/projects/{project.pk}/act/{action}/", data, form, *models, state=status_of(project))


# -- the states the forms are offered in ------------------------------------------------------------


@pytest.fixture
def at(people, fund_year_with_money, clock):
    """A project walked to ``status`` through the real services, then ``days`` later. Hypothesis
    runs the test body once per example: the walk happens at the first, the others reuse it."""
    walked: dict[Status, Project] = {}

    def project_at(status: Status, *, days: int = 0) -> Project:
        if status not in walked:
            walked[status] = walk(new_project(people, fund_year_with_money), people, status, clock)
            clock.after(days)
        return Project.objects.get(pk=walked[status].pk)

    return project_at


@pytest.fixture
def today(clock) -> Callable[[], dt.date]:
    return lambda: clock.day


@pytest.fixture
def outsider(other_community):
    """A working-committee member of another committee."""
    return user_with_role(Role.COMMITTEE_MEMBER, other_community)


# -- 申报 and 审批 (Art. 10, 11) ----------------------------------------------------------------------

MEETING_GOOD = {
    "held_on": near,
    "attendees": longer,
    "attendee_count": st.integers(30, 60).map(str),
    "votes_for": st.integers(0, 20).map(str),
    "votes_against": st.integers(0, 10).map(str),
    "votes_abstain": st.integers(0, 10).map(str),
    "minutes": longer,
}
MEETING_WILD = {
    "held_on": date,
    "attendees": text,
    "attendee_count": number,
    "votes_for": number,
    "votes_against": number,
    "votes_abstain": number,
    "minutes": text,
}


@SOME
@given(data=form_data(MEETING_GOOD, MEETING_WILD))
def test_joint_meeting_record(at, people, clock, data):
    project = at(Status.CONSENTED, days=3)  # a meeting a few days back is still after the consent
    with rolled_back():
        data["held_on"] = day(data["held_on"], clock.day)
        cleaned = act(project, people[Role.COMMUNITY_SECRETARY], "record_meeting", data, JointMeeting)
        if cleaned:
            meeting = JointMeeting.objects.get(project=project)
            for name in MEETING_GOOD:
                assert getattr(meeting, name) == cleaned[name], name
            assert Project.objects.get(pk=project.pk).status in (Status.PUBLICITY, Status.SHELVED)


@SOME
@given(comment=st.one_of(longer, text, around(2000)))
def test_preliminary_consent_comment(at, people, comment):
    project = at(Status.CONSENT_REQUESTED)
    with rolled_back():
        cleaned = act(project, people[Role.COMMITTEE_MEMBER], "consent", {"comment": comment}, Review)
        if cleaned:
            review = Review.objects.get(project=project, kind=Review.Kind.PRELIMINARY)
            assert review.comment == (cleaned["comment"] or "同意")


@SOME
@given(reason=st.one_of(longer, text, st.sampled_from(["", " ", "\u3000", "\x00", "\u200b"])))
def test_withdraw_reason(at, people, reason):
    project = at(Status.DRAFT)
    with rolled_back():
        cleaned = act(project, people[Role.COMMUNITY_SECRETARY], "withdraw", {"reason": reason})
        if cleaned:
            event = AuditEvent.objects.filter(project_id=project.pk).latest("seq")
            assert (event.action, event.reason) == ("project.withdraw", cleaned["reason"])


@SOME
@given(
    data=form_data(
        {"meeting_date": near, "meeting_attendees": short, "comment": longer},
        {"meeting_date": date, "meeting_attendees": text, "comment": text},
    )
)
def test_committee_approval(at, people, clock, data):
    project = at(Status.SUBMITTED, days=10)
    with rolled_back():
        data["meeting_date"] = day(data["meeting_date"], clock.day)
        cleaned = act(project, people[Role.COMMITTEE_SECRETARY], "approve_for_committee", data, Review)
        if cleaned:
            review = Review.objects.get(project=project, kind=Review.Kind.COMMITTEE)
            assert review.meeting_date == cleaned["meeting_date"]
            assert review.meeting_attendees == cleaned["meeting_attendees"]
            assert review.comment == (cleaned["comment"] or "同意")


# -- 实施 Execution (Art. 11, 12) --------------------------------------------------------------------


@SOME
@given(person=st.one_of(st.sampled_from(["member", "committee_secretary", "secretary", "finance", "outsider"]), number))
def test_assign_followup(at, people, outsider, person):
    project = at(Status.APPROVED)
    users = {
        "member": people[Role.COMMITTEE_MEMBER],
        "committee_secretary": people[Role.COMMITTEE_SECRETARY],
        "secretary": people[Role.COMMUNITY_SECRETARY],
        "finance": people[Role.FINANCE],
        "outsider": outsider,
    }
    with rolled_back():
        value = str(users[person].pk) if person in users else person
        cleaned = act(project, people[Role.COMMITTEE_SECRETARY], "assign_followup", {"person": value})
        if cleaned:
            assert Project.objects.get(pk=project.pk).followup_user == cleaned["person"]
            # Only the working committee's own staff follow a project (Art. 12).
            assert cleaned["person"] in (people[Role.COMMITTEE_MEMBER], people[Role.COMMITTEE_SECRETARY])


CHANGE_GOOD = {
    "reason": longer,
    "description": longer,
    "new_amount": plausible_money(20000),
    "new_contractor_name": st.one_of(st.just(""), short),
    "new_planned_end": st.one_of(st.just(""), near),
}
CHANGE_WILD = {
    "reason": text,
    "description": text,
    "new_amount": amount,
    "new_contractor_name": text,
    "new_planned_end": date,
}


@SOME
@given(data=form_data(CHANGE_GOOD, CHANGE_WILD))
def test_change_request(at, people, clock, data):
    project = at(Status.EXECUTING)
    with rolled_back():
        data["new_planned_end"] = day(data["new_planned_end"], clock.day)
        cleaned = act(project, people[Role.COMMUNITY_SECRETARY], "request_change", data, ChangeRequest)
        if cleaned:
            change = ChangeRequest.objects.get(project=project)
            for name in CHANGE_GOOD:
                assert getattr(change, name) == cleaned[name], name


@pytest.fixture
def change_pending(at, people):
    project = at(Status.EXECUTING)
    project_services.change_request_submit(
        project=project,
        by=people[Role.COMMUNITY_SECRETARY],
        reason="材料涨价",
        description="增加灯具",
        new_amount=Decimal("7000.00"),
    )
    return project


@SOME
@given(
    data=form_data(
        {"consent": st.sampled_from(["1", "0"]), "comment": longer},
        {"consent": st.one_of(text, st.sampled_from(["on", "true", "１", "2", ""])), "comment": text},
    )
)
def test_change_decision(change_pending, people, data):
    project = change_pending
    with rolled_back():
        cleaned = act(project, people[Role.COMMITTEE_SECRETARY], "decide_change", data, Review)
        if cleaned:
            change = ChangeRequest.objects.get(project=project)
            assert change.decision_comment == cleaned["comment"]
            assert change.status == ("consented" if cleaned["consent"] else "refused")
            if cleaned["consent"]:
                assert Project.objects.get(pk=project.pk).approved_amount == Decimal("7000.00")


@SOME
@given(data=form_data({"noted_on": near, "note": longer}, {"noted_on": date, "note": text}))
def test_progress_note(at, people, clock, data):
    project = at(Status.EXECUTING)
    with rolled_back():
        data["noted_on"] = day(data["noted_on"], clock.day)
        # The walk made the committee member the follow-up person (Art. 12).
        cleaned = act(project, people[Role.COMMITTEE_MEMBER], "record_progress", data, ProgressNote)
        if cleaned:
            note = ProgressNote.objects.filter(project=project).latest("pk")
            assert (note.noted_on, note.note) == (cleaned["noted_on"], cleaned["note"])


INSPECTION_GOOD = {
    "inspected_on": near,
    "inspectors": longer,
    "quality_grade": st.sampled_from([*Inspection.Grade.values, "good"]),
    "quality_notes": st.one_of(st.just(""), longer),
    "respondents": st.integers(25, 60).map(str),
    "satisfied": st.integers(0, 30).map(str),
    "passed": st.sampled_from(["1", "1", "0"]),
    "rectification": longer,
}
INSPECTION_WILD = {
    "inspected_on": date,
    "inspectors": text,
    "quality_grade": text,
    "quality_notes": text,
    "respondents": number,
    "satisfied": number,
    "passed": text,
    "rectification": text,
}


@SOME
@given(data=form_data(INSPECTION_GOOD, INSPECTION_WILD))
def test_inspection(at, people, clock, data):
    project = at(Status.INSPECTION)
    with rolled_back():
        data["inspected_on"] = day(data["inspected_on"], clock.day)
        cleaned = act(project, people[Role.COMMITTEE_MEMBER], "inspect", data, Inspection)
        if cleaned:
            record = Inspection.objects.get(project=project)
            for name in INSPECTION_GOOD:
                assert getattr(record, name) == cleaned[name], name


# -- 拨付 Payment (Art. 13) ---------------------------------------------------------------------------


@pytest.fixture
def accepted(at, people):
    project = at(Status.ACCEPTED)
    project_services.document_upload(
        project=project, by=people[Role.COMMUNITY_SECRETARY], kind=Document.Kind.INVOICE, upload=pdf()
    )
    return project


@SOME
@given(
    data=form_data(
        {"number": short, "issued_on": near, "amount": plausible_money(6000), "issuer": short},
        {"number": text, "issued_on": date, "amount": amount, "issuer": text},
    )
)
def test_invoice(accepted, people, clock, data):
    project = accepted
    with rolled_back():
        data["issued_on"] = day(data["issued_on"], clock.day)
        cleaned = act(project, people[Role.COMMUNITY_SECRETARY], "submit_invoice", data, Invoice)
        if cleaned:
            invoice = Invoice.objects.get(project=project)
            for name in ("number", "issued_on", "amount", "issuer"):
                assert getattr(invoice, name) == cleaned[name], name


@SOME
@given(
    data=form_data(
        {
            "amount": st.sampled_from(["6000", "6,000.00", "６０００．００", " 6000元 ", "6000.001", "5999.99"]),
            "paid_on": near,
            "method": st.sampled_from(Settlement.Method.values),
            "reference": short,
            "payee": short,
        },
        {"amount": amount, "paid_on": date, "method": text, "reference": text, "payee": text},
    )
)
def test_settlement_posts_what_was_validated(at, people, clock, data):
    project = at(Status.SIGNED)
    with rolled_back():
        data["paid_on"] = day(data["paid_on"], clock.day)
        cleaned = act(project, people[Role.FINANCE], "settle", data, Settlement, JournalEntry)
        if cleaned:
            settlement = Settlement.objects.get(project=project)
            for name in ("amount", "paid_on", "method", "reference", "payee"):
                assert getattr(settlement, name) == cleaned[name], name
            entry = JournalEntry.objects.get(settlement=settlement)
            assert (entry.debit, entry.entry_date, entry.reference) == (
                cleaned["amount"],
                cleaned["paid_on"],
                cleaned["reference"],
            )


# -- the ledger (Art. 5, 13, 17) ---------------------------------------------------------------------


@pytest.fixture
def half_funded(community):
    """A 2026 fund year of 100,000 yuan of which 40,000 have been received."""
    fund_year = FundYearFactory(community=community)
    appropriation_record(fund_year=fund_year, amount=Decimal("40000"), entry_date=dt.date(2026, 1, 5), by=None)
    return fund_year


@SOME
@given(
    data=form_data(
        {
            "amount": plausible_money(60000),
            "entry_date": near,
            "reference": st.one_of(st.just(""), short),
            "summary": st.one_of(st.just(""), short),
        },
        {
            "amount": st.one_of(amount, st.sampled_from(["1e3", "1E+3", "NaN", "-Infinity", "sNaN", "0.005"])),
            "entry_date": date,
            "reference": text,
            "summary": text,
        },
    )
)
def test_appropriation(half_funded, people, clock, data):
    fund_year = half_funded
    url = f"/ledger/{fund_year.community.code}/{fund_year.year}/appropriation/"
    with rolled_back():
        data["entry_date"] = day(data["entry_date"], clock.day)
        form = ledger_forms.AppropriationForm(data, fund_year=fund_year)
        cleaned = submit(login(people[Role.FINANCE]), url, data, form, JournalEntry)
        if cleaned:
            entry = JournalEntry.objects.filter(fund_year=fund_year).latest("voucher_no")
            assert (entry.kind, entry.credit, entry.entry_date, entry.reference) == (
                Kind.APPROPRIATION,
                cleaned["amount"],
                cleaned["entry_date"],
                cleaned["reference"],
            )
            assert entry.summary == (cleaned["summary"] or "收到2026年度财政拨款")


@SOME
@given(
    data=form_data(
        {"reason": longer, "entry_date": near},
        {"reason": st.one_of(text, around(3050)), "entry_date": date},
    )
)
def test_reversal(half_funded, people, clock, data):
    entry = JournalEntry.objects.get(fund_year=half_funded)
    with rolled_back():
        data["entry_date"] = day(data["entry_date"], clock.day)
        form = ledger_forms.ReversalForm(data, entry=entry)
        cleaned = submit(login(people[Role.FINANCE]), f"/ledger/entries/{entry.pk}/reverse/", data, form, JournalEntry)
        if cleaned:
            reversal = JournalEntry.objects.get(reversed_entry=entry)
            assert (reversal.reason, reversal.entry_date, reversal.debit) == (
                cleaned["reason"],
                cleaned["entry_date"],
                entry.credit,
            )


FORMULAS = ["=1+1", '=HYPERLINK("http://x","点此")', "+1+1", "-1+1", "@SUM(A1:A2)", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("typed", FORMULAS)
def test_spreadsheet_shows_formulas_literally(half_funded, people, clock, typed):
    """A summary or reference that looks like a formula is text in the account book's XLSX: the
    finance staff's words, never something a spreadsheet program evaluates."""
    fund_year = half_funded
    client = login(people[Role.FINANCE])
    response = client.post(
        f"/ledger/{fund_year.community.code}/{fund_year.year}/appropriation/",
        {"amount": "100", "entry_date": clock.day.isoformat(), "reference": typed, "summary": typed},
    )
    assert response.status_code == 302
    xlsx = client.get(f"/ledger/{fund_year.community.code}/{fund_year.year}/book.xlsx")
    cells = [c for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row]
    summaries = [c for c in cells if c.value == typed]
    assert summaries, "the typed summary is missing from the spreadsheet"
    assert all(c.data_type == "s" for c in summaries), [c.data_type for c in summaries]


# -- publicity: residents and the community's staff (Art. 6, 9, 10, 15) -----------------------------


@pytest.fixture
def notice(at) -> Notice:
    """A plan notice that is up, so residents may object (Art. 10)."""
    return Notice.objects.get(project=at(Status.PUBLICITY), kind=Notice.Kind.PLAN)


@pytest.fixture
def objections(notice, people) -> dict[str, Objection]:
    open_ = publicity_services.objection_submit(notice=notice, text="灯具太贵")
    answered = publicity_services.objection_submit(notice=notice, text="受益面太小")
    publicity_services.objection_answer(objection=answered, by=people[Role.COMMUNITY_SECRETARY], answer="已核实")
    return {"open": open_, "answered": answered}


PERSONAL = st.one_of(st.just(""), short, st.text(min_size=45, max_size=55))


@SOME
@given(
    data=form_data(
        {"text": longer, "name": PERSONAL, "contact": PERSONAL},
        {"text": st.one_of(text, around(2000)), "name": text, "contact": text, "website": text},
    )
)
def test_public_objection(notice, data):
    with rolled_back():
        cleaned = submit(Client(), f"/notice/{notice.pk}/object/", data, ObjectionForm(data), Objection)
        if cleaned:
            objection = Objection.objects.filter(notice=notice).latest("pk")
            assert (objection.text, objection.name, objection.contact) == (
                cleaned["text"],
                cleaned["name"],
                cleaned["contact"],
            )


@SOME
@given(
    data=form_data(
        {
            "channel": st.sampled_from(Need.Channel.values),
            "received_on": near,
            "content": longer,
            "name": PERSONAL,
            "contact": PERSONAL,
        },
        {"channel": text, "received_on": date, "content": text, "name": text, "contact": text},
    )
)
def test_staff_need(community, people, clock, data):
    with rolled_back():
        data["received_on"] = day(data["received_on"], clock.day)
        cleaned = submit(
            login(people[Role.COMMUNITY_MEMBER]),
            f"/publicity/c/{community.code}/needs/new/",
            data,
            StaffNeedForm(data),
            Need,
        )
        if cleaned:
            need = Need.objects.filter(community=community).latest("pk")
            assert (need.channel, need.received_on, need.content, need.submitter_name, need.submitter_contact) == (
                cleaned["channel"],
                cleaned["received_on"],
                cleaned["content"],
                cleaned["name"],
                cleaned["contact"],
            )


reasons = st.one_of(longer, text, around(500), around(1000))


@SOME
@given(reason=reasons)
def test_notice_withdraw_reason(notice, people, reason):
    with rolled_back():
        data = {"reason": reason}
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]),
            f"/publicity/notice/{notice.pk}/withdraw/",
            data,
            PublicityReasonForm(data),
            state=lambda: Notice.objects.values_list("withdrawn_at", flat=True).get(pk=notice.pk),
        )
        if cleaned:
            assert Notice.objects.get(pk=notice.pk).withdrawn_reason == cleaned["reason"]


@SOME
@given(reason=reasons)
def test_need_not_adopted_reason(community, people, reason):
    need = Need.objects.filter(community=community).first() or publicity_services.need_record(
        community=community, content="楼道太黑", channel=Need.Channel.ONLINE
    )
    with rolled_back():
        data = {"reason": reason}
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]),
            f"/publicity/need/{need.pk}/not-adopted/",
            data,
            PublicityReasonForm(data),
            state=lambda: Need.objects.values_list("outcome", flat=True).get(pk=need.pk),
        )
        if cleaned:
            assert Need.objects.get(pk=need.pk).outcome_note == cleaned["reason"]


@SOME
@given(
    data=form_data(
        {
            "title": longer,
            "description": st.one_of(st.just(""), longer),
            "spending_plan": longer,
            "beneficiaries": short,
            "note": longer,
        },
        {
            "title": st.one_of(text, st.text(min_size=195, max_size=205)),
            "description": st.one_of(text, around(4000)),
            "spending_plan": text,
            "beneficiaries": text,
            "note": text,
        },
    )
)
def test_notice_correction(notice, people, data):
    with rolled_back():
        form = CorrectionForm(data, notice=notice)
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]), f"/publicity/notice/{notice.pk}/correct/", data, form, Notice
        )
        if cleaned:
            new = Notice.objects.get(supersedes=notice)
            assert (new.title, new.correction_note) == (cleaned["title"], cleaned["note"])
            for name in ("description", "spending_plan", "beneficiaries"):
                assert new.snapshot[name] == cleaned[name], name


@SOME
@given(answer=st.one_of(longer, text, around(2000)))
def test_objection_answer(objections, people, answer):
    objection = objections["open"]
    with rolled_back():
        data = {"answer": answer}
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]),
            f"/publicity/objection/{objection.pk}/answer/",
            data,
            PublicityAnswerForm(data),
            state=lambda: Objection.objects.values_list("state", flat=True).get(pk=objection.pk),
        )
        if cleaned:
            assert Objection.objects.get(pk=objection.pk).answer == cleaned["answer"]


@SOME
@given(
    data=form_data(
        {"outcome": st.sampled_from(["dismiss", "revise", "shelve"]), "decision": longer},
        {"outcome": text, "decision": st.one_of(text, around(2000))},
    )
)
def test_objection_decision(objections, people, data):
    objection = objections["answered"]
    with rolled_back():
        cleaned = submit(
            login(people[Role.COMMITTEE_MEMBER]),
            f"/projects/objections/{objection.pk}/decide/",
            data,
            DecisionForm(data),
            state=lambda: Objection.objects.values_list("state", flat=True).get(pk=objection.pk),
        )
        if cleaned:
            decided = Objection.objects.get(pk=objection.pk)
            assert decided.decision == cleaned["decision"]
            assert decided.state == ("dismissed" if cleaned["outcome"] == "dismiss" else "upheld")


@SOME
@given(
    data=form_data(
        {"reviewed_hash": st.just("ok"), "remarks": st.one_of(st.just(""), longer), "confirm": st.just("on")},
        {
            "reviewed_hash": st.one_of(text, st.text(min_size=64, max_size=64)),
            "remarks": st.one_of(text, around(2000)),
            "confirm": text,
        },
    )
)
def test_annual_summary_publish(fund_year_with_money, people, data):
    from publicity.annual import annual_snapshot, annual_title

    fund_year = fund_year_with_money
    if data["reviewed_hash"] == "ok":
        data["reviewed_hash"] = Notice.hash_snapshot(annual_title(fund_year), annual_snapshot(fund_year))
    with rolled_back():
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]),
            f"/publicity/c/{fund_year.community.code}/annual/{fund_year.year}/",
            data,
            AnnualPublishForm(data),
            Notice,
        )
        if cleaned:
            published = Notice.objects.get(fund_year=fund_year, kind=Notice.Kind.ANNUAL)
            assert published.snapshot["remarks"] == cleaned["remarks"]


# -- supervision (Art. 14, 16) ------------------------------------------------------------------------


@SOME
@given(
    data=form_data(
        {
            "subject": st.sampled_from(["project", "notice", "settlement"]),
            "project": st.just("ours"),
            "notice": st.sampled_from(["ours", ""]),
            "addressed_to": st.sampled_from(Opinion.Addressee.values),
            "text": longer,
        },
        {
            "subject": text,
            "project": st.one_of(number, st.just("theirs")),
            "notice": number,
            "addressed_to": text,
            "text": st.one_of(text, around(4000)),
        },
    )
)
def test_supervision_opinion(notice, people, other_side, data):
    community = notice.community
    data = {
        **data,
        "project": {"ours": notice.project_id, "theirs": other_side.pk}.get(data["project"], data["project"]),
        "notice": notice.pk if data["notice"] == "ours" else data["notice"],
    }
    with rolled_back():
        form = OpinionForm(data, community=community)
        cleaned = submit(
            login(people[Role.SUPERVISOR]), f"/supervision/c/{community.code}/opinions/new/", data, form, Opinion
        )
        if cleaned:
            opinion = Opinion.objects.get(community=community)
            assert (opinion.subject, opinion.addressed_to, opinion.text) == (
                cleaned["subject"],
                cleaned["addressed_to"],
                cleaned["text"],
            )
            expected_project = cleaned["notice"].project if cleaned["subject"] == "notice" else cleaned["project"]
            assert opinion.project == expected_project


@pytest.fixture
def other_side(other_community):
    """A project of a community under another working committee."""
    fund_year = FundYearFactory(community=other_community)
    people = {Role.COMMUNITY_SECRETARY: user_with_role(Role.COMMUNITY_SECRETARY, other_community)}
    return new_project(people, fund_year)


@SOME
@given(answer=st.one_of(longer, text, around(4000)))
def test_supervision_answer(at, people, answer):
    project = at(Status.DRAFT)
    opinion = Opinion.objects.filter(project=project).first() or supervision_services.opinion_record(
        community=project.community,
        by=people[Role.SUPERVISOR],
        subject="project",
        addressed_to="community",
        text="预算偏高",
        project=project,
    )
    with rolled_back():
        data = {"answer": answer}
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]),
            f"/supervision/opinions/{opinion.pk}/answer/",
            data,
            SupervisionAnswerForm(data),
            state=lambda: Opinion.objects.values_list("answer", flat=True).get(pk=opinion.pk),
        )
        if cleaned:
            assert Opinion.objects.get(pk=opinion.pk).answer == cleaned["answer"]


@SOME
@given(
    data=form_data(
        {"narrative": longer, "reviewed_hash": st.just("ok")},
        {
            "narrative": st.one_of(text, around(10000)),
            "reviewed_hash": st.one_of(text, st.text(min_size=64, max_size=64)),
        },
    )
)
def test_annual_report(fund_year_with_money, people, data):
    from supervision.selectors import report_snapshot, snapshot_hash

    fund_year = fund_year_with_money
    if data["reviewed_hash"] == "ok":
        data["reviewed_hash"] = snapshot_hash(report_snapshot(fund_year))
    with rolled_back():
        cleaned = submit(
            login(people[Role.COMMUNITY_SECRETARY]),
            f"/supervision/c/{fund_year.community.code}/report/{fund_year.year}/",
            data,
            ReportForm(data),
            AnnualReport,
        )
        if cleaned:
            assert AnnualReport.objects.get(fund_year=fund_year).narrative == cleaned["narrative"]


@pytest.fixture
def report(fund_year_with_money, people):
    return supervision_services.annual_report_submit(
        fund_year=fund_year_with_money, by=people[Role.COMMUNITY_SECRETARY], narrative="本年度完成项目若干。"
    )


@SOME
@given(
    data=form_data(
        {
            "score": st.one_of(st.just(""), st.integers(0, 100).map(str)),
            "grade": st.sampled_from(["", "good"]),
            "comments": longer,
        },
        {"score": number, "grade": text, "comments": st.one_of(text, around(4000))},
    )
)
def test_report_evaluation(report, people, data):
    with rolled_back():
        form = EvaluationForm(data)
        cleaned = submit(
            login(people[Role.COMMITTEE_SECRETARY]),
            f"/supervision/reports/{report.pk}/evaluate/",
            data,
            form,
            ReportEvaluation,
        )
        if cleaned:
            evaluation = ReportEvaluation.objects.get(report=report)
            assert (evaluation.score, evaluation.grade, evaluation.comments) == (
                cleaned["score"],
                cleaned["grade"] or "",
                cleaned["comments"],
            )


# -- the system administrator's forms (Django admin) and the calendar import -------------------------


@pytest.fixture
def admin_user(db):
    from fundadmin.models import User

    return User.objects.create_superuser("root", password="pw")


def admin_form(model, user, obj=None):
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user = user
    return admin.site._registry[model].get_form(request, obj, change=obj is not None)


def admin_submit(user, url: str, data: dict, model, obj=None, *models):
    data = {**data, "_save": "保存"}
    form = admin_form(model, user, obj)(data, instance=obj)
    client = login(user)
    return submit(client, url, data, form, model, *models, state=lambda: list(model.objects.values()))


@SOME
@given(
    data=form_data(
        {"year": st.integers(2024, 2030).map(str), "allocation": plausible_money(500000)},
        {"year": number, "allocation": amount, "community": number},
    )
)
def test_admin_fund_year(admin_user, community, data):
    from fundadmin.models import FundYear

    data.setdefault("community", str(community.pk))
    with rolled_back():
        cleaned = admin_submit(admin_user, "/admin/fundadmin/fundyear/add/", data, FundYear)
        if cleaned:
            stored = FundYear.objects.get(community=cleaned["community"], year=cleaned["year"])
            assert stored.allocation == cleaned["allocation"]


@SOME
@given(allocation=st.one_of(plausible_money(500000), amount))
def test_admin_fund_year_allocation_change(admin_user, half_funded, allocation):
    from fundadmin.models import FundYear

    fund_year = half_funded
    with rolled_back():
        cleaned = admin_submit(
            admin_user,
            f"/admin/fundadmin/fundyear/{fund_year.pk}/change/",
            {"allocation": allocation},
            FundYear,
            fund_year,
        )
        if cleaned:
            assert FundYear.objects.get(pk=fund_year.pk).allocation == cleaned["allocation"]


@SOME
@given(
    data=form_data(
        {
            "user": st.sampled_from(["fresh", "secretary"]),
            "role": st.sampled_from([Role.COMMUNITY_SECRETARY, Role.COMMUNITY_MEMBER, Role.SUPERVISOR]),
            "community": st.just("ours"),
            "committee": st.just(""),
            "valid_from": near,
            "valid_until": st.one_of(st.just(""), near),
        },
        {
            "user": number,
            "role": st.one_of(text, st.sampled_from(Role.values)),
            "community": number,
            "committee": st.one_of(number, st.just("ours")),
            "valid_from": date,
            "valid_until": date,
        },
    )
)
def test_admin_role_assignment(admin_user, community, people, clock, data):
    from fundadmin.models import RoleAssignment, User

    fresh = User.objects.filter(username="fresh").first() or User.objects.create_user("fresh", password="pw")
    data = {
        **data,
        "user": {"fresh": fresh.pk, "secretary": people[Role.COMMUNITY_SECRETARY].pk}.get(data["user"], data["user"]),
        "community": community.pk if data["community"] == "ours" else data["community"],
        "committee": community.committee_id if data["committee"] == "ours" else data["committee"],
        "valid_from": day(data["valid_from"], clock.day),
        "valid_until": day(data["valid_until"], clock.day + dt.timedelta(days=30)),
    }
    with rolled_back():
        cleaned = admin_submit(admin_user, "/admin/fundadmin/roleassignment/add/", data, RoleAssignment)
        if cleaned:
            granted = RoleAssignment.objects.latest("pk")
            for name in ("user", "role", "community", "committee", "valid_from", "valid_until"):
                assert getattr(granted, name) == cleaned[name], name


@SOME
@given(
    data=form_data(
        {"date": near, "kind": st.sampled_from(["holiday", "workday"]), "name": short},
        {"date": date, "kind": text, "name": st.one_of(text, around(50))},
    )
)
def test_admin_special_day(admin_user, clock, data):
    from fundadmin.models import SpecialDay

    with rolled_back():
        data["date"] = day(data["date"], clock.day + dt.timedelta(days=400))
        cleaned = admin_submit(admin_user, "/admin/fundadmin/specialday/add/", data, SpecialDay)
        if cleaned:
            stored = SpecialDay.objects.get(date=cleaned["date"])
            assert (stored.kind, stored.name) == (cleaned["kind"], cleaned["name"])


@SOME
@given(
    data=form_data(
        {"year": st.integers(2030, 2040).map(str), "is_published": st.sampled_from(["on", ""]), "source": short},
        {"year": number, "is_published": text, "source": st.one_of(text, around(200))},
    )
)
def test_admin_calendar_year(admin_user, data):
    from fundadmin.models import CalendarYear

    with rolled_back():
        cleaned = admin_submit(admin_user, "/admin/fundadmin/calendaryear/add/", data, CalendarYear)
        if cleaned:
            stored = CalendarYear.objects.get(year=cleaned["year"])
            assert (stored.is_published, stored.source) == (cleaned["is_published"], cleaned["source"])


@SOME
@given(
    data=form_data(
        {"subject_name": short, "subject_code": st.sampled_from(["501", "5301-01", "５０１"])},
        {"subject_name": st.one_of(text, around(60)), "subject_code": st.one_of(text, around(20))},
    )
)
def test_admin_ledger_subject(admin_user, half_funded, data):
    from ledger.models import FundAccount

    account = FundAccount.objects.get(community=half_funded.community)
    with rolled_back():
        cleaned = admin_submit(
            admin_user, f"/admin/ledger/fundaccount/{account.pk}/change/", data, FundAccount, account
        )
        if cleaned:
            stored = FundAccount.objects.get(pk=account.pk)
            assert (stored.subject_name, stored.subject_code) == (cleaned["subject_name"], cleaned["subject_code"])


@SOME
@given(
    data=form_data(
        {"username": st.sampled_from(["zhang", "li_4", "wang.5", "a" * 150]), "password": st.just("Aa-安全-1234")},
        {"username": st.one_of(text, around(150)), "password": text},
    )
)
def test_admin_user_add(admin_user, data):
    from fundadmin.models import User

    post = {
        "username": data["username"],
        "password1": data["password"],
        "password2": data["password"],
        "usable_password": "true",
    }
    with rolled_back():
        cleaned = admin_submit(admin_user, "/admin/fundadmin/user/add/", post, User)
        if cleaned:
            assert User.objects.filter(username=cleaned["username"]).exists()


@pytest.mark.parametrize("username", ["a" * 150, "用" * 150])
def test_longest_username_the_admin_accepts_can_act(community, clock, username):
    """Django's user form takes 150 characters; the trail and the records copy the actor's name
    into 100-character columns. A person with no full name still acts, named in full as far as
    the columns hold."""
    from fundadmin.models import User
    from tests.factories import grant

    user = User.objects.create_user(username, password="pw")
    grant(user, Role.COMMUNITY_MEMBER, community)
    response = login(User.objects.get(pk=user.pk)).post(
        f"/publicity/c/{community.code}/needs/new/",
        {"channel": "door_to_door", "received_on": clock.day.isoformat(), "content": "楼道太黑"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.latest("seq")
    assert event.action == "need.record"
    limit = AuditEvent._meta.get_field("actor_name").max_length
    assert event.actor_name == username[:limit]


GOOD_ROW = st.tuples(
    st.dates(dt.date(2031, 1, 1), dt.date(2032, 12, 31)).map(str),
    st.sampled_from(["holiday", "休", "HOLIDAY", " holiday "]),
    short,
)
WILD_ROW = st.tuples(
    st.one_of(st.dates(dt.date(2031, 1, 1), dt.date(2032, 12, 31)).map(str), date),
    st.one_of(st.sampled_from(["workday", "班"]), text),
    st.one_of(text, around(50)),
)
ROW = st.one_of(GOOD_ROW, GOOD_ROW, WILD_ROW)


@settings(SOME, max_examples=40)  # no page to render: cheap examples
@given(
    rows=st.lists(ROW, max_size=4, unique_by=lambda r: r[0]),
    header=st.sampled_from(["date,kind,name", "\ufeffdate,kind,name", "date,kind,name", "日期,类型"]),
)
def test_calendar_import(db, tmp_path_factory, rows, header):
    """The administrator's CSV import (manage.py import_workdays): a file with any bad line changes
    nothing and says which line; a good file replaces its years exactly as written."""
    import csv

    from django.core.management import CommandError, call_command

    from fundadmin.models import CalendarYear, SpecialDay

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
    path = tmp_path_factory.mktemp("csv") / "calendar.csv"
    path.write_text(header + "\n" + buffer.getvalue(), encoding="utf-8")
    with rolled_back():
        before = footprint(SpecialDay, CalendarYear), list(SpecialDay.objects.values_list("date", "kind", "name"))
        try:
            call_command("import_workdays", str(path), stdout=io.StringIO())
        except CommandError as exc:
            event("refused")
            assert "导入失败" in str(exc) or "CSV" in str(exc)
            after = footprint(SpecialDay, CalendarYear), list(SpecialDay.objects.values_list("date", "kind", "name"))
            assert after == before
            return
        event("stored")
        kinds = {"holiday": "holiday", "休": "holiday", "workday": "workday", "班": "workday"}
        for raw_date, raw_kind, name in rows:
            stored = SpecialDay.objects.get(date=dt.date.fromisoformat(raw_date.strip()))
            assert stored.kind == kinds[raw_kind.strip().lower()]
            assert stored.name == name.strip()


# -- filters on the staff pages (GET) ------------------------------------------------------------------


@SOME
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "community",
                "year",
                "stage",
                "category",
                "overdue",
                "kind",
                "project",
                "actor",
                "date_from",
                "date_to",
                "page",
            ]
        ),
        st.one_of(text, number, date),
        max_size=4,
    )
)
def test_filters_never_500(fund_year_with_money, people, query):
    community = fund_year_with_money.community
    query = {k: v.replace("\x00", "") for k, v in query.items()}  # a NUL cannot be in a URL query
    for role, url in (
        (Role.COMMITTEE_SECRETARY, "/projects/"),
        (Role.FINANCE, f"/ledger/{community.code}/2026/"),
        (Role.SUPERVISOR, f"/supervision/c/{community.code}/trail/"),
    ):
        response = login(people[role]).get(url, query)
        assert response.status_code == 200, (url, response.status_code)
