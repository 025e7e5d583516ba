"""The acting-leader table (issue 14, SPEC.md "Decisions the rules leave to us: Acting leaders"):
a person acting for a principal leader takes the principal's steps through the same checker and
the same services — from the period's first day, not after its last — and the separation of
duties binds them as it binds the leader (Art. 11, 13): they never approve a project they
proposed, never sign one invoice twice, never give both approvals. Every step taken under it says
so: in the trail, on the Review and Signature records, in the next-step sentence, on the
申请审批表 and in the dossier."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from audit.sentences import sentence
from fundadmin import services as core_services
from fundadmin.models import RoleAssignment, User
from fundadmin.roles import Role
from projects import facts as project_facts
from projects import machine, process, services
from projects.models import Review, Signature, Status
from projects.next_step import Holders, next_step
from supervision.dossier import dossier_context, dossier_zip
from tests.factories import grant, user_with_role

from .helpers import PDF, Clock, lines, new_project, plan_fields, walk

pytestmark = pytest.mark.django_db

KS, KM, CD, CP, CS = (
    Role.COMMITTEE_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.CONSTRUCTION_DIRECTOR,
    Role.CONSTRUCTION_DEPUTY,
    Role.COMMUNITY_SECRETARY,
)
START = dt.date(2026, 11, 2)


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=START)


@pytest.fixture
def cast(people, community):
    """The demo's names: 李伟 the committee's secretary, 张德明 one of its members, 陈桂兰 the
    construction committee's director."""
    for role, name in ((KS, "李伟"), (KM, "张德明"), (CD, "陈桂兰"), (CP, "于军"), (CS, "王芳")):
        User.objects.filter(pk=people[role].pk).update(full_name=name)
        people[role].full_name = name
    admin = user_with_role(Role.SYSTEM_ADMIN, None, username="sysadmin", full_name="管理员")
    return people, admin


def acting_for(people, admin, role: Role, deputy: User, *, starts: dt.date, ends: dt.date):
    return core_services.acting_record(
        principal=RoleAssignment.objects.active().get(user=people[role], role=role),
        user=deputy,
        by=admin,
        starts_on=starts,
        ends_on=ends,
        reason="参加市委党校集中培训",
        authorisation=SimpleUploadedFile("授权书.pdf", PDF, content_type="application/pdf"),
    )


def approve(project, by, body):
    extra = (
        {"meeting_date": dt.date.today(), "meeting_attendees": "班子成员5人"} if body == Review.Kind.COMMITTEE else {}
    )
    return services.project_approve(project=project, by=by, body=body, comment="同意", **extra)


def sign(project, by):
    return services.invoice_sign(project=project, by=by)


