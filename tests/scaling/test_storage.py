"""Uploaded files work the same on the filesystem and on S3-compatible storage (docs/scaling.md 3).

Every test here runs twice through the ``media_storage`` fixture: once with files under
MEDIA_ROOT, once in a bucket on an S3-compatible server started on 127.0.0.1 — so app servers
that share a bucket see the same documents as one server with a folder.
"""

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fundadmin.roles import Role
from projects import services
from projects.models import Document
from publicity import services as publicity
from supervision.dossier import dossier_zip
from tests.projects.helpers import PDF, new_project, pdf

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_the_backend_is_the_one_configured(media_storage):
    name = default_storage.save("probe/hello.txt", io.BytesIO(b"hello"))
    assert (
        type(default_storage._wrapped).__name__
        == {"filesystem": "FileSystemStorage", "s3": "S3Storage"}[media_storage.kind]
    )
    assert media_storage(name) == b"hello"
    assert default_storage.exists(name) and default_storage.size(name) == 5


def test_document_upload_then_download(media_storage, client, people, fund_year):
    project = new_project(people, fund_year)
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    client.post(
        reverse("projects:document_upload", args=[project.pk]), {"kind": "other", "title": "扫描件", "file": pdf()}
    )
    doc = project.documents.get()
    assert media_storage(doc.file.name) == PDF  # really in the folder / the bucket
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()

    response = client.get(reverse("projects:document", args=[project.pk, doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    response.close()


def test_same_bytes_twice_never_overwrite(media_storage, people, fund_year):
    """Names come from the content hash; a second upload of the same scan gets its own object
    (file_overwrite=False), so deleting or correcting one never touches the other (Art. 17)."""
    project = new_project(people, fund_year)
    sec = people[Role.COMMUNITY_SECRETARY]
    first = services.document_upload(project=project, by=sec, kind="other", upload=pdf())
    second = services.document_upload(project=project, by=sec, kind="other", upload=pdf())
    assert first.file.name != second.file.name
    assert media_storage(first.file.name) == media_storage(second.file.name) == PDF


def test_a_correction_keeps_the_original_readable(media_storage, people, fund_year):
    project = new_project(people, fund_year)
    sec = people[Role.COMMUNITY_SECRETARY]
    original = services.document_upload(project=project, by=sec, kind="other", upload=pdf())
    fixed = SimpleUploadedFile("fixed.pdf", PDF + b"% corrected\n", content_type="application/pdf")
    correction = services.document_upload(project=project, by=sec, kind="other", upload=fixed, replaces=original)
    original.refresh_from_db()
    assert original.superseded_by == correction
    with original.file.open("rb") as fh:
        assert fh.read() == PDF
    with correction.file.open("rb") as fh:
        assert fh.read() == PDF + b"% corrected\n"


def test_notice_board_photo_upload_then_public_view(media_storage, client, plan_notice, people):
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    client.post(
        reverse("publicity:notice_photo_upload", args=[plan_notice.pk]),
        {"photo": SimpleUploadedFile("board.png", PNG)},
    )
    plan_notice.refresh_from_db()
    assert plan_notice.board_photo and media_storage(plan_notice.board_photo.name) == PNG

    client.logout()  # residents read the board photo without logging in
    response = client.get(reverse("publicity:notice_photo", args=[plan_notice.pk]))
    assert response.status_code == 200
    assert response.getvalue() == PNG and response["Content-Type"] == "image/png"


def test_dossier_zip_reads_every_stored_file(media_storage, plan_notice, people):
    """The supervisors' dossier re-reads every document and photo from storage and hashes it."""
    sec = people[Role.COMMUNITY_SECRETARY]
    project = plan_notice.project
    doc = services.document_upload(project=project, by=sec, kind="other", upload=pdf())
    publicity.notice_photo_upload(notice=plan_notice, by=sec, upload=SimpleUploadedFile("board.png", PNG))

    archive, rows = dossier_zip(project, pdf=b"%PDF-1.4 stand-in\n")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        by_source = {r.source: r for r in rows}
        assert zf.read(by_source["document"].path) == PDF
        assert zf.read(by_source["notice_photo"].path) == PNG
    assert all(r.matches for r in rows if r.source in ("document", "notice_photo"))
    assert len(names) >= 3
    assert Document.objects.get(pk=doc.pk).sha256 == by_source["document"].sha256
