"""The workflow's writes. Each public function runs in one transaction with the project row
locked, takes its transition through django-fsm (never assigning the status), and appends one
event to the trail naming who acted, under which role and scope, from which state to which."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.services import event_record
from fundadmin.models import Community, FundYear, RoleAssignment, User
from fundadmin.permissions import Verdict, check, require
from fundadmin.roles import ROLE_PERMISSIONS, Role
from fundadmin.text import required_text
from ledger.selectors import fund_balances
from ledger.services import account_lock, payment_post
from publicity.models import Notice
from publicity.services import notice_publish_for_project, plan_notices_take_down

from .facts import forget_facts, load_facts
from .models import (
    DECLARATION_FIELDS,
    BudgetLine,
    ChangeRequest,
    Document,
    Inspection,
    Invoice,
    JointMeeting,
    PlanVersion,
    ProgressNote,
    Project,
    Review,
    Settlement,
    Signature,
    Status,
)
from .selectors import explain, small_group_usage

ZERO = Decimal("0.00")


# -- plumbing --------------------------------------------------------------------------------------


def _locked(project: Project) -> Project:
    """Re-read the project under a row lock: whoever comes second sees the first one's result."""
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("community__committee", "fund_year")
        .get(pk=project.pk)
    )


def acting_assignment(user: User, codename: str, project: Project) -> RoleAssignment | None:
    """The active role assignment that gives ``user`` this permission over the project."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if codename in perms]
    return (
        RoleAssignment.objects.active()
        .covering(project.community)
        .filter(user=user, role__in=roles)
        .select_related("community", "committee")
        .first()
    )


def _transition(project: Project, name: str, user: User, *, reason: str = "", changes: dict | None = None) -> None:
    """Take transition ``name`` on a locked project, or refuse with the reason the UI shows."""
    method = getattr(project, name)
    meta = method._django_fsm
    t = meta.get_transition(project.status)
    if t is None:
        raise ValidationError(
            f"项目当前状态为“{project.get_status_display()}”，不能办理此事项（可能已被他人办理，请刷新页面）。",
            code="wrong_state",
        )
    # The rules are asked twice — here for the reason, then by django-fsm itself — over the same
    # facts, read once (projects.facts) and dropped after the step, which may change them.
    forget_facts(project)
    load_facts([project])
    try:
        verdict = explain(project, t, user)
        if not verdict:
            if t.permission and not t.permission(project, user):
                raise PermissionDenied(verdict.reason)
            raise ValidationError(verdict.reason, code="condition")
        codename = getattr(t.permission, "codename", None)
        assignment = acting_assignment(user, codename, project) if codename else None
        if codename and assignment is None:
            # Permissions are synced from role assignments daily; the step itself asks the
            # assignment, so a role that ended yesterday (or an administrator with no role) acts
            # on nothing.
            raise PermissionDenied("您今天没有有效的角色任命来办理此事项。")
        before = project.status
        try:
            method()
            project.status_changed_at = timezone.now()
            project.save()
        except (TransitionNotAllowed, ConcurrentTransition) as exc:
            raise ValidationError("项目状态已被他人改变，请刷新页面后重试。", code="concurrent") from exc
    finally:
        forget_facts(project)
    event_record(
        action=f"project.{name}",
        obj=project,
        actor=user,
        acting_as=assignment,
        reason=reason,
        changes={"from": before, "to": project.status, **(changes or {})},
    )


def _fund_year_locked(project: Project) -> FundYear:
    """Lock the community's ledger account — the lock payments and the year-end close take — and
    read the fund year afresh, so two approvals at once cannot both spend the same headroom and a
    close cannot slip in between the check and the approval (Art. 7(2), 13)."""
    account_lock(project.community)
    return FundYear.objects.get(pk=project.fund_year_id)


def small_group_problem(project: Project, amount: Decimal) -> ValidationError | None:
    """Art. 7(2): small-group projects together use at most 20% of the year's total fund."""
    if not project.is_small_group:
        return None
    usage = small_group_usage(project.fund_year, exclude=project)
    if usage.used + amount > usage.cap:
        return ValidationError(
            f"受益群体较小的项目合计不得超过年度经费总额的20%（上限 {usage.cap:,.2f} 元，其他此类项目已用 "
            f"{usage.used:,.2f} 元，尚余 {max(usage.headroom, ZERO):,.2f} 元），本项目 {amount:,.2f} 元超出上限"
            "（《细则》第七条）。",
            code="small_group_cap",
        )
    return None


