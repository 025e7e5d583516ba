"""Demo books: the 2025 and 2026 appropriations of every demo community, and 2025 closed into
2026 (Art. 5, 13). Idempotent. The first of FUNDADMIN_DEMO_PARTS: it must run before
any demo payment dated 2026 that needs the carried-over money, and after every 2025 payment."""

from __future__ import annotations

import datetime
from decimal import Decimal

from fundadmin.demo import at
from fundadmin.demo.core import COMMUNITIES
from fundadmin.models import FundYear, User
from fundadmin.roles import Role

from .models import Kind
from .selectors import fund_balances
from .services import appropriation_record, fund_year_close

# The city pays the allocation in two instalments (dates are working days).
INSTALMENTS = {
    2025: [(datetime.date(2025, 3, 10), "0.6"), (datetime.date(2025, 8, 11), "0.4")],
    2026: [(datetime.date(2026, 3, 9), "0.6"), (datetime.date(2026, 8, 10), "0.4")],
}


def _finance_user(community) -> User | None:

    assignment = community.committee.role_assignments.active().filter(role=Role.FINANCE).select_related("user").first()
    return assignment.user if assignment else None


def part() -> None:
    """The books, as they stood at the end of August 2026 (the demo's part: FUNDADMIN_DEMO_PARTS)."""
    with at(datetime.date(2026, 8, 31)):
        load()


def load() -> None:
    codes = [code for _, code, _, _ in COMMUNITIES]
    for fund_year in (
        FundYear.objects.filter(community__code__in=codes, year__in=INSTALMENTS)
        .select_related("community__committee")
        .order_by("community__code", "year")
    ):
        by = _finance_user(fund_year.community)
        if fund_year.is_closed or fund_year.journal_entries.filter(kind=Kind.APPROPRIATION).exists():
            continue
        remaining = fund_year.allocation - fund_balances(fund_year).received
        for n, (day, share) in enumerate(INSTALMENTS[fund_year.year], start=1):
            last = n == len(INSTALMENTS[fund_year.year])
            amount = remaining if last else (fund_year.allocation * Decimal(share)).quantize(Decimal("0.01"))
            remaining -= amount
            if amount > 0:
                appropriation_record(
                    fund_year=fund_year,
                    amount=amount,
                    entry_date=day,
                    by=by,
                    summary=f"收到{fund_year.year}年度财政拨款（第{n}批）",
                    reference=f"财社〔{fund_year.year}〕{10 + n}号",
                )
    for fund_year in FundYear.objects.filter(community__code__in=codes, year=2025).select_related("community"):
        fund_year_close(fund_year=fund_year, by=_finance_user(fund_year.community))
