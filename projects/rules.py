"""The rules a step checks before it may be taken, each with the sentence that explains it.

A rule reads the project's own row and the ``Facts`` loaded for it (``projects.facts``): never a
query of its own, so a page asking about many projects pays for each kind of fact once. It
answers ``True`` (holds), ``False`` (does not: its ``message`` says why) or a string (does not,
for the reason given — the rules that know a date or a figure say it). Each is asked at most once
per project and user for one set of facts: the answer is kept on the facts.

Some rules read the user (separation of duties): they are checked by the services and the pages,
not by django-fsm, whose conditions see only the project; a ``duty`` rule is refused like a
permission (PermissionDenied), the others like a condition not yet met (ValidationError). A rule that ``hides`` its step means the
step is not this user's (or not applicable now) when it fails, so pages show nothing rather than a
refusal. A rule that ``waits_for_others`` means that while it fails the process is not waiting for
the person who would take the step, but for someone or something else (a notice period, the
committee) — the inbox leaves the step out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fundadmin.formats import date_prose

if TYPE_CHECKING:
    from .facts import Facts

ZERO = Decimal("0.00")


@dataclass(frozen=True, eq=False)
class Rule:
    name: str
    message: str
    code: str
    reads: frozenset[str]
    test: Callable[..., Any]
    user: bool = False
    hides: bool = False
    waits_for_others: bool = False
    duty: bool = False  # separation of duties: refused as a permission, not as a missing condition

    def reason(self, project, facts: Facts, user=None) -> str | None:
        """None when the rule holds for this project (and user), else the reason it does not."""
        key = (self.name, user.pk if (self.user and user is not None) else None)
        if key not in facts.answers:
            result = self.test(project, facts, user) if self.user else self.test(project, facts)
            facts.answers[key] = None if result is True else (result if isinstance(result, str) else self.message)
        return facts.answers[key]

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


def rule(message: str, *, code: str = "condition", reads: tuple[str, ...] = (), **flags):
    def decorate(func) -> Rule:
        return Rule(func.__name__, message, code, frozenset(reads), func, **flags)

    return decorate


# -- the plan (Art. 4, 7, 8) --------------------------------------------------------------------------


@rule("须选择经费使用范围（第八条六类之一）。")
def has_category(project, facts):
    return project.category_id is not None


@rule("《细则》第四条的五项声明须全部确认。")
def declaration_confirmed(project, facts):
    return project.declaration_complete


@rule("预算合计须大于零（请至少填写一项预算明细）。", reads=("budget",))
def budget_positive(project, facts):
    return facts.budget_total > ZERO


@rule("受益群体较小的项目须说明理由。")
def small_group_justified(project, facts):
    return not project.is_small_group or bool(project.small_group_justification.strip())


# -- money (Art. 7(2), 13) ------------------------------------------------------------------------------


@rule("该年度已结转。", code="year_closed")
def year_open(project, facts):
    # Art. 13: a closed year's surplus has been carried over; it commits nothing more.
    return not project.fund_year.is_closed or f"{project.fund_year.year}年度已结转，不能再批准或变更该年度的项目。"


@rule("本年度可用经费不足。", code="insufficient_funds", reads=("budget", "money"))
def funds_available(project, facts):
    return facts.money.shortfall(facts.budget_total)


@rule("受益群体较小的项目合计不得超过年度经费总额的20%（第七条）。", code="small_group_cap", reads=("budget", "money"))
def small_group_cap(project, facts):
    return facts.money.small_group_problem(project, facts.budget_total)


# -- notices (Art. 10, 15) -------------------------------------------------------------------------------


def _notice_cleared(project, facts, kind: str) -> bool | str:
    """A notice of this round must have run through the end of its last working day, with no open
    objection on any version of the project's notices of that kind."""
    notice = facts.latest_notice(kind)
    if notice is None:
        return "尚未张贴公示。"
    ends = facts.notice_end(notice)
    if facts.today <= ends.date:
        mark = "（暂定）" if ends.provisional else ""
        return f"公示期至{date_prose(ends.date)}{mark}止，期满后方可进行下一步。"
    count = sum(n.open_objection_count for n in facts.notices if n.kind == kind)
    if count:
        return f"有 {count} 条异议尚未处理完毕，须待党工委作出决定。"
    return True