def money_problem(
    project: Project, amount: Decimal, *, replacing: Decimal = ZERO, fund_year: FundYear | None = None
) -> ValidationError | None:
    """Art. 7(2) and the fund itself: no approval or change beyond what the year can bear — the
    refusal, or None. Read-only: a page asks it to say so before the form is sent; the services
    ask it again under the account lock (``_check_money_rules``).

    ``replacing`` is the amount this project already holds (committed), which the new amount
    replaces rather than adds to.
    """
    fund_year = fund_year or project.fund_year
    if fund_year.is_closed:
        # Art. 13: a closed year's surplus has been carried over; it commits nothing more.
        return ValidationError(f"{fund_year.year}年度已结转，不能再批准或变更该年度的项目。", code="year_closed")
    balances = fund_balances(fund_year)
    if amount - replacing > balances.available:
        return ValidationError(
            f"本年度可用经费为 {balances.available:,.2f} 元（经费总额 {balances.fund:,.2f} 元，已承诺 "
            f"{balances.committed:,.2f} 元，已支出 {balances.spent:,.2f} 元），不足 {amount - replacing:,.2f} 元。",
            code="insufficient_funds",
        )
    return small_group_problem(project, amount)


def _check_money_rules(project: Project, amount: Decimal, *, replacing: Decimal = ZERO) -> None:
    problem = money_problem(project, amount, replacing=replacing, fund_year=_fund_year_locked(project))
    if problem is not None:
        raise problem


def approval_problem(project: Project, by: User, body: str, *, locked: bool = False) -> Exception | None:
    """Why ``project_approve`` would refuse beyond the state machine's own rules — the same person
    approving for both bodies (Art. 11), or the money (Art. 7(2), 13) — or None."""
    # Art. 11: two principal leaders approve — never one person holding both roles. The other
    # body's approval of this round was recorded right after the state last changed.
    other = Review.Kind.CONSTRUCTION if body == Review.Kind.COMMITTEE else Review.Kind.COMMITTEE
    if project.reviews.filter(
        kind=other, outcome=Review.Outcome.AGREE, decided_by=by, decided_at__gte=project.status_changed_at
    ).exists():
        return PermissionDenied("党工委和建管委的审批须由两人分别作出（第十一条）。")
    if project.status in (Status.SUBMITTED, Status.COMMITTEE_APPROVED, Status.CONSTRUCTION_APPROVED):
        fund_year = _fund_year_locked(project) if locked else None
        return money_problem(project, project.budget_total, fund_year=fund_year)
    return None


# -- 1. 提议 Proposal (Art. 9) ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    item: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = ""
    in_procurement_catalogue: bool = False


PLAN_FIELDS = (
    "title",
    "category",
    "description",
    "spending_plan",
    "need_source",
    "beneficiaries",
    "beneficiary_count",
    "is_small_group",
    "small_group_justification",
    "contractor_kind",
    "contractor_name",
    "contractor_contact",
    "planned_start",
    "planned_end",
    *DECLARATION_FIELDS,
)


def _next_number(community: Community, year: int) -> str:
    prefix = f"{community.code.upper()}-{year}-"
    # Compared as numbers, not text: "-1000" sorts before "-999" as a string.
    taken = Project.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    n = max((int(number.rsplit("-", 1)[1]) for number in taken), default=0) + 1
    return f"{prefix}{n:03d}"


def _save_lines(project: Project, lines: Iterable[LineInput]) -> None:
    project.budget_lines.all().delete()
    for line in lines:
        BudgetLine(
            project=project,
            item=line.item,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            in_procurement_catalogue=line.in_procurement_catalogue,
        ).save()


