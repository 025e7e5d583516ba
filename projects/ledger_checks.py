"""What must hold between a project's state and the books (Art. 11, 13, 17) — checked by
``manage.py check_ledger``. The ledger knows nothing of the process, so the process registers this
check with it (``ledger.verification.register_check``, from ``ProjectsConfig.ready``).

- A paid project (paid, completion notice, closed) has its settlement and exactly one net payment
  of its amount; a payment reversed and not posted again is named until the re-post step mends it.
- A project that is not paid has no net payment.
- What a project holds in the ledger's commitments is what its state says: its approved amount
  while approved and unpaid; what is left of it after payment until it closes; nothing once
  closed (a closed project whose payment was reversed holds that payment again), nothing before
  approval or after withdrawal or rejection.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from ledger.models import JournalEntry, Kind
from ledger.selectors import held_by_projects

from . import process
from .models import Project, Settlement
from .process import Status

ZERO = Decimal("0.00")


def _expected_held(project: Project, settled: Decimal | None, net: Decimal) -> Decimal:
    approved = project.approved_amount or ZERO
    if project.status in process.COMMITTED_STATES:
        return approved
    if project.status == Status.CLOSED:
        return (settled if settled is not None else ZERO) - net
    if project.status in process.PAID_STATES:
        return approved - net
    return ZERO


def project_books_verify() -> list[str]:
    problems: list[str] = []
    rows = (
        JournalEntry.objects.filter(
            Q(kind=Kind.PAYMENT) | Q(kind=Kind.REVERSAL, reversed_entry__kind=Kind.PAYMENT), project__isnull=False
        )
        .order_by("pk")
        .values_list("project_id", "debit", "credit")
    )
    net_payments: dict[int, list[Decimal]] = defaultdict(list)
    for project_id, debit, credit in rows:
        net_payments[project_id].append(debit - credit)
    settlements = dict(Settlement.objects.values_list("project_id", "amount"))
    held = held_by_projects(Project.objects.values("pk"))

    paid_ids = set()
    for project in Project.objects.paid().select_related("community"):
        paid_ids.add(project.pk)
        amounts = net_payments.get(project.pk, [])
        count = sum(1 if a > 0 else -1 for a in amounts)
        net = sum(amounts, ZERO)
        settled = settlements.get(project.pk)
        if settled is None:
            problems.append(f"项目 {project.number}：已结算状态但没有结算记录")
        elif count != 1 or net != settled:
            problems.append(
                f"项目 {project.number}（{project.community.name}）：净支付 {count} 笔共 {net} 元，应为 1 笔 {settled} 元"
            )
    for project_id, amounts in net_payments.items():
        if project_id not in paid_ids and sum(amounts, ZERO) != ZERO:
            problems.append(f"项目编号 {project_id}：尚未处于已结算状态，却有净支付 {sum(amounts, ZERO)} 元")

    # The commitments each project holds, against what its state says it should hold.
    candidates = set(held) | set(
        Project.objects.filter(approved_amount__isnull=False)
        .filter(status__in=(*process.COMMITTED_STATES, *process.PAID_STATES))
        .values_list("pk", flat=True)
    )
    for project in Project.objects.filter(pk__in=candidates).select_related("community").order_by("number"):
        net = sum(net_payments.get(project.pk, []), ZERO)
        expected = _expected_held(project, settlements.get(project.pk), net)
        actual = held.get(project.pk, ZERO)
        if actual != expected:
            problems.append(
                f"项目 {project.number}（{project.community.name}）：{project.get_status_display()}，"
                f"台账占用指标 {actual} 元，应为 {expected} 元"
            )
    return problems