@rule("公示期未满或仍有未处理的异议，不能结束公示。", reads=("notices",), waits_for_others=True)
def plan_notice_cleared(project, facts):
    return _notice_cleared(project, facts, "plan")


@rule("完成情况公示期未满或仍有未处理的异议。", reads=("notices",), waits_for_others=True)
def completion_notice_cleared(project, facts):
    return _notice_cleared(project, facts, "completion")


# -- approval (Art. 11) ----------------------------------------------------------------------------------


@rule("党工委和建管委的审批须由两人分别作出（第十一条）。", code="two_people", reads=("reviews",), user=True, duty=True)
def two_people_approve(project, facts, user):
    # Two principal leaders approve — never one person holding both roles. The other body's
    # approval of this round was recorded after the state last changed.
    return not any(
        r.decided_by_id == user.pk and r.outcome == "agree" and r.decided_at >= project.status_changed_at
        for r in facts.reviews
    )


# -- execution (Art. 11, 12) -----------------------------------------------------------------------------


@rule("须先由党工委指派跟进专人。", waits_for_others=True)
def has_followup(project, facts):
    return project.followup_user_id is not None


@rule("已指派跟进专人。")
def no_followup_yet(project, facts):
    return project.followup_user_id is None


@rule("还有待党工委决定的变更申请。", code="change_pending", reads=("change_requests",), waits_for_others=True)
def no_pending_change(project, facts):
    return facts.pending_change is None


@rule("该变更申请已处理。", code="already_decided", reads=("change_requests",), hides=True)
def change_pending(project, facts):
    return facts.pending_change is not None


@rule("只有本项目的跟进专人可以登记跟进记录。", code="not_followup", user=True, hides=True, duty=True)
def is_followup_person(project, facts, user):
    return user is not None and user.pk == project.followup_user_id


# -- payment (Art. 13) -----------------------------------------------------------------------------------


# The two payment paths (Art. 13) exclude each other: the other path's step is not applicable, so
# it hides (no refusal on the page, no inbox row: finance was shown "暂不能办理" for every project
# paid by invoice).
@rule("该项目的承办方无法开具发票，请走无发票支付流程。", hides=True)
def invoice_path(project, facts):
    return project.pays_by_invoice


@rule("该项目由承办单位开具发票，请走发票会签流程。", hides=True)
def no_invoice_path(project, facts):
    return not project.pays_by_invoice


@rule(
    "同一人不能在同一张发票上签两次字，三个签字须由三人分别签署。", code="same_signer", reads=("signatures",), user=True
)
def signs_once(project, facts, user):
    return user.pk not in facts.signers


@rule("结算付款未被冲销，无需重新记账。", code="payment_standing", reads=("payment",), hides=True)
def payment_reversed(project, facts):
    # Art. 13, 17: a reversed payment is posted again through the process; until then the
    # project holds its commitment again and the books name it as unmended (check_ledger).
    return facts.net_paid == ZERO


@rule(
    "结算付款已被冲销，须待财务人员按原结算重新记账。",
    code="payment_reversed",
    reads=("payment",),
    waits_for_others=True,
)
def payment_standing(project, facts):
    return facts.net_paid != ZERO


def documents_on_file(kinds: tuple) -> Rule:
    """The documents a step needs, current (not superseded) on file (Art. 13, 17)."""
    labels = "、".join(kind.label for kind in kinds)
    article = "（第十三条）" if len(kinds) > 1 else ""

    def test(project, facts):
        return {str(kind) for kind in kinds} <= facts.document_kinds

    return Rule(
        f"documents_on_file:{','.join(kinds)}",
        f"须先上传{labels}{article}。",
        "documents",
        frozenset({"documents"}),
        test,
    )