def project_create(
    *,
    community: Community,
    fund_year: FundYear,
    by: User,
    fields: dict,
    lines: Iterable[LineInput] = (),
    needs: Iterable = (),
) -> Project:
    require(by, "propose_project", community)
    if fund_year.community_id != community.pk:
        raise ValidationError("经费年度不属于该社区。", code="fund_year_mismatch")
    if fund_year.is_closed:
        raise ValidationError(f"{fund_year.year}年度已结转，不能再新建项目。", code="year_closed")
    with transaction.atomic():
        # Lock the community so two secretaries filing at once get different numbers.
        Community.objects.select_for_update().get(pk=community.pk)
        project = Project(
            community=community, fund_year=fund_year, proposer=by, number=_next_number(community, fund_year.year)
        )
        for name in PLAN_FIELDS:
            if name in fields:
                setattr(project, name, fields[name])
        project.full_clean(exclude=["needs", "status"])
        project.save()
        _save_lines(project, lines)
        project.needs.set(needs)
        event_record(
            action="project.create",
            obj=project,
            actor=by,
            acting_as=acting_assignment(by, "propose_project", project),
            changes={"title": project.title, "budget_total": project.budget_total},
        )
    return project


def project_update(
    *, project: Project, by: User, fields: dict, lines: Iterable[LineInput] | None = None, needs: Iterable | None = None
) -> Project:
    """Edit a draft. Once the project has left 提议 its plan changes only by change request."""
    require(by, "propose_project", project)
    with transaction.atomic():
        project = _locked(project)
        if not project.is_editable:
            raise ValidationError("项目已提交，不能再直接修改；实施中的变更请提出变更申请。", code="not_editable")
        before = {name: str(getattr(project, name)) for name in PLAN_FIELDS if name in fields}
        for name in PLAN_FIELDS:
            if name in fields:
                setattr(project, name, fields[name])
        project.full_clean(exclude=["needs", "status"])
        project.save()
        if lines is not None:
            _save_lines(project, lines)
        if needs is not None:
            project.needs.set(needs)
        after = {name: str(getattr(project, name)) for name in before}
        event_record(
            action="project.update",
            obj=project,
            actor=by,
            acting_as=acting_assignment(by, "propose_project", project),
            changes={k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
            | {"budget_total": project.budget_total},
        )
    return project


def project_request_consent(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = _locked(project)
        if project.status == Status.DRAFT:
            _fund_year_locked(project)
            problem = small_group_problem(project, project.budget_total)
            if problem is not None:
                raise problem
        _transition(project, "request_consent", by, changes={"budget_total": project.budget_total})
    return project


def project_withdraw(*, project: Project, by: User, reason: str) -> Project:
    reason = required_text(reason, "撤回原因")
    with transaction.atomic():
        project = _locked(project)
        publicity_up = project.status == Status.PUBLICITY
        _transition(project, "withdraw", by, reason=reason)
        if publicity_up:
            plan_notices_take_down(project=project, by=by, reason=f"项目已撤回：{reason}")
    return project


# -- 2. 申报 Application (Art. 10) -----------------------------------------------------------------


def _review(project: Project, by: User, kind: str, outcome: str, codename: str, comment: str = "", **extra) -> Review:
    assignment = acting_assignment(by, codename, project)
    return Review.objects.create(
        project=project,
        kind=kind,
        outcome=outcome,
        comment=comment,
        decided_by=by,
        acting_role=assignment.get_role_display() if assignment else "",
        **extra,
    )


def project_consent(*, project: Project, by: User, comment: str = "") -> Project:
    with transaction.atomic():
        project = _locked(project)
        _transition(project, "consent", by, reason=comment)
        _review(project, by, Review.Kind.PRELIMINARY, Review.Outcome.AGREE, "give_consent", comment or "同意")
    return project


def project_return_for_revision(*, project: Project, by: User, reason: str) -> Project:
    reason = required_text(reason, "退回原因")
    with transaction.atomic():
        project = _locked(project)
        _transition(project, "return_for_revision", by, reason=reason)
        _review(project, by, Review.Kind.PRELIMINARY, Review.Outcome.RETURN, "give_consent", reason)
    return project


def meeting_record(
    *,
    project: Project,
    by: User,
    held_on: datetime.date,
    attendees: str,
    attendee_count: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    minutes: str,
) -> JointMeeting:
    """Record the joint meeting (Art. 10). A majority for it posts the plan publicly; anything
    less shelves the project until a later meeting agrees."""
    if held_on > timezone.localdate():
        raise ValidationError("会议日期不能晚于今天。", code="future_meeting")
    if votes_for + votes_against + votes_abstain > attendee_count:
        raise ValidationError("赞成、反对、弃权票数之和不能超过参会人数。", code="votes_exceed")
    with transaction.atomic():
        project = _locked(project)
        if project.status not in (Status.CONSENTED, Status.SHELVED):
            raise ValidationError(
                f"项目当前状态为“{project.get_status_display()}”，不能登记联席会议。", code="wrong_state"
            )
        require(by, "act_for_community", project)
        entered = timezone.localdate(project.status_changed_at)
        if held_on < entered:
            # The meeting must discuss this plan as consented (or as shelved): an older meeting
            # cannot stand in for it (Art. 10).
            raise ValidationError(
                f"会议日期不能早于项目进入当前阶段的日期（{entered:%Y-%m-%d}）。", code="stale_meeting"
            )
        meeting = JointMeeting.objects.create(
            project=project,
            held_on=held_on,
            attendees=required_text(attendees, "参会人员"),
            attendee_count=attendee_count,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstain=votes_abstain,
            minutes=required_text(minutes, "会议纪要"),
            recorded_by=by,
        )
        votes = {
            "held_on": held_on,
            "attendees": attendee_count,
            "for": votes_for,
            "against": votes_against,
            "abstain": votes_abstain,
        }
        if meeting.agreed:
            _transition(project, "start_publicity", by, changes={"meeting": votes})
            notice_publish_for_project(project=project, kind=Notice.Kind.PLAN, by=by)
        else:
            _transition(project, "shelve", by, reason="联席会议意见分歧较大，暂时搁置", changes={"meeting": votes})
    return meeting


# -- 3. 公示 → 4. 审批 (Art. 10, 11) -------------------------------------------------------------


def project_objection_upheld(*, project: Project, by: User, shelve: bool, reason: str) -> Project:
    """An objection the working committee upholds sends the plan back: to be revised and posted
    again, or shelved until a new joint meeting agrees (Art. 10). Called by publicity when the
    committee decides an objection; it runs inside that decision's transaction."""
    reason = required_text(reason, "异议成立的处理意见")
    with transaction.atomic():
        project = _locked(project)
        if project.status != Status.PUBLICITY:
            raise ValidationError("项目已不在公示阶段。", code="wrong_state")
        _transition(project, "objection_upheld_shelve" if shelve else "objection_upheld_revise", by, reason=reason)
    return project


def project_submit_for_approval(*, project: Project, by: User) -> Project:
    """Submit the form to the working committee: the day it is received starts the 5 working days."""
    with transaction.atomic():
        project = _locked(project)
        if project.status == Status.PUBLICITY:
            _check_money_rules(project, project.budget_total)
        _transition(project, "submit_for_approval", by)
        project.received_on = timezone.localdate()
        project.save(update_fields=["received_on"])
    return project


def _freeze_plan(project: Project, by: User, number: int, reason: str) -> PlanVersion:
    from publicity.services import project_snapshot

    return PlanVersion.objects.create(
        project=project,
        number=number,
        snapshot=project_snapshot(project, Notice.Kind.PLAN),
        amount=project.approved_amount,
        reason=reason,
        created_by=by,
    )


def project_approve(
    *,
    project: Project,
    by: User,
    body: str,
    comment: str = "",
    meeting_date: datetime.date | None = None,
    meeting_attendees: str = "",
) -> Project:
    """Approve for the working committee (with its leadership meeting) or for the construction &
    management committee. The project may start only when both have approved (Art. 11)."""
    with transaction.atomic():
        project = _locked(project)
        if body == Review.Kind.COMMITTEE:
            if meeting_date is None:
                raise ValidationError("请填写党工委班子会议日期。", code="meeting_required")
            if meeting_date > timezone.localdate():
                raise ValidationError("班子会议日期不能晚于今天。", code="future_meeting")
            if project.received_on and meeting_date < project.received_on:
                raise ValidationError("班子会议日期不能早于党工委收到申请表的日期。", code="meeting_before_receipt")
            name = (
                "approve_by_committee_last"
                if project.status == Status.CONSTRUCTION_APPROVED
                else "approve_by_committee"
            )
            codename = "approve_for_committee"
            extra = {"meeting_date": meeting_date, "meeting_attendees": required_text(meeting_attendees, "参会人员")}
        elif body == Review.Kind.CONSTRUCTION:
            name = (
                "approve_by_construction_last"
                if project.status == Status.COMMITTEE_APPROVED
                else "approve_by_construction"
            )
            codename = "approve_for_construction"
            extra = {}
        else:
            raise ValueError(body)
        problem = approval_problem(project, by, body, locked=True)
        if problem is not None:
            raise problem
        _transition(project, name, by, reason=comment)
        _review(project, by, body, Review.Outcome.AGREE, codename, comment or "同意", **extra)
        if project.status == Status.APPROVED:
            project.approved_amount = project.budget_total
            project.approved_on = timezone.localdate()
            project.save(update_fields=["approved_amount", "approved_on"])
            _freeze_plan(project, by, 1, "批准方案")
            event_record(
                action="project.approved_plan",
                obj=project,
                actor=by,
                changes={"approved_amount": project.approved_amount, "plan_version": 1},
            )
    return project


def project_send_back(*, project: Project, by: User, body: str, reason: str, reject: bool = False) -> Project:
    """Return for revision, or reject, for the working committee or the construction committee."""
    reason = required_text(reason, "不予批准的理由" if reject else "退回理由")
    suffix = "committee" if body == Review.Kind.COMMITTEE else "construction"
    codename = "approve_for_committee" if body == Review.Kind.COMMITTEE else "approve_for_construction"
    with transaction.atomic():
        project = _locked(project)
        _transition(project, f"{'reject' if reject else 'return'}_by_{suffix}", by, reason=reason)
        _review(project, by, body, Review.Outcome.REJECT if reject else Review.Outcome.RETURN, codename, reason)
    return project


# -- 5. 实施 Execution (Art. 11, 12) ---------------------------------------------------------------


def followup_assign(*, project: Project, by: User, person: User) -> Project:
    """The working committee assigns a member of its own staff to follow the project (Art. 12)."""
    with transaction.atomic():
        project = _locked(project)
        require(by, "manage_execution", project)
        if project.status not in (Status.APPROVED, Status.EXECUTING, Status.INSPECTION):
            raise ValidationError("只有已批准、实施中的项目才能指派跟进专人。", code="wrong_state")
        if not check(person, "view_committee_records", project):
            raise ValidationError(f"{person.display_name} 不是本党工委的工作人员，不能担任跟进专人。", code="not_staff")
        before = project.followup_user.display_name if project.followup_user else ""
        project.followup_user = person
        project.save(update_fields=["followup_user"])
        event_record(
            action="project.assign_followup",
            obj=project,
            actor=by,
            acting_as=acting_assignment(by, "manage_execution", project),
            changes={"followup": {"before": before, "after": person.display_name}},
        )
    return project


def project_start_execution(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = _locked(project)
        _transition(project, "start_execution", by)
    return project


def progress_record(*, project: Project, by: User, noted_on: datetime.date, note: str) -> ProgressNote:
    """Only the assigned follow-up person records progress, while the project runs."""
    with transaction.atomic():
        project = _locked(project)
        if by.pk != project.followup_user_id:
            raise PermissionDenied("只有本项目的跟进专人可以登记跟进记录。")
        if project.status not in (Status.EXECUTING, Status.INSPECTION):
            raise ValidationError("项目不在实施阶段，不能登记跟进记录。", code="wrong_state")
        if noted_on > timezone.localdate():
            raise ValidationError("跟进日期不能晚于今天。", code="future_date")
        entry = ProgressNote.objects.create(
            project=project, noted_on=noted_on, note=required_text(note, "进展情况"), recorded_by=by
        )
        event_record(
            action="project.progress", obj=project, actor=by, changes={"noted_on": noted_on, "note": entry.note}
        )
    return entry


def change_request_submit(
    *,
    project: Project,
    by: User,
    reason: str,
    description: str,
    new_amount: Decimal,
    new_contractor_name: str = "",
    new_planned_end: datetime.date | None = None,
) -> ChangeRequest:
    with transaction.atomic():
        project = _locked(project)
        require(by, "act_for_community", project)
        if project.status not in (Status.APPROVED, Status.EXECUTING):
            raise ValidationError("只有已批准或实施中的项目才能申请变更。", code="wrong_state")
        if project.change_requests.filter(status=ChangeRequest.Outcome.PENDING).exists():
            raise ValidationError("已有一项变更申请待党工委决定。", code="change_pending")
        if new_amount <= ZERO:
            raise ValidationError("变更后金额须大于零。", code="amount_positive")
        change = ChangeRequest.objects.create(
            project=project,
            reason=required_text(reason, "变更原因"),
            description=required_text(description, "变更内容"),
            new_amount=new_amount,
            new_contractor_name=new_contractor_name.strip(),
            new_planned_end=new_planned_end,
            requested_by=by,
        )
        event_record(
            action="project.change_request",
            obj=project,
            actor=by,
            reason=change.reason,
            acting_as=acting_assignment(by, "act_for_community", project),
            changes={
                "amount": {"before": project.approved_amount, "after": new_amount},
                "description": change.description,
            },
        )
    return change


def change_request_decide(*, change: ChangeRequest, by: User, consent: bool, comment: str = "") -> ChangeRequest:
    """The committee consents (the change is filed as a new plan version) or refuses (Art. 11)."""
    with transaction.atomic():
        project = _locked(change.project)
        change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        require(by, "manage_execution", project)
        if change.status != ChangeRequest.Outcome.PENDING:
            raise ValidationError("该变更申请已处理。", code="already_decided")
        if not consent:
            comment = required_text(comment, "不同意的理由")
        change.decided_by, change.decided_at, change.decision_comment = by, timezone.now(), comment
        if consent:
            _check_money_rules(project, change.new_amount, replacing=project.approved_amount or ZERO)
            before = {
                "amount": project.approved_amount,
                "contractor": project.contractor_name,
                "planned_end": project.planned_end,
            }
            project.approved_amount = change.new_amount
            if change.new_contractor_name:
                project.contractor_name = change.new_contractor_name
            if change.new_planned_end:
                project.planned_end = change.new_planned_end
            project.save(update_fields=["approved_amount", "contractor_name", "planned_end"])
            number = (project.plan_versions.aggregate(m=Max("number"))["m"] or 0) + 1
            change.plan_version = _freeze_plan(project, by, number, change.reason)
            change.status = ChangeRequest.Outcome.CONSENTED
            changes = {
                "before": before,
                "after": {
                    "amount": project.approved_amount,
                    "contractor": project.contractor_name,
                    "planned_end": project.planned_end,
                },
                "plan_version": number,
            }
        else:
            change.status = ChangeRequest.Outcome.REFUSED
            changes = {}
        change.save()
        event_record(
            action="project.change_consented" if consent else "project.change_refused",
            obj=project,
            actor=by,
            reason=comment,
            acting_as=acting_assignment(by, "manage_execution", project),
            changes=changes,
        )
    return change


def project_request_inspection(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = _locked(project)
        _transition(project, "request_inspection", by)
    return project


# -- 6. 验收 Acceptance (Art. 12) ------------------------------------------------------------------


def inspection_record(
    *,
    project: Project,
    by: User,
    inspected_on: datetime.date,
    inspectors: str,
    quality_grade: str,
    quality_notes: str,
    respondents: int,
    satisfied: int,
    passed: bool,
    rectification: str = "",
) -> Inspection:
    if satisfied > respondents:
        raise ValidationError("满意人数不能超过调查人数。", code="satisfied_exceeds")
    if respondents < 1:
        raise ValidationError("满意度调查人数至少为 1 人。", code="no_respondents")
    if inspected_on > timezone.localdate():
        raise ValidationError("验收日期不能晚于今天。", code="future_date")
    if passed and quality_grade == Inspection.Grade.FAIL:
        raise ValidationError("质量评定为不合格的项目不能验收通过。", code="fail_cannot_pass")
    if not passed:
        rectification = required_text(rectification, "整改要求")
    with transaction.atomic():
        project = _locked(project)
        record = Inspection.objects.create(
            project=project,
            inspected_on=inspected_on,
            inspectors=required_text(inspectors, "验收人员"),
            quality_grade=quality_grade,
            quality_notes=quality_notes,
            respondents=respondents,
            satisfied=satisfied,
            passed=passed,
            rectification=rectification,
            recorded_by=by,
        )
        summary = {
            "quality": record.get_quality_grade_display(),
            "satisfaction_percent": record.satisfaction_percent,
            "respondents": respondents,
        }
        if passed:
            _transition(project, "accept", by, changes=summary)
        else:
            _transition(project, "require_rectification", by, reason=rectification, changes=summary)
    return record


# -- 7. 拨付 Payment (Art. 13) ---------------------------------------------------------------------


def invoice_submit(
    *, project: Project, by: User, number: str, issued_on: datetime.date, amount: Decimal, issuer: str
) -> Invoice:
    """Register the contractor's invoice (already uploaded as a document) and send it for signing."""
    with transaction.atomic():
        project = _locked(project)
        if amount <= ZERO:
            raise ValidationError("发票金额须大于零。", code="amount_positive")
        if project.approved_amount is not None and amount > project.approved_amount:
            raise ValidationError(
                f"发票金额 {amount:,.2f} 元超过批准金额 {project.approved_amount:,.2f} 元。", code="exceeds_approved"
            )
        if issued_on > timezone.localdate():
            raise ValidationError("开票日期不能晚于今天。", code="future_date")
        if Invoice.objects.filter(project=project).exists():
            raise ValidationError("该项目已登记发票。", code="invoice_exists")
        _transition(project, "submit_invoice", by, changes={"invoice": number, "amount": amount})
        invoice = Invoice.objects.create(
            project=project,
            number=required_text(number, "发票号码"),
            issued_on=issued_on,
            amount=amount,
            issuer=required_text(issuer, "开票单位"),
            recorded_by=by,
        )
    return invoice


SIGNING_STEPS = {
    Status.INVOICE_SIGNING_1: (1, "sign_as_community_secretary", Role.COMMUNITY_SECRETARY),
    Status.INVOICE_SIGNING_2: (2, "sign_as_construction_director", Role.CONSTRUCTION_DIRECTOR),
    Status.INVOICE_SIGNING_3: (3, "sign_as_committee_secretary", Role.COMMITTEE_SECRETARY),
}


def invoice_sign(*, project: Project, by: User) -> Signature:
    """Sign the invoice in turn: community secretary, construction director, committee secretary —
    three different people, each holding that role at this moment (Art. 13)."""
    with transaction.atomic():
        project = _locked(project)
        step = SIGNING_STEPS.get(Status(project.status))
        if step is None:
            raise ValidationError(
                f"项目当前状态为“{project.get_status_display()}”，不在发票会签阶段。", code="wrong_state"
            )
        order, name, role = step
        invoice = Invoice.objects.select_for_update().get(project=project)
        if invoice.signatures.filter(signer=by).exists():
            raise ValidationError("同一人不能在同一张发票上签两次字，三个签字须由三人分别签署。", code="same_signer")
        _transition(project, name, by, changes={"invoice": invoice.number, "order": order})
        assignment = RoleAssignment.objects.active().covering(project.community).filter(user=by, role=role).first()
        if assignment is None:  # the permission came from this role; be explicit if it did not
            raise PermissionDenied(f"签字时须在任{role.label}。")
        signature = Signature.objects.create(
            invoice=invoice, order=order, role=role, signer=by, role_assignment=assignment
        )
    return signature


def settlement_record(
    *, project: Project, by: User, amount: Decimal, paid_on: datetime.date, method: str, reference: str, payee: str
) -> Settlement:
    """Finance staff settle directly with the contractor or payee; the payment is posted to the
    community's ledger in the same transaction (Art. 13, 17)."""
    with transaction.atomic():
        project = _locked(project)
        if amount <= ZERO:
            raise ValidationError("结算金额须大于零。", code="amount_positive")
        if project.approved_amount is None or amount > project.approved_amount:
            raise ValidationError(
                f"结算金额不能超过批准（或变更后）金额 {project.approved_amount or ZERO:,.2f} 元。",
                code="exceeds_approved",
            )
        if project.pays_by_invoice and hasattr(project, "invoice") and amount != project.invoice.amount:
            raise ValidationError(
                f"结算金额须与发票金额 {project.invoice.amount:,.2f} 元一致。", code="invoice_mismatch"
            )
        if paid_on > timezone.localdate():
            raise ValidationError("付款日期不能晚于今天。", code="future_date")
        name = "settle" if project.pays_by_invoice else "settle_without_invoice"
        _transition(project, name, by, changes={"amount": amount, "paid_on": paid_on, "reference": reference})
        settlement = Settlement.objects.create(
            project=project,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=required_text(reference, "付款凭据号"),
            payee=required_text(payee, "收款方"),
            recorded_by=by,
        )
        payment_post(settlement=settlement, by=by)
        if not project.pays_by_invoice:
            # Art. 13: a payment without invoice is publicly posted after it is made.
            notice_publish_for_project(project=project, kind=Notice.Kind.PAYMENT, by=by)
    return settlement


# -- 8. 完成公示 Completion (Art. 15) --------------------------------------------------------------


def project_start_completion_notice(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = _locked(project)
        _transition(project, "start_completion_notice", by)
        notice_publish_for_project(project=project, kind=Notice.Kind.COMPLETION, by=by)
    return project


def project_close(*, project: Project, by: User) -> Project:
    with transaction.atomic():
        project = _locked(project)
        _transition(project, "close", by)
    return project


# -- Documents (Art. 17) ---------------------------------------------------------------------------

# Accepted by content, whatever the name says: PDF, JPEG, PNG, WebP.
SIGNATURES = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
]


def size_label(size: int, *, above: int | None = None) -> str:
    """A byte count as people read it (20 MB, 3.5 MB, 64 KB). With ``above``, never rounded down
    to the limit it exceeds: "此文件为 20 MB，上限为 20 MB" would say nothing."""
    unit, scale = ("MB", 1048576) if size >= 1048576 else ("KB", 1024)
    for places in (0, 1, 2):
        text = f"{size / scale:.{places}f}"
        if above is None or float(text) * scale > above:
            return f"{text} {unit}"
    return f"{size:,} 字节"


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def may_upload_documents(user: User, project: Project) -> Verdict:
    """Community Party committee members and the working committee's staff file documents;
    supervisors and residents read them (Art. 14, 17)."""
    if check(user, "propose_project", project) or check(user, "view_committee_records", project):
        return Verdict(True)
    return Verdict(False, "只有本社区党委或本党工委的工作人员可以上传项目文件。")


def document_upload(
    *, project: Project, by: User, kind: str, upload, title: str = "", replaces: Document | None = None
) -> Document:
    """Store a typed, hashed document. A document whose stage has passed is locked; a correction
    is a new document that supersedes the old one, which stays on file."""
    verdict = may_upload_documents(by, project)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    if kind not in Document.Kind.values:
        raise ValidationError("文件类型无效。", code="kind_invalid")
    limit = settings.FUNDADMIN_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"文件过大：上限为 {size_label(limit)}，此文件为 {size_label(upload.size, above=limit)}。"
            "请压缩后或分成几个文件上传。",
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError("文件是空的。", code="empty")
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_content_type(head)
    if sniffed is None:
        raise ValidationError(
            "只接受 PDF、JPEG、PNG 或 WebP 格式的文件（按文件内容判断，而不是文件名）。", code="bad_type"
        )
    content_type, ext = sniffed
    with transaction.atomic():
        project = _locked(project)
        if project.status in (Status.CLOSED, Status.WITHDRAWN, Status.REJECTED):
            raise ValidationError("项目已结束，不能再上传文件。", code="project_ended")
        if replaces is not None:
            replaces = Document.objects.select_for_update().get(pk=replaces.pk, project=project)
            if replaces.superseded_by_id is not None:
                raise ValidationError("该文件已有更正版本。", code="already_superseded")
            if replaces.is_locked:
                raise ValidationError("该文件所属阶段已办结，文件已锁定，不能更正。", code="locked")
        sha = Document.hash_file(upload)
        doc = Document(
            project=project,
            kind=kind,
            title=title.strip()[:100],
            original_name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            sha256=sha,
            uploaded_by=by,
            stage=project.stage,
        )
        doc.file.save(f"{sha[:16]}.{ext}", upload, save=False)
        doc.save()
        if replaces is not None:
            replaces.superseded_by = doc
            replaces.save(update_fields=["superseded_by"])
        event_record(
            action="document.upload",
            obj=doc,
            actor=by,
            project_id=project.pk,
            community=project.community,
            changes={
                "kind": kind,
                "name": doc.original_name,
                "sha256": sha,
                "size": doc.size,
                "replaces": replaces.pk if replaces else None,
            },
        )
    return doc
