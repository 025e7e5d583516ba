"""Every transition × every role × own/other scope → allowed or refused (Art. 9–13, "Who is involved")."""

import pytest

from fundadmin.roles import Role
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
# transition's permission that breaks the process makes this test fail.
ALLOWED = {
    "request_consent": {CS},
    "withdraw": {CS},
    "consent": {KS, KM},
    "return_for_revision": {KS, KM},
    "shelve": {CS},
    "start_publicity": {CS},
    "submit_for_approval": {CS},
    "objection_upheld_revise": {KS, KM},
    "objection_upheld_shelve": {KS, KM},
    "approve_by_committee": {KS},
    "approve_by_committee_last": {KS},
    "return_by_committee": {KS},
    "reject_by_committee": {KS},
    "approve_by_construction": {CD},
    "approve_by_construction_last": {CD},
    "return_by_construction": {CD},
    "reject_by_construction": {CD},
    "start_execution": {CS},
    "request_inspection": {CS},
    "accept": {KS, KM},
    "require_rectification": {KS, KM},
    "submit_invoice": {CS},
    "sign_as_community_secretary": {CS},
    "sign_as_construction_director": {CD},
    "sign_as_committee_secretary": {KS},
    "settle": {FI},
    "settle_without_invoice": {FI},
    "start_completion_notice": {CS},
    "close": {CS},
}
ROLES = [CS, CM, KS, KM, FI, CD, SV]
TRANSITIONS = sorted({t.name for t in Project(status="draft").get_all_status_transitions()})


def test_the_table_covers_every_transition():
    assert set(ALLOWED) == set(TRANSITIONS)


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


@pytest.mark.parametrize("name", TRANSITIONS)
def test_who_may_take_each_transition(world, name):
    own, fund_year, proposer, users = world
    t = next(t for t in Project(status="draft").get_all_status_transitions() if t.name == name)
    project = Project(community=own, fund_year=fund_year, proposer=proposer, number="T-1", title="t", status=t.source)
    wrong = []
    for (role, scope), user in users.items():
        verdict = t.permission(project, user)
        community_role = role in (CS, CM, SV)
        # Committee roles act for every community of their committee; community roles for their own only.
        in_scope = scope == "own" or (scope == "sibling" and not community_role)
        if bool(verdict) is not (in_scope and role in ALLOWED[name]):
            wrong.append((role.label, scope, bool(verdict)))
        if not verdict and not verdict.reason:
            wrong.append((role.label, scope, "no reason shown"))
    assert wrong == []
