"""Long documents (the dossier, the account-book PDF) are rendered by the background worker, with
their progress on the page, and served from storage until the data they show changes."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from exports import services
from exports.models import Export
from exports.registry import KINDS, ExportKind, register
from fundadmin.roles import Role
from ledger.models import JournalEntry, Kind
from ledger.services import appropriation_record, entry_reverse
from projects.models import Status
from supervision import exports as dossier_exports
from supervision import services as supervision_services
from tests.factories import user_with_role
from tests.notifications.helpers import run_worker
from tests.projects.helpers import Clock, new_project, walk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine, start=dt.date(2026, 9, 1))


@pytest.fixture
def closed(people, fund_year, clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    appropriation_record(fund_year=fund_year, amount=fund_year.allocation, entry_date=dt.date(2026, 1, 5), by=None)
    return walk(new_project(people, fund_year), people, Status.CLOSED, clock)


def supervisor_client(people) -> Client:
    client = Client()
    client.force_login(people[Role.SUPERVISOR])
    return client


def test_the_dossier_waits_with_its_progress_then_comes_from_storage(closed, people, monkeypatch):
    client = supervisor_client(people)
    url = reverse("supervision:dossier_pdf", args=[closed.pk])
    waiting = client.get(url)
    page = waiting.content.decode()
    assert waiting.status_code == 202
    assert "正在生成项目档案（PDF）" in page and "已排队" in page and 'http-equiv="refresh"' in page
    assert "<progress" in page and f"/projects/{closed.pk}/" in page  # the way back
    assert client.get(url).status_code == 202 and Export.objects.count() == 1  # asked twice, queued once
    run_worker()
    export = Export.objects.get()
    assert export.state == Export.State.DONE and export.progress == 100 and export.size > 5000
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == export.size

    # Served from storage: asking again renders nothing.
    def refuse(*args, **kwargs):
        raise AssertionError("rendered again although nothing changed")

    monkeypatch.setattr(dossier_exports, "dossier_pdf", refuse)
    assert client.get(url).status_code == 200
    assert run_worker() == 0


def test_a_change_to_the_project_asks_for_a_new_rendering(closed, people):
    client = supervisor_client(people)
    url = reverse("supervision:dossier_pdf", args=[closed.pk])
    client.get(url)
    run_worker()
    first = Export.objects.get()
    old_name = first.file.name
    supervision_services.opinion_record(
        community=closed.community,
        by=people[Role.SUPERVISOR],
        subject="project",
        addressed_to="community",
        text="请补充验收照片",
        project=closed,
    )
    assert client.get(url).status_code == 202  # the dossier shows opinions: it is out of date
    run_worker()
    [current] = Export.objects.all()  # the old rendering and its file are gone
    assert current.pk != first.pk and current.state == Export.State.DONE
    assert not first.file.storage.exists(old_name)
    assert client.get(url).status_code == 200


def test_the_zip_waits_for_the_pdf_and_then_carries_it(closed, people, monkeypatch):
    import io
    import zipfile

    from supervision import dossier

    client = supervisor_client(people)
    url = reverse("supervision:dossier_zip", args=[closed.pk])
    assert client.get(url).status_code == 202
    run_worker()

    # The ZIP carries the PDF the worker stored: nothing renders it again, here or in the worker.
    def refuse(*args, **kwargs):
        raise AssertionError("the ZIP rendered the dossier again")

    monkeypatch.setattr(dossier_exports, "dossier_pdf", refuse)
    monkeypatch.setattr(dossier, "dossier_pdf", refuse)
    monkeypatch.setattr("weasyprint.HTML", refuse)
    response = client.get(url)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    with Export.objects.get().file.open("rb") as stored:
        assert archive.read("dossier.pdf") == stored.read()
    assert client.get(url).status_code == 200 and run_worker() == 0 and Export.objects.count() == 1


def test_outsiders_queue_nothing(closed, other_community):
    outsider = Client()
    outsider.force_login(user_with_role(Role.SUPERVISOR, other_community))
    assert outsider.get(reverse("supervision:dossier_pdf", args=[closed.pk])).status_code == 404
    assert outsider.post(reverse("supervision:dossier_pdf", args=[closed.pk])).status_code == 404
    assert not Export.objects.exists()


def test_the_account_book_pdf_per_filter_and_per_change(closed, people, fund_year):
    client = Client()
    client.force_login(people[Role.FINANCE])
    url = reverse("ledger:book_pdf", kwargs={"community": fund_year.community.code, "year": fund_year.year})
    assert client.get(url).status_code == 202
    assert client.get(url, {"kind": "payment"}).status_code == 202
    assert client.get(url, {"kind": "payment", "date_from": ""}).status_code == 202  # same filter
    assert Export.objects.count() == 2
    run_worker()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(url, {"kind": "payment"}).status_code == 200
    entry = JournalEntry.objects.filter(fund_year=fund_year, kind=Kind.PAYMENT).get()
    entry_reverse(entry=entry, reason="凭证号登记错误", by=people[Role.FINANCE])
    assert client.get(url).status_code == 202  # a new entry: the book changed
    assert client.get(url, {"kind": "payment"}).status_code == 202


def test_progress_is_reported_and_a_failure_can_be_retried(people, fund_year):
    seen = []

    def render(obj, progress):
        progress(40, "排版")
        seen.append(Export.objects.values_list("progress", "step", "state").get())
        if len(seen) == 1:
            raise RuntimeError("字体缺失")
        return b"%PDF-1.4 test"

    register(ExportKind("test_kind", "测试文件", load=str, fingerprint=lambda o: "v1", render=render, filename=str))
    try:
        export = services.export_current(kind="test_kind", key="x", obj="x")
        run_worker()
        export.refresh_from_db()
        assert seen == [(40, "排版", Export.State.RUNNING)]
        assert export.state == Export.State.FAILED and "字体缺失" in export.error
        services.export_retry(export=export)
        run_worker()
        export.refresh_from_db()
        assert export.state == Export.State.DONE and export.size == len(b"%PDF-1.4 test")
    finally:
        KINDS.pop("test_kind")
