"""Open data: CSV and JSON with the documented, stable schema."""

import csv
import io
import json

import pytest
from django.urls import reverse

from publicity import services
from publicity.opendata import NOTICE_FIELDS, PROJECT_FIELDS, SCHEMA_VERSION
from tests.projects.helpers import new_project

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    assert response.status_code == 200 and response.streaming  # written while it is sent
    return b"".join(response.streaming_content)


def _json(client, url):
    return json.loads(_body(client.get(url)))


def _csv(client, code, dataset):
    response = client.get(reverse("publicity:open_data", args=[code, dataset, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    body = _body(response).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_csv_headers_are_the_documented_fields(client, plan_notice, people, fund_year):
    code = plan_notice.community.code
    new_project(people, fund_year, title="草稿不公开")
    notices = _csv(client, code, "notices")
    assert notices[0] == [f.name for f in NOTICE_FIELDS] and len(notices) == 2
    row = dict(zip(notices[0], notices[1], strict=True))
    assert row["ends_on"] == "2026-10-10" and row["ends_provisional"] == "false" and row["status"] == "up"
    assert row["content_hash"] == plan_notice.content_hash
    projects = _csv(client, code, "projects")
    assert projects[0] == [f.name for f in PROJECT_FIELDS] and len(projects) == 2
    assert dict(zip(projects[0], projects[1], strict=True))["budget_total"] == "6000.00"


def test_json_has_schema_version_and_typed_values(client, plan_notice):
    services.objection_submit(notice=plan_notice, text="有疑问", name="孙某")
    data = _json(client, reverse("publicity:open_data", args=[plan_notice.community.code, "notices", "json"]))
    assert data["schema"] == "fundadmin.publicity.notices" and data["schema_version"] == SCHEMA_VERSION
    assert data["fields"] == [f.name for f in NOTICE_FIELDS]
    item = data["items"][0]
    assert list(item) == data["fields"]
    assert item["ends_provisional"] is False and item["supersedes_id"] is None and item["objections_open"] == 1
    projects = _json(client, reverse("publicity:open_data", args=[plan_notice.community.code, "projects", "json"]))
    amount = projects["items"][0]["budget_total"]
    assert amount == "6000.00" and isinstance(amount, str)  # never a float


def test_schema_page_documents_every_field(client, community):
    page = client.get(reverse("publicity:open_data_schema")).content.decode()
    for field in NOTICE_FIELDS + PROJECT_FIELDS:
        assert f"<code>{field.name}</code>" in page
    assert reverse("publicity:open_data", args=[community.code, "notices", "csv"]) in page


def test_unknown_dataset_is_404(client, community):
    assert client.get(f"/c/{community.code}/data/users.csv").status_code == 404
    assert client.get(f"/c/{community.code}/data/notices.xml").status_code == 404


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_csv_text_never_runs_as_a_formula_and_json_keeps_it(client, plan_notice, title):
    from publicity.models import Notice

    Notice.objects.filter(pk=plan_notice.pk).update(title=title)
    code = plan_notice.community.code
    header, row = _csv(client, code, "notices")
    row = dict(zip(header, row, strict=True))
    assert row["title"] == "'" + title
    data = _json(client, reverse("publicity:open_data", args=[code, "notices", "json"]))
    assert data["items"][0]["title"] == title
