"""Writes to the journal and to the commitments.

CONTRACT (used by projects.services; keep the names and meanings):
    commitment_record(*, project, amount, by, reason) -> CommitmentEntry
        Called by the approval step once both principal leaders have approved (Art. 11): the
        project's approved amount is committed (指标占用) in its fund year.
    commitment_adjust(*, project, before, after, by, reason) -> CommitmentEntry | None
        Called when a change is consented: a higher amount commits the difference, a lower one
        releases it.
    commitment_release_all(*, project, by, reason) -> list[CommitmentEntry]
        Called when a project ends (closed, withdrawn, rejected): what it still holds is released.
    payment_post(*, settlement, by, entry_date=None) -> JournalEntry
        Called by the workflow's payment step inside its transaction, after the Settlement row
        is saved, and by the step that posts it again after a reversal. Posts one payment entry
        (借/贷 as the journal defines) for settlement.amount, dated settlement.paid_on (or
        ``entry_date``), into the fund year where the project's commitment lives — its own year,
        or the year the year-end close carried it into (Art. 13) — linked to the project, the
        settlement and its vouchers, and consumes as much of the commitment. Refuses with
        django.core.exceptions.ValidationError (Chinese message, a ``code``) when the year is
        closed, the date outside it, the commitment short of the amount, or the payment would
        overdraw the subject (FundBalances.cash < amount), locking the account row so two finance
        staff settling at once cannot both pass the check.

The package, by what it writes: ``books`` (the checks and the account lock every writer shares),
``journal`` (appropriations, payments, reversals, the subject), ``commitments``, ``close`` (the
year end). Import from ``ledger.services``.

The ledger takes the workflow's project and settlement as given objects (their number, title,
community, fund year, amount); it never imports the workflow (docs/architecture.md).

Every function here locks the community's ``FundAccount`` row first (``account_lock``) and only
then reads balances or voucher numbers: that one lock is what makes voucher numbers gapless and
the overdraft check hold when two finance staff act at the same moment. The trail event is
written inside the same transaction as the entry.
"""

from .books import (
    CENT,
    account_lock,
    amount_validate,
    entry_create,
    entry_date_validate,
    fund_year_fresh,
    overdraft_check,
    reason_validate,
    reversal_check,
    reversal_target_year,
)
from .close import CarriedCommitment, CloseResult, fund_year_close
from .commitments import (
    commitment_adjust,
    commitment_create,
    commitment_event,
    commitment_held,
    commitment_home,
    commitment_record,
    commitment_release_all,
)
from .journal import account_subject_set, allocation_covers_the_books, appropriation_record, entry_reverse, payment_post

__all__ = [
    "CENT",
    "CarriedCommitment",
    "CloseResult",
    "account_lock",
    "account_subject_set",
    "allocation_covers_the_books",
    "amount_validate",
    "appropriation_record",
    "commitment_adjust",
    "commitment_create",
    "commitment_event",
    "commitment_held",
    "commitment_home",
    "commitment_record",
    "commitment_release_all",
    "entry_create",
    "entry_date_validate",
    "entry_reverse",
    "fund_year_close",
    "fund_year_fresh",
    "overdraft_check",
    "payment_post",
    "reason_validate",
    "reversal_check",
    "reversal_target_year",
]
