"""What a person can do on a project page, derived from the table (``projects.process``): each
step's form, how it is run, and which steps a user is offered now.

UX.md: a button means "you can press this and it will work". So a page shows a button for a step
this user may take now; a step of theirs whose rule does not hold yet as text with its reason; and
nothing for another body's steps — the next-step sentence says whom the project waits for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms as django_forms
from django.utils.module_loading import import_string

from fundadmin.models import RoleAssignment, User
from fundadmin.roles import Role

from . import forms, machine, process
from .facts import Facts
from .models import Project
from .process import Step

# The form each step asks for (``Step.asks``).
FORMS: dict[str, type[django_forms.Form]] = {
    "confirm": forms.ConfirmForm,
    "comment": forms.CommentForm,
    "reason": forms.ReasonForm,
    "meeting": forms.MeetingForm,
    "committee_approval": forms.CommitteeApprovalForm,
    "followup": forms.FollowupForm,
    "progress": forms.ProgressForm,
    "change_request": forms.ChangeRequestForm,
    "change_decision": forms.ChangeDecisionForm,
    "inspection": forms.InspectionForm,
    "invoice": forms.InvoiceForm,
    "signature": forms.ConfirmForm,
    "settlement": forms.SettlementForm,
}
PAGE_STEPS: dict[str, Step] = {step.verb: step for step in process.STEPS if step.page}


def form_for(step: Step, project: Project, data=None) -> django_forms.Form:
    form_class = FORMS[step.asks]
    if form_class is forms.FollowupForm:
        return form_class(data, staff=committee_staff(project))
    return form_class(data)


def committee_staff(project: Project):
    ids = (
        RoleAssignment.objects.active()
        .filter(committee=project.community.committee, role__in=[Role.COMMITTEE_MEMBER, Role.COMMITTEE_SECRETARY])
        .values("user")
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def run(step: Step, project: Project, user: User, data: dict):
    """Take ``step`` through its service with the form's cleaned data."""
    service = import_string(step.service)
    return service(project=project, by=user, **step.service_kwargs, **data)


@dataclass(frozen=True)
class Offered:
    """What the page shows of the steps one can take here, for one user."""

    buttons: tuple[machine.StepVerdict, ...]  # may take now
    blocked: tuple[machine.StepVerdict, ...]  # theirs, but a rule does not hold yet: text with the reason

    def __bool__(self) -> bool:
        return bool(self.buttons or self.blocked)


def offered(project: Project, user: User, facts: Facts) -> Offered:
    buttons, blocked = [], []
    for step in project.state.steps:
        if not step.page:
            continue
        verdict = machine.verdict(step, project, user, facts)
        if verdict:
            buttons.append(verdict)
        elif verdict.mine:
            blocked.append(verdict)
    return Offered(tuple(buttons), tuple(blocked))


def first_waiting(project: Project, user: User, facts: Facts) -> machine.StepVerdict | None:
    """The first step the process waits on this user for, in the table's order — what the inbox
    shows. A step refused for the year's money still waits for a decision (the committee must
    approve, return or reject), so the money is not asked here; a step that waits for someone or
    something else first (a notice period, the committee) is not this user's yet."""
    for step in project.state.steps:
        if not step.page or not machine.waits_on(step, project, facts):
            continue
        verdict = machine.verdict(step, project, user, facts, money=False)
        if verdict or (verdict.mine and not verdict.denied and not verdict.waits_for_others):
            return verdict
    return None
