"""Writes to the journal.

CONTRACT (used by projects.services; keep the names and meanings):
    payment_post(*, settlement, by) -> JournalEntry
        Called by the workflow's payment step inside its transaction, after the Settlement row
        is saved. Posts one payment entry (借/贷 as the journal defines) for settlement.amount
        dated settlement.paid_on into the project's fund year, linked to the project, the
        settlement and its vouchers. Refuses with django.core.exceptions.ValidationError (Chinese
        message, a ``code``) when the year is closed or the payment would overdraw the subject
        (FundBalances.cash < amount), locking the account row so two finance staff settling at
        once cannot both pass the check.
"""


def payment_post(*, settlement, by):
    # Placeholder until the journal exists.
    return None