# -- the table --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One row: who acts for whom over which days, where the project stands, what they try, and
    what the rules answer (None: it is done; else the exception and a word of its message)."""

    name: str
    until: Status
    acting: tuple[tuple[Role, int, int], ...]  # (principal role, first day, last day), in days from today
    tries: tuple[str, ...]  # the steps the acting person takes, in order; the last one is judged
    refused: type[Exception] | None = None
    says: str = ""
    deputy: str = "member"  # "member", "member and deputy director" or "member and proposer"
    days_later: int = 0  # the clock moves this many days after recording, before the steps


CASES = [
    Case("starts today", Status.SUBMITTED, ((KS, 0, 4),), ("approve committee",)),
    Case("starts tomorrow, not today", Status.SUBMITTED, ((KS, 1, 4),), ("approve committee",), PermissionDenied),
    Case("starts today, recorded days before", Status.SUBMITTED, ((KS, 3, 7),), ("approve committee",), days_later=3),
    Case("its last day", Status.SUBMITTED, ((KS, 0, 2),), ("approve committee",), days_later=2),
    Case("ended yesterday", Status.SUBMITTED, ((KS, 0, 2),), ("approve committee",), PermissionDenied, days_later=3),
    Case(
        "proposer",
        Status.SUBMITTED,
        ((KS, 0, 4),),
        ("approve committee",),
        PermissionDenied,
        "提议人",
        deputy="member and proposer",
    ),
    Case(
        "proposer, as the construction committee",
        Status.SUBMITTED,
        ((CD, 0, 4),),
        ("approve construction",),
        PermissionDenied,
        "提议人",
        deputy="deputy director and proposer",
    ),
    Case(
        "both approvals",
        Status.SUBMITTED,
        ((KS, 0, 4), (CD, 0, 4)),
        ("approve committee", "approve construction"),
        PermissionDenied,
        "两人分别作出",
        deputy="member and deputy director",
    ),
    Case(
        "both approvals, the other way round",
        Status.SUBMITTED,
        ((KS, 0, 4), (CD, 0, 4)),
        ("approve construction", "approve committee"),
        PermissionDenied,
        "两人分别作出",
        deputy="member and deputy director",
    ),
    Case(
        "second signature",
        Status.INVOICE_SIGNING_2,
        ((KS, 0, 4), (CD, 0, 4)),
        ("sign", "sign"),
        ValidationError,
        "同一人不能在同一张发票上签两次字",
        deputy="member and deputy director",
    ),
    Case("third signature, once", Status.INVOICE_SIGNING_3, ((KS, 0, 4),), ("sign",)),
    Case(
        "second signature, for the director",
        Status.INVOICE_SIGNING_2,
        ((CD, 0, 4),),
        ("sign",),
        deputy="deputy director",
    ),
]


def _deputy(case: Case, people, community) -> User:
    """The one who acts: the committee member, the construction committee's deputy director, or
    someone holding two of these roles (or one of them and a community role, to propose)."""
    if case.deputy == "member":
        return people[KM]
    if case.deputy == "deputy director":
        return people[CP]
    first = CP if case.deputy.startswith("deputy director") else KM
    user = user_with_role(first, community, full_name="张德明")
    if case.deputy == "member and deputy director":
        grant(user, CP, community)
    if case.deputy.endswith("proposer"):
        grant(user, Role.COMMUNITY_MEMBER, community)  # a community role: may propose there
    return User.objects.get(pk=user.pk)


def _try(what: str, project, by):
    if what == "approve committee":
        return approve(project, by, Review.Kind.COMMITTEE)
    if what == "approve construction":
        return approve(project, by, Review.Kind.CONSTRUCTION)
    return sign(project, by)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_acting_leader_table(case, cast, community, fund_year, clock):
    people, admin = cast
    deputy = _deputy(case, people, community)
    if case.deputy.endswith("proposer"):
        project = services.project_create(
            community=community, fund_year=fund_year, by=deputy, fields=plan_fields(), lines=lines()
        )
        assert project.proposer == deputy
    else:
        project = new_project(people, fund_year)
    walk(project, people, case.until, clock)
    today = clock.day
    for role, first, last in case.acting:
        acting_for(
            people, admin, role, deputy, starts=today + dt.timedelta(days=first), ends=today + dt.timedelta(days=last)
        )
    clock.after(case.days_later)
    *before, last = case.tries
    for what in before:
        _try(what, project, deputy)
    if case.refused is None:
        _try(last, project, deputy)
        event = AuditEvent.objects.filter(project_id=project.pk, actor=deputy).last()
        assert event.changes["acting_for"] in ("李伟", "陈桂兰")
        assert "代" in sentence(event)
    else:
        events = AuditEvent.objects.count()
        status = type(project).objects.get(pk=project.pk).status
        with pytest.raises(case.refused, match=case.says or None):
            _try(last, project, deputy)
        # Refused: nothing changed.
        assert AuditEvent.objects.count() == events
        assert type(project).objects.get(pk=project.pk).status == status


# -- what it says, everywhere -------------------------------------------------------------------------


def _approved_by_acting(cast, community, fund_year, clock):
    people, admin = cast
    project = walk(new_project(people, fund_year), people, Status.SUBMITTED, clock)
    acting = acting_for(people, admin, KS, people[KM], starts=clock.day, ends=clock.day + dt.timedelta(days=4))
    return people, project, acting


def test_the_next_step_names_the_acting_person_while_the_period_runs(cast, community, fund_year, clock):
    people, project, _ = _approved_by_acting(cast, community, fund_year, clock)

    def sentence_today():
        project.refresh_from_db()
        facts = project_facts.load([project])[0]
        return next_step(project, facts, Holders([project]))

    now = sentence_today()
    assert f"{community.committee.name}（张德明代李伟）党工委班子会议批准" in now.sentence
    assert people[KM].pk in now.user_ids and people[KS].pk not in now.user_ids  # told: the one who acts
    # The construction committee's director is not away: named as usual.
    assert "（陈桂兰）建管委批准" in now.sentence
    clock.after(5)  # the period ended yesterday
    later = sentence_today()
    assert "（李伟）党工委班子会议批准" in later.sentence and "代" not in later.sentence


def test_the_acting_person_may_take_what_their_own_role_allows_in_their_own_name(cast, community, fund_year, clock):
    people, admin = cast
    project = walk(new_project(people, fund_year), people, Status.CONSENT_REQUESTED, clock)
    acting_for(people, admin, KS, people[KM], starts=clock.day, ends=clock.day + dt.timedelta(days=4))
    services.project_consent(project=project, by=people[KM], comment="同意")
    review = Review.objects.get(project=project)
    assert review.acting is None and review.signed_by == "张德明" and review.acting_role == "党工委班子成员"
    facts = project_facts.load([project])[0]
    project.refresh_from_db()
    assert "代" not in next_step(project, facts, Holders([project])).sentence.split("。")[0].split("党工委")[0]


def test_the_approval_says_who_approved_and_for_whom(cast, community, fund_year, clock, client):
    people, project, acting = _approved_by_acting(cast, community, fund_year, clock)
    project.refresh_from_db()
    facts = project_facts.load(
        [project], kinds=set().union(*(r.reads for r in process.APPROVE_FOR_COMMITTEE.all_rules))
    )[0]
    assert machine.verdict(process.APPROVE_FOR_COMMITTEE, project, people[KM], facts)
    # Where the step is taken: for whom, the period, and the written authorisation it rests on.
    client.force_login(people[KM])
    act = client.get(reverse("projects:act", args=[project.pk, process.APPROVE_FOR_COMMITTEE.verb]))
    note = act.content.decode().split('id="acting-note"', 1)[1].split("</p>", 1)[0]
    assert f"代行期间 {acting.starts_on:%Y-%m-%d} 至 {acting.ends_on:%Y-%m-%d}" in note
    assert reverse("setup:acting_authorisation", args=[acting.pk]) in note
    assert "本事项将记为“张德明代李伟（党工委书记）”" in note
    approve(project, people[KM], Review.Kind.COMMITTEE)
    # The record: who signed, and for whom, under which authorisation.
    review = Review.objects.get(project=project, kind=Review.Kind.COMMITTEE)
    assert (review.decided_by, review.acting, review.acting_for_name) == (people[KM], acting, "李伟")
    assert review.acting_role == "党工委书记" and review.signed_by == "张德明代李伟"
    # The trail: the acting person as the actor, the role acted in, the principal and the record.
    event = AuditEvent.objects.get(project_id=project.pk, action=process.APPROVE_FOR_COMMITTEE.action)
    assert (event.actor, event.actor_role, event.actor_scope) == (people[KM], "党工委书记", community.committee.name)
    assert event.changes["acting_for"] == "李伟" and event.changes["acting_for_id"] == people[KS].pk
    assert event.changes["acting_own_role"] == "党工委班子成员" and event.changes["acting_record"] == acting.pk
    assert sentence(event).startswith(f"张德明代李伟（党工委书记，{community.committee.name}）党工委班子会议批准「")
    # The page.
    client.force_login(people[Role.SUPERVISOR])
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "张德明代李伟（党工委书记）" in page
    assert f"张德明代李伟（党工委书记，{community.committee.name}）党工委班子会议批准" in page
    assert reverse("setup:acting_authorisation", args=[acting.pk]) in page
    # The supervisor opens the written authorisation from there.
    scan = client.get(reverse("setup:acting_authorisation", args=[acting.pk]))
    assert scan.status_code == 200 and b"".join(scan.streaming_content) == PDF
    # The paper form.
    pdf = client.get(reverse("publicity:application_form_pdf", args=[project.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace(" ", "")
    assert "张德明代李伟（党工委书记）" in text
    # The dossier: who for whom, the period, and the written authorisation itself in the ZIP,
    # its bytes matching the SHA-256 recorded when it was uploaded (Art. 11).
    dossier = render_to_string("supervision/dossier.html", dossier_context(project))
    assert "张德明代李伟（党工委书记）" in dossier
    assert f"代行职责：张德明代李伟（党工委书记，{community.committee.name}），2026年11月" in dossier
    assert acting.authorisation_sha256 in dossier
    archive, rows = dossier_zip(project, pdf=PDF)
    (row,) = [r for r in rows if r.source == "acting"]
    assert (
        row.source_id == str(acting.pk) and row.matches and row.path.startswith("acting/") and row.path.endswith(".pdf")
    )
    with zipfile.ZipFile(archive) as zf:
        assert zf.read(row.path) == PDF


def test_a_signature_under_an_acting_period_keeps_who_signed_and_for_whom(cast, community, fund_year, clock, client):
    people, admin = cast
    project = walk(new_project(people, fund_year), people, Status.INVOICE_SIGNING_3, clock)
    acting = acting_for(people, admin, KS, people[KM], starts=clock.day, ends=clock.day)
    signature = sign(project, people[KM])
    principal = RoleAssignment.objects.get(user=people[KS], role=KS)
    assert (signature.signer, signature.role_assignment, signature.acting) == (people[KM], principal, acting)
    assert signature.role == KS and signature.signed_by == "张德明代李伟"
    assert str(signature) == "3. 党工委书记 张德明代李伟"
    event = AuditEvent.objects.get(project_id=project.pk, action=process.SIGN_AS_COMMITTEE_SECRETARY.action)
    assert sentence(event).startswith("张德明代李伟（党工委书记，")
    client.force_login(people[Role.SUPERVISOR])
    pdf = client.get(reverse("publicity:application_form_pdf", args=[project.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace(" ", "")
    block = text.split("发票会签", 1)[1]
    assert "张德明代李伟" in block
    dossier = render_to_string("supervision/dossier.html", dossier_context(project))
    assert f"张德明代李伟<br>代行职责 {clock.day:%Y-%m-%d} 至 {clock.day:%Y-%m-%d}" in dossier
    assert acting.authorisation_sha256 in dossier
    assert Signature.objects.filter(signer=people[KM]).count() == 1


def test_a_step_taken_the_day_after_the_period_is_refused_and_says_why(cast, community, fund_year, clock):
    people, admin = cast
    project = walk(new_project(people, fund_year), people, Status.SUBMITTED, clock)
    acting_for(people, admin, KS, people[KM], starts=clock.day, ends=clock.day)
    clock.after(1)
    project.refresh_from_db()
    facts = project_facts.load([project], kinds={"reviews"})[0]
    verdict = machine.verdict(process.APPROVE_FOR_COMMITTEE, project, people[KM], facts, money=False)
    assert not verdict and verdict.denied and "党工委书记" in verdict.reason
    with pytest.raises(PermissionDenied):
        approve(project, people[KM], Review.Kind.COMMITTEE)
    assert not Review.objects.filter(project=project, kind=Review.Kind.COMMITTEE).exists()
