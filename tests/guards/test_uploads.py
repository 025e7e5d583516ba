"""Uploads are judged by their content, never by their name, and have a size limit. For every
upload a person makes — a project's documents (Art. 17) and the photo of a notice on the board
(Art. 10) — through the HTTP views as that person: a renamed executable is refused with a clear
Chinese message and nothing is stored; a file over the limit gets a Chinese size message and
nothing is stored; a real file of each accepted type is stored as it was sent."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from audit.models import AuditEvent
from fundadmin.roles import Role
from projects.models import Document, Status
from publicity.models import Notice
from tests.projects.helpers import PDF, new_project, walk

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 120
SCRIPT = b"#!/bin/sh\nrm -rf /\n"
HTML = b"<html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
ZIP = b"PK\x03\x04" + b"\x00" * 60  # a .docx or a .jar alike
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64

DISGUISED = [
    ("foo.pdf", ELF),
    ("foo.jpg", ELF),
    ("foo.pdf", PE),
    ("invoice.png", PE),
    ("scan.jpeg", SCRIPT),
    ("photo.webp", HTML),
    ("photo.png", SVG),
    ("voucher.pdf", ZIP),
    ("empty.pdf", b""),
]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _stored_files() -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found.update(os.path.join(root, f) for f in files)
    return found


@pytest.fixture
def project(people, fund_year_with_money, clock):
    return walk(new_project(people, fund_year_with_money), people, Status.EXECUTING, clock)


@pytest.fixture
def notice(people, fund_year_with_money, clock) -> Notice:
    posted = walk(new_project(people, fund_year_with_money), people, Status.PUBLICITY, clock)
    return Notice.objects.get(project=posted, kind=Notice.Kind.PLAN)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload_document(client, project, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"/projects/{project.pk}/documents/", {"kind": "other", "title": "扫描件", "file": upload})


def _upload_photo(client, notice, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return client.post(f"/publicity/notice/{notice.pk}/photo/", {"photo": upload})


@pytest.mark.parametrize(("name", "content"), DISGUISED)
def test_document_refuses_what_is_not_a_document_whatever_its_name(people, project, name, content):
    before = (Document.objects.count(), AuditEvent.objects.count(), _stored_files())
    response = _upload_document(_as(people[Role.COMMUNITY_SECRETARY]), project, name, content)
    assert response.status_code == 302
    said = " ".join(_messages(response))
    if content:
        assert "只接受 PDF、JPEG、PNG 或 WebP 格式的文件" in said and "按文件内容判断" in said, said
    else:
        assert "空文件" in said, said
    assert (Document.objects.count(), AuditEvent.objects.count(), _stored_files()) == before


@pytest.mark.parametrize(("name", "content"), [*DISGUISED, ("board.pdf", PDF)])
def test_board_photo_refuses_what_is_not_a_photo_whatever_its_name(people, notice, name, content):
    before = (AuditEvent.objects.count(), _stored_files())
    response = _upload_photo(_as(people[Role.COMMUNITY_SECRETARY]), notice, name, content)
    assert response.status_code == 302
    said = " ".join(_messages(response))
    if content:
        assert "只接受 JPEG、PNG 或 WebP 格式的照片" in said and "按文件内容判断" in said, said
    else:
        assert "空文件" in said, said
    assert (AuditEvent.objects.count(), _stored_files()) == before
    notice.refresh_from_db()
    assert not notice.board_photo and notice.board_photo_sha256 == ""


@override_settings(FUNDADMIN_MAX_UPLOAD_BYTES=64 * 1024)
@pytest.mark.parametrize("kind", ["document", "photo"])
def test_oversize_upload_gets_a_size_message_and_nothing_is_stored(people, project, notice, kind):
    limit = settings.FUNDADMIN_MAX_UPLOAD_BYTES
    content = (PDF if kind == "document" else JPEG) + b"\x00" * limit  # a real header, one limit too long
    client = _as(people[Role.COMMUNITY_SECRETARY])
    before = (Document.objects.count(), AuditEvent.objects.count(), _stored_files())
    if kind == "document":
        response = _upload_document(client, project, "big.pdf", content)
    else:
        response = _upload_photo(client, notice, "big.jpg", content)
    assert response.status_code == 302
    said = " ".join(_messages(response))
    assert "过大" in said and "上限为 64 KB" in said, said
    assert (Document.objects.count(), AuditEvent.objects.count(), _stored_files()) == before


def test_the_default_limit_refuses_one_byte_over_and_says_so(people, project):
    """At the configured limit itself (20 MB unless MAX_UPLOAD_MB says otherwise), through the
    view with the real multipart upload handlers (the file goes to a temporary file on disk)."""
    limit = settings.FUNDADMIN_MAX_UPLOAD_BYTES
    client = _as(people[Role.COMMUNITY_SECRETARY])
    before = Document.objects.count()
    response = _upload_document(client, project, "scan.pdf", PDF + b"\x00" * (limit - len(PDF) + 1))
    said = " ".join(_messages(response))
    assert f"过大：上限为 {limit // 1048576} MB，此文件为 {limit + 1:,} 字节" in said, said
    assert Document.objects.count() == before
    response = _upload_document(client, project, "scan.pdf", PDF + b"\x00" * (limit - len(PDF)))
    assert Document.objects.count() == before + 1, _messages(response)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("扫描件.pdf", PDF, "application/pdf"),
        ("invoice.bin", JPEG, "image/jpeg"),  # the name does not decide either way
        ("photo.PNG", PNG, "image/png"),
        ("photo", WEBP, "image/webp"),
    ],
)
def test_a_real_document_is_stored_as_sent(people, project, name, content, content_type):
    client = _as(people[Role.COMMUNITY_SECRETARY])
    response = _upload_document(client, project, name, content)
    assert response.status_code == 302
    doc = Document.objects.filter(project=project).latest("pk")
    assert (doc.original_name, doc.content_type, doc.size) == (name, content_type, len(content))
    with default_storage.open(doc.file.name, "rb") as stored:
        assert stored.read() == content
    served = client.get(f"/projects/{project.pk}/documents/{doc.pk}/")
    assert served["Content-Type"] == content_type and served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("board.jpg", JPEG, "image/jpeg"), ("board.pdf", PNG, "image/png"), ("board", WEBP, "image/webp")],
)
def test_a_real_photo_is_stored_as_sent(people, notice, name, content, content_type):
    client = _as(people[Role.COMMUNITY_SECRETARY])
    response = _upload_photo(client, notice, name, content)
    assert response.status_code == 302, _messages(response)
    notice.refresh_from_db()
    assert notice.board_photo_type == content_type
    with default_storage.open(notice.board_photo.name, "rb") as stored:
        assert stored.read() == content
    served = Client().get(f"/notice/{notice.pk}/photo/")
    assert served["Content-Type"] == content_type


def test_hostile_file_names_and_titles_are_kept_as_text(people, project):
    """The name a person's computer gave the file is stored as text (shown, never used as a
    path); the stored file is named by its hash."""
    client = _as(people[Role.COMMUNITY_SECRETARY])
    name = "../../<script>alert(1)</script>{{ 7|add:1 }}\u202egpj.pdf"
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    title = '<b>x</b>{% now "Y" %}'
    response = client.post(f"/projects/{project.pk}/documents/", {"kind": "other", "title": title, "file": upload})
    assert response.status_code == 302
    doc = Document.objects.filter(project=project).latest("pk")
    assert doc.title == title
    assert ".." not in doc.file.name and "<" not in doc.file.name
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
