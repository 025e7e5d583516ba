"""7. 拨付 Payment (Art. 13): the contractor's invoice, signed in turn by the community Party committee
secretary, the construction-management committee director and the working-committee secretary —
three people — then settled by finance staff and posted to the community's ledger; or, where no
invoice can be issued, paid against the vouchers of the no-invoice path and publicly posted. A
settlement whose payment entry was reversed is posted again through its own step."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fundadmin.models import User
from fundadmin.text import required_text
from ledger.services import payment_post
from publicity.models import Notice
from publicity.services import notice_publish_for_project

from .. import process
from ..models import Invoice, Project, Settlement, Signature
from .steps import check, locked, take, wrong_state

ZERO = Decimal("0.00")
# The three signatures, in the order of the table's states (Art. 13).
SIGNATURES = tuple(step for step in process.STEPS if step.asks == "signature")


def invoice_submit(
    *, project: Project, by: User, number: str, issued_on: datetime.date, amount: Decimal, issuer: str
) -> Invoice:
    """Register the contractor's invoice (already uploaded as a document) and send it for signing."""
    if amount <= ZERO:
        raise ValidationError("发票金额须大于零。", code="amount_positive")
    if issued_on > timezone.localdate():
        raise ValidationError("开票日期不能晚于今天。", code="future_date")
    with transaction.atomic():
        project = locked(project)
        if project.approved_amount is not None and amount > project.approved_amount:
            raise ValidationError(
                f"发票金额 {amount:,.2f} 元超过批准金额 {project.approved_amount:,.2f} 元。", code="exceeds_approved"
            )
        if Invoice.objects.filter(project=project).exists():
            raise ValidationError("该项目已登记发票。", code="invoice_exists")
        invoice = Invoice.objects.create(
            project=project,
            number=required_text(number, "发票号码"),
            issued_on=issued_on,
            amount=amount,
            issuer=required_text(issuer, "开票单位"),
            recorded_by=by,
        )
        take(
            project,
            process.SUBMIT_INVOICE,
            by,
            changes={"invoice": invoice.number, "amount": amount, "issuer": invoice.issuer},
        )
    return invoice


def invoice_sign(*, project: Project, by: User) -> Signature:
    """Sign the invoice in turn: community secretary, construction director, committee secretary —
    three different people, each holding that role at this moment (Art. 13)."""
    with transaction.atomic():
        project = locked(project)
        step = next((go.step for go in project.state.leaves if go.step in SIGNATURES), None)
        if step is None:
            raise wrong_state(project)
        invoice = Invoice.objects.select_for_update().get(project=project)
        order = SIGNATURES.index(step) + 1
        assignment = take(project, step, by, changes={"invoice": invoice.number, "order": order})
        return Signature.objects.create(
            invoice=invoice,
            order=order,
            role=assignment.role,
            signer=by,
            # The assignment signed in: the principal's, when an acting leader signs for them.
            role_assignment=assignment.assignment,
            acting=assignment.acting,
            acting_for_name=assignment.acting_for_name,
        )


def settlement_record(
    *, project: Project, by: User, amount: Decimal, paid_on: datetime.date, method: str, reference: str, payee: str
) -> Settlement:
    """Finance staff settle directly with the contractor or payee; the payment is posted to the
    community's ledger in the same transaction (Art. 13, 17), consuming the project's commitment
    in the year it lives in (its own, or the year the year-end close carried it into)."""
    if amount <= ZERO:
        raise ValidationError("结算金额须大于零。", code="amount_positive")
    if paid_on > timezone.localdate():
        raise ValidationError("付款日期不能晚于今天。", code="future_date")
    with transaction.atomic():
        project = locked(project)
        step = process.SETTLE if project.pays_by_invoice else process.SETTLE_WITHOUT_INVOICE
        assignment = check(step, project, by)
        if project.approved_amount is None or amount > project.approved_amount:
            raise ValidationError(
                f"结算金额不能超过批准（或变更后）金额 {project.approved_amount or ZERO:,.2f} 元。",
                code="exceeds_approved",
            )
        if project.pays_by_invoice and hasattr(project, "invoice") and amount != project.invoice.amount:
            raise ValidationError(
                f"结算金额须与发票金额 {project.invoice.amount:,.2f} 元一致。", code="invoice_mismatch"
            )
        settlement = Settlement.objects.create(
            project=project,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=required_text(reference, "付款凭据号"),
            payee=required_text(payee, "收款方"),
            recorded_by=by,
        )
        take(
            project,
            step,
            by,
            assignment=assignment,
            changes={
                "amount": amount,
                "paid_on": paid_on,
                "reference": settlement.reference,
                "payee": settlement.payee,
            },
        )
        payment_post(settlement=settlement, by=by)
        if not project.pays_by_invoice:
            # Art. 13: a payment without invoice is publicly posted after it is made.
            notice_publish_for_project(project=project, kind=Notice.Kind.PAYMENT, by=by)
    return settlement


def payment_repost(*, project: Project, by: User) -> Settlement:
    """Post the settlement again after its payment entry was reversed (Art. 13, 17): the same
    payee and amount, booked today in the year where the project's commitment now lives (the
    reversal gave the commitment back), so the books show one net payment again."""
    with transaction.atomic():
        project = locked(project)
        assignment = check(process.REPOST_PAYMENT, project, by)
        settlement = Settlement.objects.filter(project=project).first()
        if settlement is None:
            raise ValidationError("该项目没有结算记录，不能重新记账。", code="no_settlement")
        entry = payment_post(settlement=settlement, by=by, entry_date=timezone.localdate())
        take(
            project,
            process.REPOST_PAYMENT,
            by,
            assignment=assignment,
            changes={
                "amount": settlement.amount,
                "voucher": entry.voucher_label,
                "payee": settlement.payee,
                "paid_on": settlement.paid_on,
                "reference": settlement.reference,
            },
        )
    return settlement
