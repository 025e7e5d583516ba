"""The working committee's dashboard: everything across its communities, in bounded queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fundadmin.roles import Role
from projects.models import Status
from supervision import services
from supervision.charts import bar_chart_svg
from supervision.models import Opinion
from supervision.selectors import Bar, committee_dashboard
from tests.projects.helpers import new_project, walk

pytestmark = pytest.mark.django_db


def _add(people, fund_year, clock, until, **kw):
    return walk(new_project(people, fund_year, **kw), people, until, clock)


def _page_queries(client, url, user) -> int:
    client.force_login(user)  # the clock moved: log in again
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_projects(client, people, fund_year, clock, supervisor):
    committee = fund_year.community.committee
    url = reverse("supervision:dashboard", args=[committee.code])
    paid = _add(people, fund_year, clock, Status.PAID)
    _add(people, fund_year, clock, Status.ACCEPTED)
    services.opinion_record(
        community=fund_year.community,
        by=supervisor,
        subject="project",
        addressed_to="committee",
        text="x",
        project=paid,
    )
    submitted = _add(people, fund_year, clock, Status.SUBMITTED)
    small = _page_queries(client, url, people[Role.COMMITTEE_SECRETARY])
    for until in (Status.PAID, Status.ACCEPTED, Status.SUBMITTED, Status.PUBLICITY, Status.SIGNED):
        p = _add(people, fund_year, clock, until)
        services.opinion_record(
            community=fund_year.community,
            by=supervisor,
            subject="project",
            addressed_to="community",
            text="y",
            project=p,
        )
    big = _page_queries(client, url, people[Role.COMMITTEE_SECRETARY])
    assert big == small, f"{small} queries with 3 projects, {big} with 8"
    assert big <= 40
    page = client.get(url).content.decode()
    assert submitted.title in page and "<svg" in page and "<script" not in page


def test_dashboard_content(people, fund_year, clock, time_machine):
    committee = fund_year.community.committee
    paid = _add(people, fund_year, clock, Status.PAID)
    accepted = _add(people, fund_year, clock, Status.ACCEPTED)
    waiting = _add(people, fund_year, clock, Status.SUBMITTED)
    today = clock.day
    dash = committee_dashboard(committee=committee, year=2026, today=today)
    [row] = dash.approvals
    assert row.project == waiting and not row.overdue and row.deadline is not None
    later = committee_dashboard(committee=committee, year=2026, today=row.deadline.date + dt.timedelta(days=1))
    assert later.approvals[0].overdue and later.overdue_count == 1  # Art. 11: 5 working days
    assert [p.pk for p in dash.unpaid] == [accepted.pk] and dash.unpaid_total == accepted.approved_amount
    by_category = {b.label: b.value for b in dash.by_category}
    assert by_category[paid.category.name] == paid.settlement.amount
    month = paid.settlement.paid_on.month
    assert dash.by_month[month - 1].value == paid.settlement.amount
    assert sum(b.value for b in dash.by_month) == paid.settlement.amount
    [summary] = dash.summary.rows
    assert summary.small_group.within_cap
    assert [r.state for r in dash.reports] == ["due"]
    assert dash.report_late_from == dt.date(2026, 12, 1)


def test_reversed_payment_leaves_the_charts(people, fund_year, clock):
    from ledger.models import JournalEntry, Kind
    from ledger.services import entry_reverse

    paid = _add(people, fund_year, clock, Status.PAID)
    entry = JournalEntry.objects.get(project=paid, kind=Kind.PAYMENT)
    entry_reverse(entry=entry, reason="重复付款", by=people[Role.FINANCE])
    dash = committee_dashboard(committee=fund_year.community.committee, year=2026, today=clock.day)
    assert sum(b.value for b in dash.by_category) == Decimal("0.00")


def test_only_the_committee_sees_it(client, people, other_community):
    url = reverse(
        "supervision:dashboard", args=[people[Role.COMMITTEE_SECRETARY].role_assignments.get().committee.code]
    )
    for role in (Role.SUPERVISOR, Role.COMMUNITY_SECRETARY):
        client.force_login(people[role])
        assert client.get(url).status_code == 403
    from tests.factories import user_with_role

    client.force_login(user_with_role(Role.COMMITTEE_SECRETARY, other_community))
    assert client.get(url).status_code == 403


def test_chart_escapes_labels():
    svg = str(bar_chart_svg([Bar("<b>x</b>", Decimal("5.00")), Bar("零", Decimal("0.00"))], title="t"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and svg.count("<rect") == 2 and "style=" not in svg


def test_open_opinions_panel(people, fund_year, clock, supervisor):
    p = _add(people, fund_year, clock, Status.PUBLICITY)
    services.opinion_record(
        community=fund_year.community, by=supervisor, subject="project", addressed_to="committee", text="z", project=p
    )
    dash = committee_dashboard(committee=fund_year.community.committee, year=2026, today=clock.day)
    assert dash.opinion_count == 1 and isinstance(dash.opinions[0], Opinion)


def test_panel_counts_and_totals_stay_exact_when_the_panel_is_cut_off(people, fund_year, clock, monkeypatch):
    """Counted from the rows when they are all shown; asked of the database when cut off."""
    from supervision import selectors

    first = _add(people, fund_year, clock, Status.ACCEPTED)
    second = _add(people, fund_year, clock, Status.ACCEPTED)
    monkeypatch.setattr(selectors, "LIST_LIMIT", 1)
    dash = committee_dashboard(committee=fund_year.community.committee, year=2026, today=clock.day)
    assert len(dash.unpaid) == 1
    assert dash.unpaid_total == first.approved_amount + second.approved_amount
