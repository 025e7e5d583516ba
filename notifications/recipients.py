"""Who is told about an event: the one place that decides it (``recipients_for``).

For an event about a project: its proposer, the follow-up person, and the people who hold the
roles that must act next in the project's community or committee. For an objection, an opinion, a
need or an annual report: the body it is addressed to (and, for an answer, the person who asked).
Never the person who acted. Only active users.

Who must act next is the process's own answer (``projects.next_step``): the people the
next-step sentence names, now or once what holds the project (a notice period, another body's
step) is done.
"""

from __future__ import annotations

from django.db.models import Q

from fundadmin.models import Community, RoleAssignment, User
from fundadmin.roles import ScopeLevel, permission_level, roles_granting
from projects import facts as project_facts
from projects.models import Project
from projects.next_step import Holders, next_step
from publicity.models import Objection
from supervision.models import AnnualReport, Opinion, ReportEvaluation

# The project's own story: every step of the process (the transitions write ``project.<step>``)
# and these; edits of a draft, the frozen plan and the like are left out as noise.
PROJECT_ACTIONS_LEFT_OUT = {"project.create", "project.update", "project.approved_plan"}
OTHER_ACTIONS = {
    "objection.submit",
    "objection.answer",
    "objection.uphold",
    "objection.dismiss",
    "opinion.record",
    "opinion.answer",
    "need.record",
    "annual_report.submit",
    "annual_report.evaluate",
}


def concerns(action: str) -> bool:
    """Whether anyone is told about events of this kind (asked before a task is queued)."""
    if action.startswith("project."):
        return action not in PROJECT_ACTIONS_LEFT_OUT
    return action in OTHER_ACTIONS


def recipients_for(event) -> list[User]:
    """The people to tell about ``event`` (an audit.AuditEvent), without its actor."""
    if not concerns(event.action):
        return []
    ids: set[int] = set()
    if event.action.startswith("project.") and event.project_id:
        project = Project.objects.select_related("community").filter(pk=event.project_id).first()
        if project is not None:
            ids |= {project.proposer_id, project.followup_user_id} - {None}
            ids |= _acting_next(project)
    elif event.action.startswith("objection."):
        objection = Objection.objects.select_related("notice__community").filter(pk=event.object_id).first()
        if objection is not None:
            community = objection.notice.community
            if event.action == "objection.submit":
                ids |= _holders("act_for_community", community)  # the community answers (Art. 10)
            elif event.action == "objection.answer":
                ids |= _holders("manage_execution", community)  # the committee decides
            else:
                ids |= _holders("act_for_community", community)
                if objection.notice.project_id:
                    ids |= set(
                        Project.objects.filter(pk=objection.notice.project_id).values_list("proposer", flat=True)
                    )
    elif event.action.startswith("opinion."):
        opinion = Opinion.objects.select_related("community").filter(pk=event.object_id).first()
        if opinion is not None:
            if event.action == "opinion.record":
                ids |= _holders(Opinion.ANSWER_PERMISSION[Opinion.Addressee(opinion.addressed_to)], opinion.community)
            else:
                ids.add(opinion.raised_by_id)
    elif event.action == "need.record" and event.community_id:
        ids |= _holders("propose_project", Community.objects.get(pk=event.community_id))
    elif event.action == "annual_report.submit":
        report = AnnualReport.objects.select_related("community").filter(pk=event.object_id).first()
        if report is not None:
            ids |= _holders("evaluate_report", report.community)
    elif event.action == "annual_report.evaluate":
        evaluation = ReportEvaluation.objects.select_related("report__community").filter(pk=event.object_id).first()
        if evaluation is not None:
            ids |= _holders("act_for_community", evaluation.report.community) | {evaluation.report.submitted_by_id}
    ids.discard(event.actor_id)  # never the actor of their own act
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _holders(codename: str, community: Community) -> set[int]:
    """The users who hold, today, a role carrying ``codename`` over this community (its own
    community roles, or its committee's)."""
    roles = roles_granting(codename)
    if permission_level(codename) == ScopeLevel.COMMUNITY:
        scope = Q(community=community)
    else:
        scope = Q(committee_id=community.committee_id)
    return set(RoleAssignment.objects.active().filter(scope, role__in=roles).values_list("user_id", flat=True))


def _acting_next(project: Project) -> set[int]:
    """The people the project waits for now (projects.next_step), from today's role holders."""
    facts = project_facts.load([project], without={"money"})[0]
    return next_step(project, facts, Holders([project])).user_ids
