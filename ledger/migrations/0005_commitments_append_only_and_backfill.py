"""Commitments (指标占用) for the projects approved before the ledger kept them, and the
append-only guarantee for their table.

Until this migration the ledger read what was committed from the projects' states. From now on
an approval writes a commitment and a payment consumes it, so every project approved before
gets the entries it would have had: its approved amount committed in its fund year, each payment
(and reversal of one) already in the journal consumed (restored) in the year it was booked, and,
for a project already closed, what was left unspent released. ``check_ledger`` then finds the same
books it would have found had the commitments always been kept.

The states are named by their stored values as they were when this migration was written
(migrations are history: they never import the application's code). Closed years hold no open
commitment afterwards: under the old rules a year could not be closed while a project of it was
approved and unpaid.

On PostgreSQL the database refuses UPDATE, DELETE and TRUNCATE on the commitments (Art. 17, 19),
as on the journal (0002, 0003); the application's role may only SELECT and INSERT them
(scripts/db-roles). SQLite gets no trigger: Django's test flush deletes rows there."""

import datetime
from decimal import Decimal

from django.db import migrations

ZERO = Decimal("0.00")
# Approved, not yet paid: the approved amount is held.
COMMITTED = (
    "approved",
    "executing",
    "inspection",
    "accepted",
    "invoice_signing_1",
    "invoice_signing_2",
    "invoice_signing_3",
    "signed",
)
PAID = ("paid", "completion_notice")
CLOSED = "closed"

TABLE = "ledger_commitmententry"
TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION fundadmin_refuse_change();
"""
NO_TRUNCATE = """
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION fundadmin_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS {table}_append_only ON {table}; DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"


def backfill(apps, schema_editor=None):
    Project = apps.get_model("projects", "Project")
    Settlement = apps.get_model("projects", "Settlement")
    FundAccount = apps.get_model("ledger", "FundAccount")
    JournalEntry = apps.get_model("ledger", "JournalEntry")
    CommitmentEntry = apps.get_model("ledger", "CommitmentEntry")
    done = set(CommitmentEntry.objects.values_list("project_id", flat=True).distinct())
    projects = (
        Project.objects.filter(approved_amount__isnull=False, status__in=(*COMMITTED, *PAID, CLOSED))
        .exclude(pk__in=done)
        .select_related("fund_year")
        .order_by("pk")
    )
    rows = []
    for project in projects:
        account, _ = FundAccount.objects.get_or_create(community_id=project.community_id)
        common = {"account_id": account.pk, "project_id": project.pk, "small_group": project.is_small_group}
        label = f"{project.number}{project.title}"
        rows.append(
            CommitmentEntry(
                **common,
                fund_year_id=project.fund_year_id,
                kind="commit",
                amount=project.approved_amount,
                entry_date=project.approved_on or datetime.date(project.fund_year.year, 1, 1),
                summary=f"批准占用：{label}（补记）"[:200],
            )
        )
        payments = (
            JournalEntry.objects.filter(project_id=project.pk)
            .filter(kind__in=("payment", "reversal"))
            .select_related("reversed_entry")
            .order_by("pk")
        )
        for entry in payments:
            if entry.kind == "payment":
                kind, amount = "payment", entry.debit
            elif entry.reversed_entry is not None and entry.reversed_entry.kind == "payment":
                kind, amount = "payment_reversal", entry.credit
            else:
                continue
            rows.append(
                CommitmentEntry(
                    **common,
                    fund_year_id=entry.fund_year_id,
                    kind=kind,
                    amount=amount,
                    entry_date=entry.entry_date,
                    journal_entry_id=entry.pk,
                    summary=f"{'支付核销' if kind == 'payment' else '冲销恢复'}：{label}（补记）"[:200],
                )
            )
        # A closed project released what it left unspent of its approval; a payment reversed after
        # it closed stays owed (check_ledger names it until it is posted again).
        settled = Settlement.objects.filter(project_id=project.pk).values_list("amount", flat=True).first()
        leftover = project.approved_amount - (settled or ZERO)
        if project.status == CLOSED and leftover > 0:
            rows.append(
                CommitmentEntry(
                    **common,
                    fund_year_id=project.fund_year_id,
                    kind="release",
                    amount=leftover,
                    entry_date=(project.status_changed_at.date() if project.status_changed_at else None)
                    or datetime.date.today(),
                    summary=f"释放指标：{label}（项目归档，补记）"[:200],
                )
            )
    # Historical models skip the application's save(): no closed-year guard, as history needs.
    CommitmentEntry.objects.bulk_create(rows, batch_size=2000)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER.format(table=TABLE), params=None)
        schema_editor.execute(NO_TRUNCATE.format(table=TABLE), params=None)
    backfill(apps, schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE.format(table=TABLE), params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_commitments")]
    operations = [migrations.RunPython(forwards, backwards)]
