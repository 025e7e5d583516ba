"""Entries are append-only for real (Art. 17, 19): model, queryset, admin, and on PostgreSQL the
database itself."""

import datetime
from decimal import Decimal

import psycopg
import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from ledger.models import JournalEntry
from tests.conftest import tamper
from tests.factories import FundYearFactory, UserFactory

from .factories import funded

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(community):
    return funded(FundYearFactory(community=community, year=2026), Decimal("100.00"))


def test_model_refuses_update_and_delete(entry):
    entry.summary = "改过的摘要"
    with pytest.raises(ValidationError) as excinfo:
        entry.save()
    assert excinfo.value.code == "append_only"
    with pytest.raises(ValidationError):
        entry.delete()
    assert JournalEntry.objects.get(pk=entry.pk).summary != "改过的摘要"


def test_queryset_refuses_bulk_update_and_delete(entry):
    with pytest.raises(ValidationError):
        JournalEntry.objects.filter(pk=entry.pk).update(credit=Decimal("1.00"))
    with pytest.raises(ValidationError):
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.get(pk=entry.pk).credit == Decimal("100.00")


def test_admin_is_read_only(entry):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    admin = site._registry[JournalEntry]
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)


@pytest.mark.parametrize(
    ("debit", "credit"),
    [(Decimal("1.00"), Decimal("1.00")), (Decimal("0"), Decimal("0")), (Decimal("-1.00"), Decimal("0"))],
)
def test_database_requires_exactly_one_positive_side(entry, debit, credit):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    account=entry.account,
                    fund_year=entry.fund_year,
                    voucher_no=50,
                    kind="payment",
                    entry_date=datetime.date(2026, 5, 1),
                    debit=debit,
                    credit=credit,
                    summary="x",
                )
            ]
        )


def test_database_requires_reason_for_reversal(entry):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    account=entry.account,
                    fund_year=entry.fund_year,
                    voucher_no=51,
                    kind="reversal",
                    entry_date=datetime.date(2026, 5, 1),
                    debit=entry.credit,
                    summary="x",
                    reversed_entry=entry,
                )
            ]
        )


def test_voucher_numbers_are_unique_per_year(entry):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    account=entry.account,
                    fund_year=entry.fund_year,
                    voucher_no=entry.voucher_no,
                    kind="appropriation",
                    entry_date=datetime.date(2026, 5, 1),
                    credit=Decimal("1.00"),
                    summary="x",
                )
            ]
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_journalentry SET summary = 'x' WHERE id = %s",
        "UPDATE ledger_journalentry SET credit = 1 WHERE id = %s",
        "DELETE FROM ledger_journalentry WHERE id = %s",
        "DELETE FROM ledger_journalentry_vouchers WHERE journalentry_id = %s",
    ],
)
def test_postgres_trigger_refuses_update_and_delete(entry, sql):
    from projects.models import Document

    from .factories import project_create

    project = project_create(entry.fund_year)
    entry.vouchers.add(
        Document.objects.create(
            project=project,
            kind=Document.Kind.OTHER,
            file="x.pdf",
            original_name="拨款通知.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=project.proposer,
            stage="payment",
        )
    )
    # The trigger refuses the owner and a superuser who leaves triggers on (a separate superuser
    # connection: the suite runs as the app role) ...
    with pytest.raises(psycopg.Error, match="append-only"):
        tamper(sql, [entry.pk], bypass_triggers=False)
    # ... and the app role has no UPDATE or DELETE privilege on the journal at all.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert JournalEntry.objects.get(pk=entry.pk).summary == entry.summary
