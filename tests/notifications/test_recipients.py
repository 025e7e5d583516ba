"""Who is told (notifications.recipients.recipients_for): the proposer, those who must act next,
the follow-up person; for objections, opinions and needs the body they are addressed to; never
the actor."""

import pytest

from audit.models import AuditEvent
from fundadmin.models import RoleAssignment
from fundadmin.roles import Role
from fundadmin.services import role_revoke
from notifications.recipients import concerns, recipients_for
from projects import services as project_services
from projects.models import Status
from publicity import services as publicity_services
from publicity.models import Need, Notice
from supervision import services as supervision_services
from tests.factories import UserFactory, grant
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db

S, M = Role.COMMUNITY_SECRETARY, Role.COMMUNITY_MEMBER
CS, CM, F, CD, SUP = (
    Role.COMMITTEE_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.FINANCE,
    Role.CONSTRUCTION_DIRECTOR,
    Role.SUPERVISOR,
)


def told(people) -> set[Role]:
    event = AuditEvent.objects.order_by("-seq").first()
    by_user = {u.pk: r for r, u in people.items()}
    return {by_user[u.pk] for u in recipients_for(event)}


def test_kinds_of_events_that_concern_anyone():
    assert concerns("project.request_consent") and concerns("project.assign_followup")
    assert concerns("opinion.record") and concerns("objection.submit") and concerns("need.record")
    for quiet in ("project.create", "project.update", "project.approved_plan", "auth.login_failed", "reminder.send"):
        assert not concerns(quiet), quiet


# (the state to walk to, the step taken from there by whom, who is told)
PROCESS = [
    # Art. 10: the committee gives its preliminary consent (secretary and members may).
    (Status.DRAFT, lambda p, pp: project_services.project_request_consent(project=p, by=pp[S]), {CS, CM}),
    # Consent given: the proposer, who is also the one to hold the joint meeting.
    (Status.CONSENT_REQUESTED, lambda p, pp: project_services.project_consent(project=p, by=pp[CM]), {S}),
    # Art. 11: submitted for approval: both principal leaders must approve.
    (
        Status.PUBLICITY,
        lambda p, pp: project_services.project_submit_for_approval(project=p, by=pp[S]),
        {CS, CD},
    ),
]


@pytest.mark.parametrize("start, step, expected", PROCESS, ids=["request_consent", "consent", "submit"])
def test_project_steps(people, fund_year, clock, start, step, expected):
    project = walk(new_project(people, fund_year), people, start, clock)
    if start == Status.PUBLICITY:
        clock.after(10)  # the notice period has run
    step(project, people)
    assert told(people) == expected


def test_the_follow_up_person_is_told(people, fund_year, clock):
    project = walk(new_project(people, fund_year), people, Status.EXECUTING, clock)
    assert project.followup_user_id == people[CM].pk
    project_services.progress_record(project=project, by=people[CM], noted_on=clock.day, note="已完成一半")
    assert told(people) == {S}  # the follow-up person recorded it: the proposer hears of it
    project_services.change_request_submit(
        project=project, by=people[S], reason="场地改期", description="延后两周", new_amount=project.approved_amount
    )
    # The change waits for the committee's consent (Art. 11); the follow-up person follows it.
    assert told(people) == {CS, CM}


def test_never_the_actor_even_when_they_must_act_next(people, fund_year):
    project = new_project(people, fund_year)
    project_services.project_request_consent(project=project, by=people[S])
    project_services.project_return_for_revision(project=project, by=people[CS], reason="补充")
    # Back in draft: the proposer must act (and is told); the secretary who returned it is not.
    assert CS not in told(people) and S in told(people)


def test_opinions_go_to_the_body_they_are_addressed_to(people, fund_year, clock):
    project = walk(new_project(people, fund_year), people, Status.PUBLICITY, clock)
    opinion = supervision_services.opinion_record(
        community=fund_year.community,
        by=people[SUP],
        subject="project",
        addressed_to="committee",
        text="请说明预算依据",
        project=project,
    )
    assert told(people) == {CS, CM}  # who may answer for the committee (manage_execution)
    supervision_services.opinion_record(
        community=fund_year.community,
        by=people[SUP],
        subject="project",
        addressed_to="community",
        text="请公开招标",
        project=project,
    )
    assert told(people) == {S}  # who may answer for the community (act_for_community)
    supervision_services.opinion_answer(opinion=opinion, by=people[CS], answer="已补充")
    assert told(people) == {SUP}  # the answer goes back to the one who asked


def test_objections_and_needs(people, fund_year, clock):
    project = walk(new_project(people, fund_year), people, Status.PUBLICITY, clock)
    notice = Notice.objects.get(project=project, kind=Notice.Kind.PLAN)
    objection = publicity_services.objection_submit(notice=notice, text="希望扩大受益范围")
    assert told(people) == {S}  # the community answers (Art. 10)
    publicity_services.objection_answer(objection=objection, by=people[S], answer="将扩大范围")
    assert told(people) == {CS, CM}  # the committee decides
    project_services.objection_decide(objection=objection, by=people[CM], upheld=False, decision="不成立")
    assert told(people) == {S}
    publicity_services.need_record(community=fund_year.community, content="楼道太黑", channel=Need.Channel.ONLINE)
    assert told(people) == {S, M}  # who may take it into a proposal
    publicity_services.need_record(
        community=fund_year.community, content="缺少座椅", channel=Need.Channel.DOOR_TO_DOOR, by=people[M]
    )
    assert told(people) == {S}


def test_only_people_who_hold_the_role_today_and_are_active(people, fund_year):
    second = UserFactory()
    grant(second, CM, fund_year.community)
    project = new_project(people, fund_year)
    role_revoke(assignment=RoleAssignment.objects.get(user=people[CM]), by=None, reason="调离")
    people[CS].is_active = False
    people[CS].save(update_fields=["is_active"])
    project_services.project_request_consent(project=project, by=people[S])
    event = AuditEvent.objects.order_by("-seq").first()
    assert recipients_for(event) == [second]
