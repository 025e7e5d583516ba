"""Open data for the whole city, streamed: the files are written while they are sent, row by row,
with memory that does not grow with the city (issue 17), in the documented schema and with the
CSV's formula protection."""

import csv
import datetime as dt
import gc
import io
import json
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fundadmin.roles import Role
from projects.models import BudgetLine, Project, Status
from publicity import opendata
from publicity.models import Notice, Objection
from tests.factories import CommunityFactory, FundYearFactory, user_with_role

pytestmark = pytest.mark.django_db


def streamed(response) -> bytes:
    assert response.status_code == 200
    assert response.streaming, "the file must be written while it is sent, not built first"
    return b"".join(response.streaming_content)


def csv_rows(body: bytes) -> list[dict]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def grow(fund_year, n: int, *, title: str = "楼道照明改造") -> None:
    """``n`` public projects of ``fund_year`` — each with two budget lines and its plan notice,
    every tenth notice with an objection — written in bulk, as the bench generator writes a city."""
    community = fund_year.community
    by = user_with_role(Role.COMMUNITY_SECRETARY, community)
    start = Project.objects.count()
    projects = Project.objects.bulk_create(
        Project(
            community=community,
            fund_year=fund_year,
            number=f"{community.code}-{fund_year.year}-{start + i:05d}",
            title=f"{title}{i}",
            proposer=by,
            status=Status.PUBLICITY,
        )
        for i in range(n)
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(project=p, item=item, quantity=1, unit="项", unit_price=price, amount=price)
        for p in projects
        for item, price in (("灯具", Decimal("4000.00")), ("安装", Decimal("2000.00")))
    )
    posted = dt.date(fund_year.year, 3, 2)
    notices = Notice.objects.bulk_create(
        Notice(
            community=community,
            project=p,
            fund_year=fund_year,
            kind=Notice.Kind.PLAN,
            title=p.title,
            snapshot={"title": p.title},
            content_hash=Notice.hash_snapshot(p.title, {"title": p.title}),
            published_by=by,
            posted_on=posted,
            period_days=3,
            ends_on=posted + dt.timedelta(days=3),
        )
        for p in projects
    )
    Objection.objects.bulk_create(Objection(notice=n, text="有疑问") for n in notices[::10])


@pytest.fixture
def city():
    """Two communities under two committees, with a 2025 and a 2026 fund year each."""
    years = []
    for _ in range(2):
        community = CommunityFactory()
        years += [FundYearFactory(community=community, year=2025), FundYearFactory(community=community, year=2026)]
    for fund_year in years:
        grow(fund_year, 3)
    return years


def test_the_city_files_hold_every_communitys_rows_in_the_schema(client, city):
    notices = csv_rows(streamed(client.get(reverse("publicity:open_data_city", args=["notices", "csv"]))))
    assert list(notices[0]) == [f.name for f in opendata.NOTICE_FIELDS]
    assert len(notices) == Notice.objects.count() == 12
    for community in {fy.community for fy in city}:
        own = csv_rows(streamed(client.get(reverse("publicity:open_data", args=[community.code, "notices", "csv"]))))
        assert [r for r in notices if r["community_code"] == community.code] == own  # the same rows, in order
    response = client.get(reverse("publicity:open_data_city", args=["projects", "jsonl"]))
    assert response["Content-Type"].startswith("application/jsonl")
    assert response["Content-Disposition"] == 'attachment; filename="city-projects.jsonl"'
    items = [json.loads(line) for line in streamed(response).decode().splitlines()]
    assert len(items) == 12 and list(items[0]) == [f.name for f in opendata.PROJECT_FIELDS]
    assert items[0]["budget_total"] == "6000.00" and items[0]["approved_amount"] is None  # decimal strings, null
    assert {i["fund_year"] for i in items} == {2025, 2026}


def test_a_draft_is_in_no_city_file(client, city, people, fund_year):
    from tests.projects.helpers import new_project

    new_project(people, fund_year, title="草稿不公开")
    for fmt in ("csv", "jsonl"):
        body = streamed(client.get(reverse("publicity:open_data_city", args=["projects", fmt])))
        assert "草稿不公开".encode() not in body


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_city_csv_never_runs_a_formula_and_json_lines_keep_the_text(client, city, title):
    Notice.objects.filter(pk=Notice.objects.order_by("pk").first().pk).update(title=title)
    [row] = [
        r
        for r in csv_rows(streamed(client.get(reverse("publicity:open_data_city", args=["notices", "csv"]))))
        if r["title"].lstrip("'") == title
    ]
    assert row["title"] == "'" + title
    lines = streamed(client.get(reverse("publicity:open_data_city", args=["notices", "jsonl"]))).decode()
    assert title in [json.loads(line)["title"] for line in lines.splitlines()]


