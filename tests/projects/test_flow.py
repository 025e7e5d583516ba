"""The whole life of a project, Art. 9–15, through the services."""

import pytest

from audit.models import AuditEvent
from audit.services import chain_verify
from fundadmin.roles import Role
from projects.models import ContractorKind, PlanVersion, Status
from publicity.models import Notice

from .helpers import Clock, new_project, walk

pytestmark = pytest.mark.django_db


def test_invoice_project_from_proposal_to_closed(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year)
    walk(project, people, Status.CLOSED, clock)
    assert project.approved_amount == project.budget_total
    assert PlanVersion.objects.filter(project=project).count() == 1
    assert [s.role for s in project.invoice.signatures.all()] == [
        Role.COMMUNITY_SECRETARY,
        Role.CONSTRUCTION_DIRECTOR,
        Role.COMMITTEE_SECRETARY,
    ]
    kinds = set(Notice.objects.filter(project=project).values_list("kind", flat=True))
    assert kinds == {Notice.Kind.PLAN, Notice.Kind.COMPLETION}
    actions = list(AuditEvent.objects.filter(project_id=project.pk).values_list("action", flat=True))
    assert actions[0] == "project.create" and actions[-1] == "project.close"
    assert chain_verify().ok


def test_no_invoice_project_from_proposal_to_closed(people, fund_year, time_machine):
    clock = Clock(time_machine)
    project = new_project(people, fund_year, contractor_kind=ContractorKind.AID, contractor_name="张某某")
    walk(project, people, Status.CLOSED, clock)
    kinds = set(Notice.objects.filter(project=project).values_list("kind", flat=True))
    assert kinds == {Notice.Kind.PLAN, Notice.Kind.PAYMENT, Notice.Kind.COMPLETION}
