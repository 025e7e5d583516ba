"""Migration 0005 gives the projects approved before the ledger kept commitments the entries they
would have had, so check_ledger finds the same books (issue 14)."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from ledger.models import CommitmentEntry, CommitmentKind, FundAccount, JournalEntry, Kind
from ledger.selectors import fund_balances
from ledger.verification import ledger_verify
from projects.models import Status
from tests.factories import FundYearFactory

from .factories import funded, project_create, settlement_create

pytestmark = pytest.mark.django_db
D = Decimal
backfill = importlib.import_module("ledger.migrations.0005_commitments_append_only_and_backfill").backfill


def _legacy_entry(fund_year, **fields) -> JournalEntry:
    """A journal entry as the ledger wrote it before commitments (no consumption beside it)."""
    number = JournalEntry.objects.filter(fund_year=fund_year).count() + 1
    account = FundAccount.objects.get(community=fund_year.community)
    return JournalEntry.objects.create(account=account, fund_year=fund_year, voucher_no=number, **fields)


def _legacy_payment(project, amount, day) -> JournalEntry:
    settlement = settlement_create(project, amount, day)
    return _legacy_entry(
        project.fund_year,
        kind=Kind.PAYMENT,
        entry_date=day,
        debit=amount,
        summary="支付",
        project=project,
        settlement=settlement,
    )


def test_backfill_gives_earlier_approvals_their_commitments(community):
    fy = FundYearFactory(community=community, year=2026)
    funded(fy)
    waiting = project_create(fy, status=Status.SIGNED, approved_amount=D("3000.00"), commit=False)
    closed = project_create(fy, status=Status.CLOSED, approved_amount=D("1000.00"), commit=False)
    _legacy_payment(closed, D("800.00"), datetime.date(2026, 6, 1))
    reversed_ = project_create(fy, status=Status.PAID, approved_amount=D("500.00"), commit=False)
    payment = _legacy_payment(reversed_, D("500.00"), datetime.date(2026, 6, 2))
    _legacy_entry(
        fy,
        kind=Kind.REVERSAL,
        entry_date=datetime.date(2026, 6, 3),
        credit=D("500.00"),
        summary="冲销",
        reason="录错",
        reversed_entry=payment,
        project=reversed_,
        settlement=payment.settlement,
    )
    project_create(fy, status=Status.DRAFT)
    assert fund_balances(fy).committed == D("0.00")  # what the ledger saw of them before: nothing

    backfill(apps)
    assert fund_balances(fy).committed == D("3000.00") + D("500.00")
    kinds = list(CommitmentEntry.objects.filter(project=closed).order_by("pk").values_list("kind", "amount"))
    assert kinds == [
        (CommitmentKind.COMMIT, D("1000.00")),
        (CommitmentKind.PAYMENT, D("800.00")),
        (CommitmentKind.RELEASE, D("200.00")),
    ]
    # The books are what they would have been; the one unmended reversal is still named.
    [problem] = ledger_verify()
    assert f"项目 {reversed_.number}" in problem and "净支付 0 笔" in problem
    count = CommitmentEntry.objects.count()
    backfill(apps)  # once only
    assert CommitmentEntry.objects.count() == count and waiting.pk in set(
        CommitmentEntry.objects.values_list("project_id", flat=True)
    )