def test_the_archive_of_a_fund_year_is_that_years_city(client, city):
    response = client.get(reverse("publicity:open_data_year", args=[2025]))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="city-open-data-2025.zip"'
    archive = zipfile.ZipFile(io.BytesIO(streamed(response)))
    assert archive.testzip() is None
    assert archive.namelist() == [
        "schema.json",
        "notices-2025.csv",
        "notices-2025.jsonl",
        "projects-2025.csv",
        "projects-2025.jsonl",
    ]
    notices = csv_rows(archive.read("notices-2025.csv"))
    assert len(notices) == 6 and {r["fund_year"] for r in notices} == {"2025"}
    projects = [json.loads(line) for line in archive.read("projects-2025.jsonl").decode().splitlines()]
    assert len(projects) == 6 and {p["fund_year"] for p in projects} == {2025}
    schema = json.loads(archive.read("schema.json"))
    assert schema["schema_version"] == opendata.SCHEMA_VERSION
    assert [f["name"] for f in schema["datasets"]["notices"]["fields"]] == [f.name for f in opendata.NOTICE_FIELDS]
    assert client.get(reverse("publicity:open_data_year", args=[1999])).status_code == 404


def test_the_open_data_page_links_the_city_files_and_every_year(client, city):
    page = client.get(reverse("publicity:open_data_schema")).content.decode()
    for dataset in ("notices", "projects"):
        for fmt in ("csv", "jsonl"):
            assert reverse("publicity:open_data_city", args=[dataset, fmt]) in page
    for year in (2025, 2026):
        assert reverse("publicity:open_data_year", args=[year]) in page
    assert client.get(reverse("publicity:open_data_city", args=["users", "csv"])).status_code == 404
    assert client.get(reverse("publicity:open_data_city", args=["notices", "xml"])).status_code == 404


def _downloaded(client, url) -> tuple[int, int, int]:
    """(bytes sent, peak of Python allocations while sending, queries run). The cycle collector
    is off meanwhile: its timing would blur the peak, and garbage left per row would show."""
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        with CaptureQueriesContext(connection) as queries:
            size = sum(len(chunk) for chunk in client.get(url).streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
    return size, peak, len(queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("publicity:open_data_city", args=["notices", "csv"]),
        reverse("publicity:open_data_city", args=["projects", "jsonl"]),
        reverse("publicity:open_data_year", args=[2026]),
    ],
)
def test_memory_and_queries_do_not_grow_with_the_city(client, monkeypatch, url):
    """The same download over a city four times larger: four times the bytes, the same number of
    queries, and the same memory — bounded by the rows fetched at a time, not by the file."""
    # The sizes below read several chunks of rows each and write many pieces.
    monkeypatch.setattr(opendata, "CHUNK_ROWS", 100)
    monkeypatch.setattr(opendata, "CHUNK_BYTES", 8 * 1024)
    fund_year = FundYearFactory(year=2026)
    grow(fund_year, 300)
    client.get(url)  # URL resolution, templates and imports warmed outside the measurement
    small = _downloaded(client, url)
    grow(fund_year, 900)
    large = _downloaded(client, url)
    assert large[0] > 3.5 * small[0]  # four times the rows
    assert large[2] == small[2]  # no query per row or per chunk
    assert large[1] < small[1] + 48 * 1024, (small, large)  # the file grew by 130-330 KB


def test_a_community_file_streams_too(client, monkeypatch):
    monkeypatch.setattr(opendata, "CHUNK_ROWS", 100)
    monkeypatch.setattr(opendata, "CHUNK_BYTES", 8 * 1024)
    fund_year = FundYearFactory(year=2026)
    url = reverse("publicity:open_data", args=[fund_year.community.code, "notices", "json"])
    grow(fund_year, 300)
    client.get(url)
    small = _downloaded(client, url)
    grow(fund_year, 900)
    large = _downloaded(client, url)
    assert large[0] > 3.5 * small[0] and large[2] == small[2]
    assert large[1] < small[1] + 48 * 1024, (small, large)  # the file grew by 560 KB
    data = json.loads(b"".join(client.get(url).streaming_content))
    assert len(data["items"]) == 1200 and data["community"]["code"] == fund_year.community.code
