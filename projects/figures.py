"""A fund year's figures, computed once: the money from the ledger, the projects from the process.

The annual summary residents read (Art. 15, ``publicity.annual``) and the annual report the working
committee evaluates (Art. 16, ``supervision.selectors.report_snapshot``) freeze the same figures
under the same names: what the year had (allocation and carry-over, Art. 13), what was received,
spent and is still committed, what carries forward, the small-group projects against the 20% cap
(Art. 7(2)), spending by category (Art. 8) and one row per project with what it was approved, paid
and carried. Each document adds only what is its own (the report: acceptance results and
residents' satisfaction). The figures are JSON-safe: they are stored in a snapshot and hashed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from fundadmin.models import FundYear, SpendingCategory
from ledger.selectors import carried_commitments, fund_balances, small_group_share

from .models import Project
from .process import Status
from .selectors import small_group_pending

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# Withdrawn and rejected projects are listed but spend nothing: no category counts them.
NOT_COUNTED = (Status.WITHDRAWN, Status.REJECTED)


def money(value) -> str:
    """A snapshot's money: a string with two decimals (JSON has no Decimal)."""
    return str(Decimal(value or ZERO).quantize(CENT))


def paid_amount(project: Project) -> Decimal:
    return project.settlement.amount if hasattr(project, "settlement") else ZERO


def year_figures(fund_year: FundYear, projects: Iterable[Project]) -> dict:
    """The figures of ``fund_year``, with one row per project of ``projects`` (with their current
    approved amount, ``select_related("category", "settlement")``), in the order given."""
    projects = list(projects)
    balances = fund_balances(fund_year)
    share = small_group_share(fund_year, balances)
    pending = small_group_pending([fund_year.pk]).get(fund_year.pk, ZERO)
    used = share.used + pending
    carried = carried_commitments(fund_year)
    carried_by_pk = {p.pk: amount for p, amount in carried}

    categories = {c.name: {"count": 0, "approved": ZERO, "paid": ZERO} for c in SpendingCategory.objects.all()}
    rows = []
    for p in projects:
        paid = paid_amount(p)
        rows.append(
            {
                "number": p.number,
                "title": p.title,
                "category": p.category.name if p.category else "",
                "status": p.get_status_display(),
                "is_small_group": p.is_small_group,
                "approved_amount": money(p.approved_amount) if p.approved_amount is not None else "",
                "paid_amount": money(paid),
                "carried_amount": money(carried_by_pk[p.pk]) if p.pk in carried_by_pk else "",
            }
        )
        if p.status in NOT_COUNTED or p.category is None:
            continue
        bucket = categories.setdefault(p.category.name, {"count": 0, "approved": ZERO, "paid": ZERO})
        bucket["count"] += 1
        bucket["approved"] += p.approved_amount or ZERO
        bucket["paid"] += paid

    return {
        "community": fund_year.community.name,
        "applicant": fund_year.community.applicant_name,
        "year": fund_year.year,
        "allocation": money(balances.allocation),
        "carry_over": money(balances.carry_over),
        "fund": money(balances.fund),
        "received": money(balances.received),
        "spent": money(balances.spent),
        "committed": money(balances.committed),
        # Art. 13: what is not spent this year carries over to the next.
        "carry_forward": money(balances.carry_forward),
        # Art. 7(2), counted as the approval rules count it: what approved small-group projects
        # hold in the ledger, and the budgets of those still on their way to approval.
        "small_group": {
            "approved": money(share.used),
            "pending": money(pending),
            "used": money(used),
            "cap": money(share.cap),
            "percent": str((used * 100 / balances.fund).quantize(Decimal("0.1"))) if balances.fund > 0 else "",
            "within_cap": used <= share.cap,
        },
        "categories": [
            {"name": name, "count": v["count"], "approved": money(v["approved"]), "paid": money(v["paid"])}
            for name, v in categories.items()
        ],
        "projects": rows,
        # Art. 13: approved, unpaid projects keep their money across the year end — carried with
        # the surplus by the close (or, before it, to be carried), and paid in the next year.
        "carried": {
            "done": fund_year.is_closed or balances.commitments_carried_out > 0,
            "to_year": fund_year.year + 1,
            "total": money(sum((amount for _, amount in carried), ZERO)),
            "projects": [{"number": p.number, "title": p.title, "amount": money(amount)} for p, amount in carried],
        },
    }
