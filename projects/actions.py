"""What a person can do on a project page: each action, its form, the service it calls, and
when it is offered. Transition-backed actions take their verdict from the state machine itself
(projects.selectors.explain), so a button is never shown as possible when the domain would refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.core.exceptions import ValidationError

from fundadmin.models import User
from fundadmin.permissions import Verdict, check

from . import forms, services
from .facts import facts
from .models import ChangeRequest, Project, Review, Status
from .selectors import explain


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    form: type[django_forms.Form]
    run: Callable[[Project, User, dict], Any]
    transition: str | tuple[str, ...] | None = None  # FSM method(s) whose permission and rules decide
    states: tuple[Status, ...] = ()  # for actions that are not a single transition
    codename: str | None = None  # their permission
    help: str = ""
    danger: bool = False
    waiting: bool = True  # False: an option one may take, not a step the process waits for
    # What the service refuses beyond the state machine (money, two-person rule): asked on the
    # project and action pages so that a refusal is said before the form is filled, not after.
    precheck: Callable[[Project, User], Exception | None] | None = None

    def _fsm_transition(self, project: Project):
        names = (self.transition,) if isinstance(self.transition, str) else self.transition
        for name in names:
            t = getattr(project, name)._django_fsm.get_transition(project.status)
            if t is not None:
                return t
        return None

    def offered_in(self, project: Project) -> bool:
        if self.transition:
            return self._fsm_transition(project) is not None
        return project.status in self.states

    def verdict(self, project: Project, user: User, *, precheck: bool = True) -> Verdict:
        """May ``user`` take this action now, and if not, why. ``precheck=False`` leaves out the
        service's own checks (the inbox: a step refused for money still waits for a decision)."""
        if self.transition:
            verdict = explain(project, self._fsm_transition(project), user)
        elif self.name == "record_progress" and user.pk != project.followup_user_id:
            verdict = Verdict(False, "只有本项目的跟进专人可以登记跟进记录。")
        else:
            verdict = check(user, self.codename, project)
        if verdict and precheck and self.precheck is not None:
            problem = self.precheck(project, user)
            if problem is not None:
                reason = problem.messages[0] if isinstance(problem, ValidationError) else str(problem)
                return Verdict(False, reason)
        return verdict

    def form_kwargs(self, project: Project) -> dict:
        if self.form is forms.FollowupForm:
            return {"staff": _committee_staff(project)}
        return {}


