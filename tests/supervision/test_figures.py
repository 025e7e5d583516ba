"""A fund year's figures are computed once (projects.figures): the annual summary residents read
(Art. 15) and the annual report the working committee evaluates (Art. 16) say the same numbers
under the same names, and a summary frozen before keeps reading."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from ledger.selectors import fund_balances
from projects.models import Status
from publicity.annual import annual_snapshot
from supervision.selectors import report_snapshot
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db

SHARED = ("allocation", "carry_over", "fund", "received", "spent", "committed", "carry_forward", "small_group")


def test_summary_and_report_share_one_computation(people, fund_year, clock, closed_project):
    clock.to(dt.date(2026, 11, 2))
    walk(new_project(people, fund_year, title="楼道照明"), people, Status.APPROVED, clock)
    small = new_project(people, fund_year, title="困难家庭帮扶", is_small_group=True, small_group_justification="特困")
    walk(small, people, Status.PUBLICITY, clock)
    clock.to(dt.date(2026, 12, 10))

    summary, report = annual_snapshot(fund_year), report_snapshot(fund_year)

    assert {k: summary[k] for k in SHARED} == {k: report[k] for k in SHARED}
    assert summary["categories"] == report["categories"]
    assert summary["carried"] == report["carried"]
    # Art. 13: the one name of what carries forward, and it is the ledger's figure.
    balances = fund_balances(fund_year)
    assert Decimal(report["carry_forward"]) == balances.fund - balances.spent == balances.carry_forward
    # The rows the two list in common say the same; the report adds its acceptance results.
    rows = {r["number"]: r for r in report["projects"]}
    for row in summary["projects"]:
        assert {k: v for k, v in rows[row["number"]].items() if k in row} == row
    assert "satisfaction_percent" in rows[closed_project.number]
    assert "satisfaction_percent" not in summary["projects"][0]
    # Art. 7(2): the approval rules' count — approved money plus budgets on their way.
    assert report["small_group"]["pending"] == "6000.00"


def test_a_summary_frozen_before_still_reads():
    """Posted summaries are immutable: one frozen under the old names ("balance", "share_percent")
    renders its figures, not blanks."""
    old = {
        "applicant": "测试社区党委",
        "year": 2025,
        "allocation": "100000.00",
        "carry_over": "0.00",
        "fund": "100000.00",
        "spent": "40000.00",
        "committed": "0.00",
        "balance": "60000.00",
        "small_group": {"used": "6000.00", "cap": "20000.00", "share_percent": "6.0"},
        "categories": [],
        "projects": [],
        "carried": {"projects": []},
    }
    html = render_to_string("publicity/includes/snapshot.html", {"s": old, "notice": {"kind": "annual"}})
    assert "60,000.00" in html and "6.0%" in html
