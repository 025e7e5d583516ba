"""Art. 17–19: the dossier's ZIP carries every document with hashes an auditor can check."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from fundadmin.roles import Role
from projects.models import Document
from supervision.dossier import dossier_context, dossier_zip

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4 dossier-test\n%%EOF\n"


def _open(archive):
    return zipfile.ZipFile(io.BytesIO(archive.read()))


def test_manifest_hashes_match_the_stored_files(closed_project):
    documents = list(closed_project.documents.all())
    assert documents, "the walk uploads the invoice"
    archive, _ = dossier_zip(closed_project, pdf=FAKE_PDF)
    zf = _open(archive)
    manifest = json.loads(zf.read("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(zf.namelist()) == {*listed, "manifest.json", "manifest.csv"}
    assert listed["dossier.pdf"]["sha256"] == hashlib.sha256(FAKE_PDF).hexdigest()
    by_id = {f["source_id"]: f for f in manifest["files"] if f["source"] == "document"}
    assert set(by_id) == {str(d.pk) for d in documents}
    for doc in documents:
        entry = by_id[str(doc.pk)]
        with doc.file.open("rb") as fh:
            stored = hashlib.sha256(fh.read()).hexdigest()
        assert entry["sha256"] == stored == doc.sha256 == entry["recorded_sha256"]
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == stored and entry["matches"]
    text = zf.read("manifest.csv").decode("utf-8-sig")
    rows_csv = {r["path"]: r for r in csv.DictReader(io.StringIO(text))}
    assert {p: r["sha256"] for p, r in rows_csv.items()} == {p: f["sha256"] for p, f in listed.items()}


def test_a_file_swapped_on_disk_shows_in_the_manifest(closed_project):
    doc = closed_project.documents.first()
    with open(doc.file.path, "wb") as fh:
        fh.write(b"%PDF-1.4 swapped\n")
    _, rows = dossier_zip(closed_project, pdf=FAKE_PDF)
    [row] = [r for r in rows if r.source_id == str(doc.pk)]
    assert not row.matches and row.recorded_sha256 == doc.sha256


def test_the_story_is_complete(closed_project):
    ctx = dossier_context(closed_project)
    assert ctx["meetings"] and ctx["notices"] and ctx["reviews"] and ctx["inspections"]
    assert ctx["settlement"] and ctx["entries"] and ctx["documents"]
    assert len(ctx["signatures"]) == 3  # Art. 13
    actions = [e.action for e, _ in ctx["events"]]
    assert actions[0] == "project.create" and "document.upload" in actions and "ledger.payment" in actions


def test_dossier_pdf_renders_chinese(closed_project):
    from supervision.dossier import dossier_pdf

    pdf = dossier_pdf(closed_project)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


@pytest.mark.django_db(transaction=True)  # the worker renders what committed
def test_dossier_views_and_refusals(client, closed_project, people, other_supervisor):
    from tests.notifications.helpers import run_worker

    client.force_login(people[Role.SUPERVISOR])
    waiting = client.get(reverse("supervision:dossier_zip", args=[closed_project.pk]))
    assert waiting.status_code == 202 and "正在生成项目档案（PDF）" in waiting.content.decode()
    run_worker()  # the background worker renders the PDF the ZIP carries (supervision.exports)
    response = client.get(reverse("supervision:dossier_zip", args=[closed_project.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "dossier.pdf" in zf.namelist()
    client.force_login(other_supervisor)
    assert client.get(reverse("supervision:dossier_zip", args=[closed_project.pk])).status_code == 404
    assert client.get(reverse("supervision:dossier_pdf", args=[closed_project.pk])).status_code == 404


def test_documents_are_what_was_uploaded(closed_project):
    assert all(d.size > 0 for d in Document.objects.filter(project=closed_project))


def test_files_live_in_the_test_folder(closed_project, settings):
    doc = closed_project.documents.first()
    assert str(doc.file.path).startswith(str(settings.MEDIA_ROOT))


POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n%%EOF\n"


def test_entries_are_named_by_their_detected_type_never_the_uploaders_extension(closed_project, people):
    """Issue 15, reproduction 7: a PDF/HTML polyglot uploaded as poly.html used to ship as
    documents/000016-meeting_minutes-poly.html and open as a web page once unzipped."""
    from django.core.files.base import ContentFile

    # Uploaded while the project ran (the sniffer accepts it: it starts as a PDF); the name is
    # the uploader's.
    doc = Document(
        project=closed_project,
        kind=Document.Kind.OTHER,
        original_name="poly.html",
        content_type="application/pdf",
        size=len(POLYGLOT),
        sha256=hashlib.sha256(POLYGLOT).hexdigest(),
        uploaded_by=people[Role.COMMUNITY_SECRETARY],
        stage="payment",
    )
    doc.file.save("poly.html", ContentFile(POLYGLOT), save=False)
    doc.save()
    archive, rows = dossier_zip(closed_project, pdf=FAKE_PDF)
    [row] = [r for r in rows if r.source_id == str(doc.pk)]
    assert row.path == f"documents/{doc.pk:06d}-other-poly.pdf"
    names = _open(archive).namelist()
    assert row.path in names and not any(n.endswith((".html", ".htm")) for n in names)
    # Whatever the name says, every document entry ends in the extension its bytes earn.
    for r in rows:
        if r.source == "document":
            assert r.path.rsplit(".", 1)[-1] in {"pdf", "jpg", "png", "webp", "bin"}


def test_entry_names_keep_nothing_that_could_lie():
    from supervision.dossier import entry_name

    assert entry_name("documents/000001-other", "照片\u202egnp.exe", b"\x89PNG\r\n\x1a\n....") == (
        "documents/000001-other-照片_gnp.png"
    )
    assert entry_name("documents/000002-other", "notes.txt", b"plain words") == "documents/000002-other-notes.bin"
    assert entry_name("documents/000003-other", "../../etc/passwd", b"%PDF-") == "documents/000003-other-passwd.pdf"
