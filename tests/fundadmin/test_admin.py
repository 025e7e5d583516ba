"""The Django admin goes through the services; a refusal is shown on the form, never beside a
"changed successfully" (Art. 5, 13: an allocation is never cut below what is received or committed,
and never changed once the year is closed)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from fundadmin.models import FundYear
from ledger.services import appropriation_record
from tests.factories import FundYearFactory

pytestmark = pytest.mark.django_db


def change(client, fund_year, allocation):
    return client.post(f"/admin/fundadmin/fundyear/{fund_year.pk}/change/", {"allocation": allocation, "_save": "保存"})


def test_an_allocation_below_what_was_received_is_refused_on_the_form(admin_client, community):
    fund_year = FundYearFactory(community=community, allocation=Decimal("100000"))
    appropriation_record(fund_year=fund_year, amount=Decimal("40000"), entry_date=dt.date(2026, 1, 5), by=None)
    response = change(admin_client, fund_year, "30000")
    assert response.status_code == 200  # the form again, with the reason
    assert "年度经费不能低于已到账的拨款 40,000.00 元" in response.content.decode()
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    fund_year.refresh_from_db()
    assert fund_year.allocation == Decimal("100000")


def test_a_closed_year_is_refused_on_the_form(admin_client, community):
    fund_year = FundYearFactory(community=community, allocation=Decimal("100000"))
    FundYear.objects.filter(pk=fund_year.pk).update(closed_at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    response = change(admin_client, fund_year, "120000")
    assert "该年度已结转，不能再修改年度经费。" in response.content.decode()
    fund_year.refresh_from_db()
    assert fund_year.allocation == Decimal("100000")


def test_an_allowed_change_is_saved_and_reported(admin_client, community):
    fund_year = FundYearFactory(community=community, allocation=Decimal("100000"))
    response = change(admin_client, fund_year, "120000")
    assert response.status_code == 302
    fund_year.refresh_from_db()
    assert fund_year.allocation == Decimal("120000")


def test_job_runs_are_listed_read_only(admin_client):
    from fundadmin.jobs import job_claim

    job_claim(job="verify_audit", period="2026-11-28")
    page = admin_client.get("/admin/fundadmin/jobrun/")
    assert page.status_code == 200 and "verify_audit" in page.content.decode() and "运行中" in page.content.decode()
    assert admin_client.get("/admin/fundadmin/jobrun/add/").status_code == 403
    run = admin_client.get("/admin/fundadmin/jobrun/").context["cl"].result_list[0]
    assert admin_client.post(f"/admin/fundadmin/jobrun/{run.pk}/delete/", {"post": "yes"}).status_code == 403
