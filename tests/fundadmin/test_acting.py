"""Acting leaders (代行职责, SPEC.md "Decisions the rules leave to us"): who may record an acting
period and for whom, what is refused when recording, and how the one permission checker
(fundadmin.permissions.check / grants) gives the principal's powers on the days the period runs —
from its first day, not after its last — with no nightly job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from guardian.models import UserObjectPermission

from audit.models import AuditEvent
from audit.sentences import sentence
from fundadmin import services
from fundadmin.models import ActingAssignment, RoleAssignment, User
from fundadmin.permissions import acting_principals, check, grants
from fundadmin.roles import PRINCIPAL_ROLES, ROLE_BODY, Role
from tests.factories import CommunityFactory, user_with_role
from tests.projects.helpers import PDF, Clock

pytestmark = pytest.mark.django_db

KS, KM, CD, CP, CS, CM, FI = (
    Role.COMMITTEE_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.CONSTRUCTION_DIRECTOR,
    Role.CONSTRUCTION_DEPUTY,
    Role.COMMUNITY_SECRETARY,
    Role.COMMUNITY_MEMBER,
    Role.FINANCE,
)
MONDAY = dt.date(2026, 11, 9)


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=MONDAY)


@pytest.fixture
def admin_user(db):
    return user_with_role(Role.SYSTEM_ADMIN, None, username="sysadmin", full_name="管理员")


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def authorisation(content: bytes = PDF, name: str = "授权书.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def principal_of(user: User, role: Role) -> RoleAssignment:
    return RoleAssignment.objects.active().get(user=user, role=role)


def record(principal_user, role, deputy, *, by, starts=MONDAY, ends=MONDAY + dt.timedelta(days=4), **kwargs):
    return services.acting_record(
        principal=principal_of(principal_user, role),
        user=deputy,
        by=by,
        starts_on=starts,
        ends_on=ends,
        reason=kwargs.pop("reason", "参加市委党校集中培训"),
        authorisation=kwargs.pop("authorisation", authorisation()),
    )


def test_every_deputy_role_belongs_to_the_principals_body_and_is_one_of_its_leaders():
    # Art. 11: only the principal leaders approve; whoever acts for one is a leader of the same body.
    # "a person who already holds a role in the same body" — its leaders, not its staff.
    for principal, deputies in PRINCIPAL_ROLES.items():
        for deputy in deputies:
            assert ROLE_BODY[deputy] == (ROLE_BODY[principal][0], ""), (principal, deputy)
    assert FI not in {d for deputies in PRINCIPAL_ROLES.values() for d in deputies}


# -- who records it ---------------------------------------------------------------------------------


WHO_RECORDS = [
    # (recorder, principal, allowed)
    ("admin", KS, True),
    ("admin", CD, True),
    ("admin", CS, True),
    (KS, CD, True),  # the committee's secretary, for the construction committee's director beside it
    (KS, CS, True),  # … and for the community Party committees' secretaries under it
    (KS, KS, False),  # never for themselves
    (KM, KS, False),
    (KM, CD, False),
    (CD, CD, False),  # the principal never records their own stand-in
    (CD, KS, False),
    (CS, CS, False),
    (FI, CD, False),
    ("other committee's secretary", CD, False),
]


@pytest.mark.parametrize(("recorder", "principal_role", "allowed"), WHO_RECORDS)
def test_who_may_record_an_acting_period(recorder, principal_role, allowed, people, community, admin_user, clock):
    deputy = people[PRINCIPAL_ROLES[principal_role][0]]
    if recorder == "admin":
        by = admin_user
    elif recorder == "other committee's secretary":
        by = user_with_role(KS, CommunityFactory())
    else:
        by = people[recorder]
    principal = principal_of(people[principal_role], principal_role)
    assert (principal in acting_principals(by)) is allowed
    if allowed:
        acting = record(people[principal_role], principal_role, deputy, by=by)
        assert acting.recorded_by == by
        event = AuditEvent.objects.get(action="acting.record")
        assert event.actor == by and event.object_id == str(acting.pk)
    else:
        with pytest.raises(PermissionDenied):
            record(people[principal_role], principal_role, deputy, by=by)
        assert not ActingAssignment.objects.exists()
        assert not AuditEvent.objects.filter(action="acting.record").exists()


# -- what is refused when recording -----------------------------------------------------------------


def _other_committee_member(people):
    return user_with_role(KM, CommunityFactory())


REFUSED = [
    # (case, principal role, who would act, error code)
    ("acting for oneself", KS, lambda p: p[KS], "acting_self"),
    ("the committee's finance officer (staff, not a leader)", KS, lambda p: p[FI], "acting_outsider"),
    ("the construction committee's deputy, for the committee", KS, lambda p: p[CP], "acting_outsider"),
    ("a community member, for the committee", KS, lambda p: p[CM], "acting_outsider"),
    ("another committee's member", KS, _other_committee_member, "acting_outsider"),
    ("a committee member, for the construction director", CD, lambda p: p[KM], "acting_outsider"),
    ("a supervisor, for the community secretary", CS, lambda p: p[Role.SUPERVISOR], "acting_outsider"),
    ("the finance officer, who is no principal", FI, lambda p: p[KM], "not_principal"),
]


@pytest.mark.parametrize(("case", "role", "who", "code"), REFUSED, ids=[r[0] for r in REFUSED])
def test_recording_refuses(case, role, who, code, people, admin_user, clock):
    # Art. 11 (and Art. 13's separation of duties): nobody acts for themselves, nor from outside the body.
    with pytest.raises(ValidationError) as refused:
        record(people[role], role, who(people), by=admin_user)
    assert refused.value.error_list[0].code == code, refused.value.messages
    assert not ActingAssignment.objects.exists()
    assert not AuditEvent.objects.filter(action="acting.record").exists()


def test_a_person_whose_own_role_has_ended_cannot_be_recorded(people, community, admin_user, clock):
    deputy = user_with_role(KM, community, valid_until=MONDAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        record(people[KS], KS, deputy, by=admin_user)
    assert refused.value.error_list[0].code == "acting_outsider"
    assert "已有任职" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("starts", "ends", "code"),
    [
        (MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=3), "acting_past"),
        (MONDAY + dt.timedelta(days=3), MONDAY, "acting_order"),
    ],
)
def test_the_period_starts_today_or_later_and_ends_after_it_starts(starts, ends, code, people, admin_user, clock):
    with pytest.raises(ValidationError) as refused:
        record(people[KS], KS, people[KM], by=admin_user, starts=starts, ends=ends)
    assert refused.value.error_list[0].code == code
    assert not ActingAssignment.objects.exists()


def test_two_periods_for_one_principal_never_overlap(people, community, admin_user, clock):
    record(people[KS], KS, people[KM], by=admin_user)
    other = user_with_role(KM, community, full_name="王海燕")
    with pytest.raises(ValidationError) as refused:
        record(
            people[KS],
            KS,
            other,
            by=admin_user,
            starts=MONDAY + dt.timedelta(days=4),
            ends=MONDAY + dt.timedelta(days=8),
        )
    assert refused.value.error_list[0].code == "acting_overlap"
    # The next week is free.
    record(
        people[KS], KS, other, by=admin_user, starts=MONDAY + dt.timedelta(days=5), ends=MONDAY + dt.timedelta(days=8)
    )
    assert ActingAssignment.objects.count() == 2


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (lambda: authorisation(b"not a pdf at all", "授权书.pdf"), "bad_type"),  # judged by content
        (lambda: authorisation(b"", "授权书.pdf"), "empty"),
        (lambda: None, "empty"),
    ],
)
def test_the_written_authorisation_is_judged_by_its_content(upload, code, people, admin_user, clock):
    # Art. 11 via SPEC "Acting leaders": the written authorisation is the record of the delegation.
    with pytest.raises(ValidationError) as refused:
        record(people[KS], KS, people[KM], by=admin_user, authorisation=upload())
    assert refused.value.error_list[0].code == code
    assert not ActingAssignment.objects.exists()


def test_a_reason_is_required(people, admin_user, clock):
    with pytest.raises(ValidationError):
        record(people[KS], KS, people[KM], by=admin_user, reason="  ")
    assert not ActingAssignment.objects.exists()


def test_the_record_keeps_the_authorisation_and_the_trail_reads_it(people, admin_user, clock):
    people[KS].full_name, people[KM].full_name = "李伟", "张德明"
    people[KS].save(), people[KM].save()
    acting = record(people[KS], KS, people[KM], by=admin_user)
    assert acting.user_role == KM and acting.acting_name == "张德明代李伟"
    assert acting.authorisation.read() == PDF
    assert len(acting.authorisation_sha256) == 64 and acting.authorisation_type == "application/pdf"
    text = sentence(AuditEvent.objects.get(action="acting.record"))
    assert text.startswith("管理员（系统管理员，全市）登记张德明（本人职务：党工委班子成员）代行李伟（党工委书记，")
    assert "自 2026年11月9日 至 2026年11月13日" in text and "参加市委党校集中培训" in text
    services.acting_end(acting=acting, by=admin_user, reason="本人已返岗")
    text = sentence(AuditEvent.objects.get(action="acting.end"))
    assert "提前结束张德明（本人职务：党工委班子成员）代行李伟（党工委书记" in text and "本人已返岗" in text
    with pytest.raises(ValidationError):
        services.acting_end(acting=acting, by=admin_user, reason="再次")
    assert AuditEvent.objects.filter(action="acting.end").count() == 1


# -- the one checker, on the day --------------------------------------------------------------------


def test_it_applies_from_its_first_day_to_its_last_and_not_after_with_no_job(people, community, admin_user, clock):
    # Art. 11: the 5-working-day approval does not wait for a leader on leave; the stand-in's power
    # is the period's, to the day.
    clock.to(MONDAY - dt.timedelta(days=3))  # recorded on the Friday before
    deputy = people[KM]
    record(people[KS], KS, deputy, by=admin_user, starts=MONDAY, ends=MONDAY + dt.timedelta(days=4))
    # The same user object is kept across the days, as a long-lived process would: the grants it
    # caches are the day's, so nothing stale carries over and no sync has to run.
    days = {
        MONDAY - dt.timedelta(days=3): False,  # before it starts
        MONDAY: True,  # starts today: applies today
        MONDAY + dt.timedelta(days=4): True,  # its last day
        MONDAY + dt.timedelta(days=5): False,  # ended yesterday: does not apply
    }
    for day, expected in days.items():
        clock.to(day)
        for codename in ("approve_for_committee", "sign_invoice_committee"):
            assert bool(check(deputy, codename, community)) is expected, (day, codename)
        assert bool(check(deputy, "give_consent", community))  # their own role, all along
    # No guardian row was ever written for what the acting period grants.
    assert not UserObjectPermission.objects.filter(user=deputy, permission__codename="approve_for_committee").exists()


def test_it_grants_the_principals_powers_on_the_principals_scope_only(people, community, admin_user, clock):
    record(people[KS], KS, people[KM], by=admin_user)
    elsewhere = CommunityFactory()
    deputy = fresh(people[KM])
    assert check(deputy, "approve_for_committee", community)
    assert not check(deputy, "approve_for_committee", elsewhere)
    assert not check(deputy, "approve_for_construction", community)  # only the role acted in
    assert grants(deputy)[("workingcommittee", community.committee_id)] >= {"approve_for_committee", "give_consent"}


@pytest.mark.parametrize(
    "lapse", ["ended early", "principal's role revoked", "deputy's own role revoked", "deputy deactivated"]
)
def test_it_lapses_with_what_it_rests_on(lapse, people, community, admin_user, clock):
    acting = record(people[KS], KS, people[KM], by=admin_user)
    assert check(fresh(people[KM]), "approve_for_committee", community)
    if lapse == "ended early":
        services.acting_end(acting=acting, by=admin_user, reason="本人已返岗")
    elif lapse == "principal's role revoked":
        services.role_revoke(assignment=principal_of(people[KS], KS), by=admin_user, reason="调任")
    elif lapse == "deputy's own role revoked":
        services.role_revoke(assignment=principal_of(people[KM], KM), by=admin_user, reason="调任")
    else:
        User.objects.filter(pk=people[KM].pk).update(is_active=False)
    assert not check(fresh(people[KM]), "approve_for_committee", community)
    assert not ActingAssignment.objects.running().exists()


def test_the_principal_keeps_the_role(people, community, admin_user, clock):
    # Acting adds a stand-in; it takes nothing away (the principal may be back early).
    record(people[KS], KS, people[KM], by=admin_user)
    assert check(fresh(people[KS]), "approve_for_committee", community)


# -- the page ---------------------------------------------------------------------------------------


def _post(client, people, principal_role, deputy_role, **overrides):
    data = {
        "principal": principal_of(people[principal_role], principal_role).pk,
        "user": people[deputy_role].pk,
        "starts_on": MONDAY.isoformat(),
        "ends_on": (MONDAY + dt.timedelta(days=4)).isoformat(),
        "reason": "病假",
        "authorisation": authorisation(),
        **overrides,
    }
    return client.post("/setup/acting/", data)


def test_the_committee_secretary_records_for_the_construction_director_on_the_page(client, people, clock):
    client.force_login(people[KS])
    page = client.get("/setup/acting/")
    assert page.status_code == 200
    choices = page.content.decode()
    assert principal_of(people[CD], CD).get_role_display() in choices
    response = _post(client, people, CD, CP)
    assert response.status_code == 302 and response["Location"] == "/setup/acting/"
    acting = ActingAssignment.objects.get()
    assert (acting.user, acting.principal.user, acting.recorded_by) == (people[CP], people[CD], people[KS])
    listed = client.get("/setup/acting/").content.decode()
    assert acting.acting_name in listed and "代行中" in listed
    # Ended early from the same page; GET on the POST-only address changes nothing.
    assert client.get(f"/setup/acting/{acting.pk}/end/").status_code == 405
    assert client.post(f"/setup/acting/{acting.pk}/end/", {"reason": "本人已返岗"}).status_code == 302
    acting.refresh_from_db()
    assert acting.revoked_by == people[KS] and acting.revoke_reason == "本人已返岗"


def test_the_page_refuses_whoever_may_not_record_and_says_why(client, people, clock):
    for role in (KM, CD, FI, CS, Role.SUPERVISOR):
        client.force_login(people[role])
        response = client.get("/setup/acting/")
        assert response.status_code == 403, role
        assert "只有系统管理员和党工委书记可以登记代行职责" in response.content.decode()


def test_the_page_keeps_the_form_and_says_what_is_wrong(client, people, clock):
    client.force_login(people[KS])
    # Their own stand-in is not theirs to record: not even offered.
    response = _post(client, people, KS, KM)
    assert response.status_code == 200 and "所选的被代行的负责人不在可选范围内" in response.content.decode()
    # Only those who may stand in for someone are offered as the one who acts …
    response = _post(client, people, CD, KM)
    assert "所选的代行人不在可选范围内" in response.content.decode()
    # … and the service refuses a pair that does not match: a community member for the director.
    response = _post(client, people, CD, CM)
    text = response.content.decode()
    assert response.status_code == 200 and "代行建管委主任职责的，须是同一机构中已有任职的人" in text
    response = _post(client, people, CD, CP, authorisation=authorisation(b"GIF89a not a scan"))
    assert "按文件内容判断" in response.content.decode()
    assert not ActingAssignment.objects.exists() and not AuditEvent.objects.filter(action="acting.record").exists()


def test_the_authorisation_is_read_by_those_who_read_that_bodys_records(client, people, admin_user, clock):
    acting = record(people[CD], CD, people[CP], by=admin_user)
    url = f"/setup/acting/{acting.pk}/authorisation/"
    for role in (KS, CP, Role.SUPERVISOR, CS):
        client.force_login(people[role])
        response = client.get(url)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF
    client.force_login(user_with_role(KS, CommunityFactory()))  # another committee's secretary
    assert client.get(url).status_code == 403
    client.force_login(people[KS])
    assert client.post(url).status_code == 405
