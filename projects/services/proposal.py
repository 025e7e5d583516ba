"""1. 提议 Proposal (Art. 9): a draft with its spending plan, edited until it is sent for the working
committee's preliminary consent — or withdrawn."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import event_record
from fundadmin.models import Community, FundYear, User
from fundadmin.permissions import require
from fundadmin.text import required_text
from publicity.services import plan_notices_take_down

from .. import process
from ..models import DECLARATION_FIELDS, BudgetLine, Project
from .steps import acting_assignment, locked, take


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
        project = locked(project)
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
    """Send the draft for the working committee's preliminary consent (Art. 10): it must name its
    category, declare Art. 4, have a budget and, if it serves a small group, fit the 20% cap."""
    with transaction.atomic():
        project = locked(project)
        take(project, process.REQUEST_CONSENT, by, changes={"budget_total": project.budget_total})
    return project


def project_withdraw(*, project: Project, by: User, reason: str) -> Project:
    reason = required_text(reason, "撤回原因")
    with transaction.atomic():
        project = locked(project)
        notice_up = project.status == process.Status.PUBLICITY
        take(project, process.WITHDRAW, by, reason=reason)
        if notice_up:
            plan_notices_take_down(project=project, by=by, reason=f"项目已撤回：{reason}")
    return project
