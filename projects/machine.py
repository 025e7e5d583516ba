"""The state machine and the verdicts, derived from the table in ``projects.process``.

``Transitions`` is a mixin of ``Project``: one django-fsm method per step that changes the state,
named by the step's verb, with one ``transition`` per state it leaves — its target (or, for a
step with outcomes, the target of the outcome it is called with), its permission and its rules as
conditions. Nothing here is written by hand per step.

``verdict`` is the one answer to "may this user take this step on this project now, and if not,
why": the permission first (``fundadmin.permissions``), then the separation of duties, then the
step's rules in the order the table lists them. Pages, the inbox and the services all ask it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_fsm import GET_STATE, transition

from fundadmin.permissions import Verdict, check

from . import process
from .process import Step
from .rules import Rule

# Where a service hands a project's facts (projects.facts) to the conditions below.
FACTS_ATTR = "_process_facts"


def permission(step: Step):
    """django-fsm's permission for ``step``: the role's permission in the project's scope, and the
    separation of duties the table asks for (the proposer never approves or countersigns)."""

    def check_permission(project, user) -> Verdict:
        verdict = check(user, step.permission, project)
        if verdict and step.not_proposer and user.pk == project.proposer_id:
            return Verdict(False, "项目的提议人不能审批或会签自己的项目。")
        return verdict

    check_permission.codename = step.permission
    return check_permission


def _condition(rule: Rule):
    def condition(project) -> bool:
        # The service attached the facts and asked the rule already: this reads its answer. A
        # transition called directly, without them, is refused.
        facts = project.__dict__.get(FACTS_ATTR)
        return facts is not None and rule.reason(project, facts) is None

    condition.__name__ = rule.name
    condition.message = rule.message
    return condition


def _pick(step: Step, targets: dict[str, str]):
    def target(project, outcome: str | None = None, **kwargs):
        if outcome not in targets:
            raise ValueError(f"{step.verb} needs one of the outcomes {sorted(targets)}, not {outcome!r}")
        return targets[outcome]

    return target


def _method(step: Step):
    def take(self, outcome: str | None = None) -> None:
        """Only the state changes here; the service around it does the work (projects.services)."""

    take.__name__ = step.verb
    take.__qualname__ = f"Project.{step.verb}"
    take.__doc__ = step.label
    conditions = [_condition(r) for r in step.all_rules if not r.user]
    for source, go in process.edges(step):
        target = GET_STATE(_pick(step, go.to), states=list(go.to.values())) if isinstance(go.to, dict) else go.to
        take = transition(
            field="status",
            source=source,
            target=target,
            permission=permission(step),
            conditions=conditions,
            custom={"step": step, "label": step.label},
        )(take)
    return take


Transitions = type(
    "Transitions",
    (),
    {
        "__doc__": "The project's transitions, one per step that changes its state (projects.process).",
        "__module__": __name__,
        **{step.verb: _method(step) for step in process.STEPS if process.edges(step)},
    },
)


# -- verdicts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepVerdict:
    """A step as one user sees it. ``mine``: the step is this user's to take (shown as a button
    when allowed, as text with its reason when not); otherwise it is another body's, or not
    applicable now, and pages show no control for it."""

    step: Step
    allowed: bool
    reason: str = ""
    code: str = ""
    mine: bool = True
    waits_for_others: bool = False
    denied: bool = False  # refused as a permission (the role, the separation of duties)

    def __bool__(self) -> bool:
        return self.allowed


def verdict(step: Step, project, user, facts, *, money: bool = True) -> StepVerdict:
    """May ``user`` take ``step`` on ``project`` now? ``facts`` are the project's (projects.facts).
    With ``money=False`` the rules that read the year's money are not asked (the inbox)."""
    allowed = permission(step)(project, user)
    if not allowed:
        # Another body's step — unless only the separation of duties stands in the way.
        mine = bool(check(user, step.permission, project))
        return StepVerdict(
            step, False, allowed.reason or "您没有办理此事项的权限。", "permission", mine=mine, denied=True
        )
    for rule in step.all_rules:
        if not money and "money" in rule.reads:
            continue
        reason = rule.reason(project, facts, user)
        if reason is not None:
            return StepVerdict(
                step,
                False,
                reason,
                rule.code,
                mine=not rule.hides,
                waits_for_others=rule.waits_for_others,
                denied=rule.duty,
            )
    return StepVerdict(step, True)


def waits_on(step: Step, project, facts) -> bool:
    """Does the process wait for this step now (rather than offer it as an option)?"""
    if not step.waits:
        return False
    if step.waits_if is not None and step.waits_if.reason(project, facts) is not None:
        return False
    # A step that applies only in some cases (a pending change to decide) waits only then.
    return all(rule.reason(project, facts) is None for rule in step.all_rules if rule.hides and not rule.user)