def _committee_staff(project: Project):
    from fundadmin.models import RoleAssignment
    from fundadmin.roles import Role

    ids = (
        RoleAssignment.objects.active()
        .filter(committee=project.community.committee, role__in=[Role.COMMITTEE_MEMBER, Role.COMMITTEE_SECRETARY])
        .values("user")
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def _pending_change(project: Project) -> ChangeRequest:
    change = project.change_requests.filter(status=ChangeRequest.Outcome.PENDING).first()
    if change is None:  # decided meanwhile, e.g. by a second click
        raise ValidationError("该变更申请已处理。", code="already_decided")
    return change


ACTIONS: list[ActionSpec] = [
    ActionSpec(
        "request_consent",
        "报请党工委初步同意",
        forms.ConfirmForm,
        lambda p, u, d: services.project_request_consent(project=p, by=u),
        transition="request_consent",
        precheck=lambda p, u: services.small_group_problem(p, p.budget_total),
        help="提交后由党工委提出初步意见（第十条）。",
    ),
    ActionSpec(
        "consent",
        "初步同意",
        forms.CommentForm,
        lambda p, u, d: services.project_consent(project=p, by=u, comment=d["comment"]),
        transition="consent",
    ),
    ActionSpec(
        "return_for_revision",
        "退回修改",
        forms.ReasonForm,
        lambda p, u, d: services.project_return_for_revision(project=p, by=u, reason=d["reason"]),
        transition="return_for_revision",
        waiting=False,
    ),
    ActionSpec(
        "record_meeting",
        "登记联席会议",
        forms.MeetingForm,
        lambda p, u, d: services.meeting_record(project=p, by=u, **d),
        states=(Status.CONSENTED, Status.SHELVED),
        codename="act_for_community",
        help="赞成票超过参会人数一半的，方案即张贴公示（至少3个工作日）；否则暂时搁置，待再次开会取得一致（第十条）。",
    ),
    ActionSpec(
        "submit_for_approval",
        "公示期满无异议，报送党工委审批",
        forms.ConfirmForm,
        lambda p, u, d: services.project_submit_for_approval(project=p, by=u),
        transition="submit_for_approval",
        precheck=lambda p, u: services.money_problem(p, p.budget_total),
        help="党工委收到申请表后5个工作日内召开班子会议审批（第十一条）。",
    ),
    ActionSpec(
        "approve_committee",
        "党工委批准（班子会议）",
        forms.CommitteeApprovalForm,
        lambda p, u, d: services.project_approve(project=p, by=u, body=Review.Kind.COMMITTEE, **d),
        transition=("approve_by_committee", "approve_by_committee_last"),
        precheck=lambda p, u: services.approval_problem(p, u, Review.Kind.COMMITTEE),
    ),
    ActionSpec(
        "approve_construction",
        "建管委批准",
        forms.CommentForm,
        lambda p, u, d: services.project_approve(project=p, by=u, body=Review.Kind.CONSTRUCTION, **d),
        transition=("approve_by_construction", "approve_by_construction_last"),
        precheck=lambda p, u: services.approval_problem(p, u, Review.Kind.CONSTRUCTION),
    ),
    ActionSpec(
        "return_committee",
        "党工委退回修改",
        forms.ReasonForm,
        lambda p, u, d: services.project_send_back(project=p, by=u, body=Review.Kind.COMMITTEE, reason=d["reason"]),
        transition="return_by_committee",
        waiting=False,
    ),
    ActionSpec(
        "return_construction",
        "建管委退回修改",
        forms.ReasonForm,
        lambda p, u, d: services.project_send_back(project=p, by=u, body=Review.Kind.CONSTRUCTION, reason=d["reason"]),
        transition="return_by_construction",
        waiting=False,
    ),
    ActionSpec(
        "reject_committee",
        "党工委不予批准",
        forms.ReasonForm,
        lambda p, u, d: services.project_send_back(
            project=p, by=u, body=Review.Kind.COMMITTEE, reason=d["reason"], reject=True
        ),
        transition="reject_by_committee",
        danger=True,
        waiting=False,
    ),
    ActionSpec(
        "reject_construction",
        "建管委不予批准",
        forms.ReasonForm,
        lambda p, u, d: services.project_send_back(
            project=p, by=u, body=Review.Kind.CONSTRUCTION, reason=d["reason"], reject=True
        ),
        transition="reject_by_construction",
        danger=True,
        waiting=False,
    ),
    ActionSpec(
        "assign_followup",
        "指派跟进专人",
        forms.FollowupForm,
        lambda p, u, d: services.followup_assign(project=p, by=u, person=d["person"]),
        states=(Status.APPROVED, Status.EXECUTING, Status.INSPECTION),
        codename="manage_execution",
    ),
    ActionSpec(
        "start_execution",
        "开始实施",
        forms.ConfirmForm,
        lambda p, u, d: services.project_start_execution(project=p, by=u),
        transition="start_execution",
        help="严格按批准的方案实施；属于政府采购目录的按规定采购（第十二条）。",
    ),
    ActionSpec(
        "request_change",
        "申请变更",
        forms.ChangeRequestForm,
        lambda p, u, d: services.change_request_submit(project=p, by=u, **d),
        states=(Status.APPROVED, Status.EXECUTING),
        codename="act_for_community",
        help="因特殊原因需要变更的，须报党工委同意并备案（第十一条）。",
        waiting=False,
    ),
    ActionSpec(
        "decide_change",
        "决定变更申请",
        forms.ChangeDecisionForm,
        lambda p, u, d: services.change_request_decide(change=_pending_change(p), by=u, **d),
        states=(Status.APPROVED, Status.EXECUTING),
        codename="manage_execution",
    ),
    ActionSpec(
        "record_progress",
        "登记跟进记录",
        forms.ProgressForm,
        lambda p, u, d: services.progress_record(project=p, by=u, **d),
        states=(Status.EXECUTING, Status.INSPECTION),
        codename="view_committee_records",
        waiting=False,
    ),
    ActionSpec(
        "request_inspection",
        "项目完成，申请验收",
        forms.ConfirmForm,
        lambda p, u, d: services.project_request_inspection(project=p, by=u),
        transition="request_inspection",
    ),
    ActionSpec(
        "inspect",
        "登记验收结果",
        forms.InspectionForm,
        lambda p, u, d: services.inspection_record(project=p, by=u, **d),
        states=(Status.INSPECTION,),
        codename="manage_execution",
        help="党工委对项目质量和群众满意度进行整体验收（第十二条）。",
    ),
    ActionSpec(
        "submit_invoice",
        "登记发票，提交会签",
        forms.InvoiceForm,
        lambda p, u, d: services.invoice_submit(project=p, by=u, **d),
        transition="submit_invoice",
        help="请先在“文件”中上传发票扫描件。发票依次由社区党委书记、建管委主任、党工委书记签字（第十三条）。",
    ),
    ActionSpec(
        "sign_1",
        "社区党委书记签字",
        forms.ConfirmForm,
        lambda p, u, d: services.invoice_sign(project=p, by=u),
        transition="sign_as_community_secretary",
    ),
    ActionSpec(
        "sign_2",
        "建管委主任签字",
        forms.ConfirmForm,
        lambda p, u, d: services.invoice_sign(project=p, by=u),
        transition="sign_as_construction_director",
    ),
    ActionSpec(
        "sign_3",
        "党工委书记签字",
        forms.ConfirmForm,
        lambda p, u, d: services.invoice_sign(project=p, by=u),
        transition="sign_as_committee_secretary",
    ),
    ActionSpec(
        "settle",
        "与承办方结算",
        forms.SettlementForm,
        lambda p, u, d: services.settlement_record(project=p, by=u, **d),
        transition="settle",
        help="由党工委财务人员直接与承办方结算（第十三条）。",
    ),
    ActionSpec(
        "settle_without_invoice",
        "凭领款人签字结算（无发票）",
        forms.SettlementForm,
        lambda p, u, d: services.settlement_record(project=p, by=u, **d),
        transition="settle_without_invoice",
        help="事前会议决定、事中签字证明、领款人签字凭证须已上传；付款后自动张贴支付公示（第十三条）。",
    ),
    ActionSpec(
        "start_completion_notice",
        "张贴完成情况公示",
        forms.ConfirmForm,
        lambda p, u, d: services.project_start_completion_notice(project=p, by=u),
        transition="start_completion_notice",
        help="公示项目完成和经费使用情况3个工作日（第十五条）。",
    ),
    ActionSpec(
        "close",
        "公示期满，归档",
        forms.ConfirmForm,
        lambda p, u, d: services.project_close(project=p, by=u),
        transition="close",
    ),
    ActionSpec(
        "withdraw",
        "撤回项目",
        forms.ReasonForm,
        lambda p, u, d: services.project_withdraw(project=p, by=u, reason=d["reason"]),
        transition="withdraw",
        danger=True,
        waiting=False,
    ),
]
ACTIONS_BY_NAME = {a.name: a for a in ACTIONS}


@dataclass(frozen=True)
class Offered:
    spec: ActionSpec
    verdict: Verdict


def _applies(spec: ActionSpec, project: Project) -> bool:
    """Whether the action leads on from the project's current state at all."""
    if not spec.offered_in(project):
        return False
    if spec.name == "decide_change":
        return any(c.status == ChangeRequest.Outcome.PENDING for c in facts(project, "change_requests"))
    return True


def offered_actions(project: Project, user: User, *, precheck: bool = True) -> list[Offered]:
    """Every action that leads on from here, each with this user's verdict and, if refused, why."""
    return [
        Offered(spec, spec.verdict(project, user, precheck=precheck)) for spec in ACTIONS if _applies(spec, project)
    ]


def first_waiting_action(project: Project, user: User) -> Offered | None:
    """The first step the process waits on this user for, in process order — what the inbox
    shows. Stops at the first one allowed, so a page of inbox items costs no more than it must."""
    for spec in ACTIONS:
        if not spec.waiting or (spec.name == "assign_followup" and project.followup_user_id):
            continue
        if not _applies(spec, project):
            continue
        verdict = spec.verdict(project, user, precheck=False)
        if verdict:
            return Offered(spec, verdict)
    return None
