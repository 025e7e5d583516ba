"""How a step of the process is taken — the one path every service goes through.

``take`` checks the step against the table (``projects.process``) and the user's verdict
(``projects.machine.verdict``) once, on a project whose row the caller has locked, moves the state
through django-fsm where the step changes it, and appends the step's event to the trail: who, under
which role and scope, from which state to which, with what outcome, reason and figures.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.services import event_record
from fundadmin.models import FundYear, User
from fundadmin.permissions import Capacity, capacity
from ledger.services import account_lock, commitment_release_all

from .. import facts as project_facts
from .. import machine, process
from ..models import Project
from ..process import Step


def locked(project: Project) -> Project:
    """Re-read the project under a row lock: whoever comes second sees the first one's result."""
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("community__committee", "fund_year")
        .get(pk=project.pk)
    )


def acting_assignment(user: User, codename: str, project: Project) -> Capacity | None:
    """The capacity in which ``user`` holds this permission over the project today: their own
    active role assignment, or — while an acting period runs — the principal leader's role they
    act in (``fundadmin.permissions.capacity``). Reads like the role assignment it stands for."""
    return capacity(user, codename, project.community)


def wrong_state(project: Project) -> ValidationError:
    return ValidationError(
        f"项目当前状态为“{project.get_status_display()}”，不能办理此事项（可能已被他人办理，请刷新页面）。",
        code="wrong_state",
    )


def lock_money(project: Project) -> None:
    """Lock the community's ledger account — the lock payments and the year-end close take — and
    read the fund year afresh, so two approvals at once cannot both spend the same headroom and a
    close cannot slip in between the check and the approval (Art. 7(2), 13)."""
    account_lock(project.community)
    project.fund_year = FundYear.objects.get(pk=project.fund_year_id)


def facts_for(step: Step, project: Project) -> project_facts.Facts:
    """The facts ``step``'s rules read, fresh, handed to django-fsm's conditions."""
    kinds = set().union(*(rule.reads for rule in step.all_rules))
    if "money" in kinds:
        lock_money(project)
    project_facts.detach(project)
    return project_facts.attach(project, project_facts.load([project], kinds=kinds)[0])


def check(step: Step, project: Project, by: User) -> Capacity:
    """Refuse, with the reason the UI shows, unless ``by`` may take ``step`` on the locked
    ``project`` now; return the capacity (role assignment, or acting period) in which they act."""
    if step not in process.STATE[project.status].steps:
        raise wrong_state(project)
    verdict = machine.verdict(step, project, by, facts_for(step, project))
    if not verdict:
        if verdict.denied:
            raise PermissionDenied(verdict.reason)
        raise ValidationError(verdict.reason, code=verdict.code)
    assignment = acting_assignment(by, step.permission, project)
    if assignment is None:
        # Permissions are synced from role assignments daily; the step itself asks the assignment
        # (or the acting period) on the day, so a role or an acting period that ended yesterday (or
        # an administrator with no role) acts on nothing.
        raise PermissionDenied("您今天没有有效的角色任命来办理此事项。")
    return assignment


def take(
    project: Project,
    step: Step,
    by: User,
    *,
    outcome: str | None = None,
    reason: str = "",
    changes: dict | None = None,
    assignment: Capacity | None = None,
) -> Capacity:
    """Take ``step`` on a locked project (checked by ``check`` unless the caller already did and
    passes its ``assignment``), and record it in the trail — under an acting period, with the
    principal it was taken for (``Capacity.trail_changes``)."""
    try:
        assignment = assignment or check(step, project, by)
        before = project.status
        if process.edges(step):
            try:
                getattr(project, step.verb)(outcome) if outcome else getattr(project, step.verb)()
                project.status_changed_at = timezone.now()
                project.save()
            except (TransitionNotAllowed, ConcurrentTransition) as exc:
                raise ValidationError("项目状态已被他人改变，请刷新页面后重试。", code="concurrent") from exc
    finally:
        project_facts.detach(project)  # what the step changed makes them stale
    moved = {"from": before, "to": project.status} if project.status != before else {}
    event_record(
        action=step.action,
        obj=project,
        actor=by,
        acting_as=assignment,
        reason=reason,
        changes={**moved, **({"outcome": outcome} if outcome else {}), **(changes or {})},
    )
    if moved and project.state.ended:
        # Art. 13: a project that ends (closed, withdrawn, rejected) keeps no money — what it
        # still holds of its approval is released, whichever step ended it.
        commitment_release_all(project=project, by=by, reason=f"{step.label}，未使用的指标释放")
    return assignment
