"""Balances of a community's fund year — the one source the workflow's money rules read.

CONTRACT (used by projects.services; keep the names and meanings):
    fund_balances(fund_year) -> FundBalances with Decimal fields
        allocation   the year's annual allocation (Art. 5)
        carry_over   carried in from the previous year (Art. 13)
        fund         allocation + carry_over: "the year's total fund" of Art. 7(2)
        received     appropriations received from the city budget
        committed    approved and not yet paid (projects in COMMITTED_STATES, at their approved amount)
        spent        net payments (payments less their reversals)
        available    fund - committed - spent: what can still be approved
        cash         carry_over + received - spent: what is in the subject now (no overdraft below 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from fundadmin.models import FundYear

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundBalances:
    allocation: Decimal
    carry_over: Decimal
    received: Decimal
    committed: Decimal
    spent: Decimal

    @property
    def fund(self) -> Decimal:
        return self.allocation + self.carry_over

    @property
    def available(self) -> Decimal:
        return self.fund - self.committed - self.spent

    @property
    def cash(self) -> Decimal:
        return self.carry_over + self.received - self.spent


def committed_amount(fund_year: FundYear) -> Decimal:
    from projects.models import Project

    return Project.objects.for_fund_year(fund_year).committed().aggregate(s=Sum("approved_amount"))["s"] or ZERO


def fund_balances(fund_year: FundYear) -> FundBalances:
    # Placeholder until the journal exists: nothing received, carried over or spent yet.
    return FundBalances(
        allocation=fund_year.allocation,
        carry_over=ZERO,
        received=ZERO,
        committed=committed_amount(fund_year),
        spent=ZERO,
    )
