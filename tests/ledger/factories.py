"""Ledger test helpers. Projects are created directly (status set at construction, which the
protected FSM field allows) so the ledger can be tested without the workflow. A project created
approved (or later) with an approved amount gets its commitment through the ledger's service, as
the approval step would record it, while its year is open."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from fundadmin.models import FundYear
from ledger.services import appropriation_record, commitment_record, payment_post
from projects import process
from projects.models import Project, Settlement, Status
from tests.factories import UserFactory

_numbers = itertools.count(1)


def project_create(
    fund_year: FundYear,
    *,
    status: str = Status.PAID,
    approved_amount: Decimal | None = None,
    is_small_group: bool = False,
    proposer=None,
    title: str = "关爱独居老人上门服务",
    commit: bool = True,
) -> Project:
    project = Project.objects.create(
        community=fund_year.community,
        fund_year=fund_year,
        number=f"T{fund_year.year}-P{next(_numbers):05d}",  # never reads as a voucher label (2026-0002)
        title=title,
        proposer=proposer or UserFactory(),
        status=status,
        approved_amount=approved_amount,
        is_small_group=is_small_group,
    )
    approved = status in (*process.COMMITTED_STATES, *process.PAID_STATES, Status.CLOSED)
    open_year = not FundYear.objects.get(pk=fund_year.pk).is_closed
    if commit and approved and approved_amount is not None and open_year:
        commitment_record(project=project, amount=approved_amount, by=None)
    return project


def settlement_create(project: Project, amount: Decimal, paid_on: datetime.date, *, by=None) -> Settlement:
    return Settlement.objects.create(
        project=project,
        amount=amount,
        paid_on=paid_on,
        method=Settlement.Method.TRANSFER,
        reference=f"ZZ{project.pk:06d}",
        payee="示例家政服务有限公司",
        recorded_by=by or UserFactory(),
    )


def paid_project(fund_year: FundYear, amount: Decimal, paid_on: datetime.date | None = None, *, by=None):
    """A PAID project with its settlement posted to the journal; returns (project, entry)."""
    paid_on = paid_on or datetime.date(fund_year.year, 6, 15)
    project = project_create(fund_year, approved_amount=amount)
    settlement = settlement_create(project, amount, paid_on, by=by)
    return project, payment_post(settlement=settlement, by=by)


def funded(fund_year: FundYear, amount: Decimal | None = None, *, by=None, day: datetime.date | None = None):
    return appropriation_record(
        fund_year=fund_year,
        amount=amount if amount is not None else fund_year.allocation,
        entry_date=day or datetime.date(fund_year.year, 3, 1),
        by=by,
    )
