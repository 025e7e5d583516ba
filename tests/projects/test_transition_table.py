"""Every step × every role × own/other scope → allowed or refused (Art. 9–13, "Who is involved")."""

import pytest

from fundadmin.roles import Role
from projects import machine, process
from projects.models import Project
from tests.factories import CommunityFactory, FundYearFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

CS, CM, KS, KM, FI, CD, SV = (
    Role.COMMUNITY_SECRETARY,
    Role.COMMUNITY_MEMBER,
    Role.COMMITTEE_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.FINANCE,
    Role.CONSTRUCTION_DIRECTOR,
    Role.SUPERVISOR,
)

# Who may take each step. Written out by hand from SPEC.md so that a change to roles.py or to a
# step's permission in the table that breaks the process makes this test fail.
ALLOWED = {
    "request_consent": {CS},
    "withdraw": {CS},
    "consent": {KS, KM},
    "return_for_revision": {KS, KM},
    "record_meeting": {CS},  # the joint meeting's vote posts the plan or shelves it
    "submit_for_approval": {CS},
    "uphold_objection": {KS, KM},  # revise or shelve
    "approve_for_committee": {KS},  # first or second of the two approvals
    "return_by_committee": {KS},
    "reject_by_committee": {KS},
    "approve_for_construction": {CD},
    "return_by_construction": {CD},
    "reject_by_construction": {CD},
    "assign_followup": {KS, KM},
    "start_execution": {CS},
    "request_change": {CS},
    "decide_change": {KS, KM},
    "record_progress": {KS, KM, FI, CD},  # the committee's staff; the step's rule then asks for the follow-up person
    "request_inspection": {CS},
    "inspect": {KS, KM},  # accepted, or sent back for rectification
    "submit_invoice": {CS},
    "sign_as_community_secretary": {CS},
    "sign_as_construction_director": {CD},
    "sign_as_committee_secretary": {KS},
    "settle": {FI},
    "settle_without_invoice": {FI},
    "repost_payment": {FI},  # finance keep the books: a reversed payment is posted again (Art. 13, 17)
    "start_completion_notice": {CS},
    "close": {CS},
}
ROLES = [CS, CM, KS, KM, FI, CD, SV]
STEPS = sorted(step.verb for step in process.STEPS)
TRANSITIONS = sorted({t.name for t in Project(status="draft").get_all_status_transitions()})


def test_the_table_covers_every_step():
    assert set(ALLOWED) == set(STEPS)


def test_every_transition_is_a_step_of_the_table():
    """django-fsm's transitions are derived from the table: one method per step that changes the
    state, one transition per state it leaves."""
    assert set(TRANSITIONS) == {step.verb for step in process.STEPS if process.edges(step)}
    for t in Project(status="draft").get_all_status_transitions():
        step = process.STEP[t.name]
        assert (t.source, step) in [(source, go.step) for source, go in process.edges(step)]
        assert t.custom["label"] == step.label


@pytest.fixture
def world():
    own = CommunityFactory()
    sibling = CommunityFactory(committee=own.committee)
    other = CommunityFactory()
    users = {
        (role, scope): user_with_role(role, c)
        for role in ROLES
        for scope, c in (("own", own), ("sibling", sibling), ("other", other))
    }
    return own, FundYearFactory(community=own), UserFactory(), users


@pytest.mark.parametrize("name", STEPS)
def test_who_may_take_each_step(world, name):
    own, fund_year, proposer, users = world
    step = process.STEP[name]
    source = next(state.status for state in process.STATES if step in state.steps)
    project = Project(community=own, fund_year=fund_year, proposer=proposer, number="T-1", title="t", status=source)
    wrong = []
    for (role, scope), user in users.items():
        verdict = machine.permission(step)(project, user)
        community_role = role in (CS, CM, SV)
        # Committee roles act for every community of their committee; community roles for their own only.
        in_scope = scope == "own" or (scope == "sibling" and not community_role)
        if bool(verdict) is not (in_scope and role in ALLOWED[name]):
            wrong.append((role.label, scope, bool(verdict)))
        if not verdict and not verdict.reason:
            wrong.append((role.label, scope, "no reason shown"))
    assert wrong == []
