"""Computing the integrity indicators over the whole city (Art. 19).

Reads only, in a fixed number of queries whatever the size of the city: each kind of record the
indicators look at (projects with their amounts, budget lines, payments, inspections, change
requests, approval decisions, objections, opinions, role holders, fund years) is fetched once for
every community, then grouped in Python. ``compute_all`` returns what fires as ``Candidate``s;
``supervision.indicators.services`` stores them.
"""

from __future__ import annotations

import datetime

from ..kinds import Kind
from .data import APPROVAL_DAYS, Candidate, Data
from .process import (
    change_raise,
    contact_match,
    late_approval,
    low_satisfaction_paid,
    objection_upheld,
    opinion_unanswered,
)
from .spending import concentration, no_invoice_share, splitting, unit_price, year_end_approvals, year_end_payments

__all__ = ["APPROVAL_DAYS", "INDICATORS", "Candidate", "compute_all"]

INDICATORS = {
    Kind.CONCENTRATION: concentration,
    Kind.SPLITTING: splitting,
    Kind.YEAR_END_PAYMENTS: year_end_payments,
    Kind.YEAR_END_APPROVALS: year_end_approvals,
    Kind.LOW_SATISFACTION_PAID: low_satisfaction_paid,
    Kind.CHANGE_RAISE: change_raise,
    Kind.LATE_APPROVAL: late_approval,
    Kind.OBJECTION_UPHELD: objection_upheld,
    Kind.OPINION_UNANSWERED: opinion_unanswered,
    Kind.CONTACT_MATCH: contact_match,
    Kind.UNIT_PRICE: unit_price,
    Kind.NO_INVOICE_SHARE: no_invoice_share,
}


def compute_all(*, today: datetime.date, thresholds: dict) -> list[Candidate]:
    """Every indicator that fires today, over the whole city."""
    d = Data(today)
    candidates = [c for fn in INDICATORS.values() for c in fn(d, thresholds)]
    # The documents behind each payment named as evidence (Art. 13, 17), in one more query.
    paid = {e["project"] for c in candidates for e in c.evidence if e["type"] == "payment"}
    documents = d.documents_for(paid)
    for c in candidates:
        extra = []
        for e in c.evidence:
            if e["type"] == "payment":
                extra.extend(documents.get(e["project"], ()))
        c.evidence.extend(x for x in extra if x not in c.evidence)
    return candidates
