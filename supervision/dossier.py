"""A project's dossier (Art. 17–19): one PDF with the whole story, and a ZIP with that PDF, every
stored document and a manifest of SHA-256 hashes, so an auditor can check nothing was swapped.

The manifest gives, for every file, the hash of the bytes actually in the ZIP *and* the hash the
system recorded at upload (``Document.sha256``); ``matches`` says whether they agree, so a file
replaced on disk after upload shows up in the manifest itself. The PDF is rendered by WeasyPrint
as publicity.pdf does (lang="zh-Hans", "Noto Sans CJK SC" named explicitly).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditEvent
from audit.sentences import sentence
from fundadmin.models import ActingAssignment
from fundadmin.text import INVISIBLE
from fundadmin.uploads import sniff_content_type
from projects.models import Project, Review, Signature
from publicity.models import Notice, Objection

from .selectors import opinions_for_project

PDF_NAME = "dossier.pdf"


@dataclass(frozen=True)
class ManifestRow:
    path: str
    sha256: str
    size: int
    recorded_sha256: str
    source: str  # "document", "notice_photo" or "dossier"
    source_id: str
    description: str

    @property
    def matches(self) -> bool:
        return not self.recorded_sha256 or self.recorded_sha256 == self.sha256


def dossier_context(project) -> dict:
    """Everything the dossier shows, in a fixed number of queries."""

    project = Project.objects.select_related(
        "community__committee", "fund_year", "category", "proposer", "followup_user"
    ).get(pk=project.pk)
    invoice = getattr(project, "invoice", None)
    notices = list(Notice.objects.filter(project=project).select_related("published_by").order_by("posted_on", "pk"))
    events = list(AuditEvent.objects.filter(project_id=project.pk).order_by("seq"))
    reviews = list(project.reviews.select_related("decided_by", "acting"))
    signatures = list(invoice.signatures.select_related("signer", "acting")) if invoice else []
    return {
        "project": project,
        "generated_at": timezone.now(),
        "lines": list(project.budget_lines.all()),
        "plan_versions": list(project.plan_versions.select_related("created_by")),
        "meetings": list(project.meetings.all()),
        "notices": notices,
        "objections": list(Objection.objects.filter(notice__in=notices).order_by("submitted_at", "pk")),
        "reviews": reviews,
        "changes": list(project.change_requests.select_related("requested_by", "decided_by")),
        "progress": list(project.progress_notes.select_related("recorded_by")),
        "inspections": list(project.inspections.all()),
        "invoice": invoice,
        "signatures": signatures,
        "settlement": getattr(project, "settlement", None),
        "entries": list(project.journal_entries.select_related("fund_year").order_by("entry_date", "voucher_no")),
        "documents": list(project.documents.select_related("uploaded_by").order_by("uploaded_at", "pk")),
        "opinions": opinions_for_project(project),
        "acting": acting_periods(project),
        "events": [(e, sentence(e)) for e in events],
    }


def acting_periods(project) -> list[ActingAssignment]:
    """The acting periods (代行职责) under which a step of this project was decided or signed: the
    dossier lists them and ships their written authorisations, so the paper shows on what
    authority 张德明代李伟 approved (SPEC.md "Acting leaders", Art. 11, 13)."""
    ids = set(Review.objects.filter(project=project, acting__isnull=False).values_list("acting_id", flat=True))
    ids |= set(
        Signature.objects.filter(invoice__project=project, acting__isnull=False).values_list("acting_id", flat=True)
    )
    return list(
        ActingAssignment.objects.filter(pk__in=ids)
        .select_related("user", "principal__user", "principal__committee", "principal__community")
        .order_by("starts_on", "pk")
    )


def dossier_pdf(project, *, progress=None) -> bytes:
    """The dossier as PDF; ``progress(percent, step)`` hears how far it got (the worker's page)."""
    from weasyprint import HTML

    progress = progress or (lambda percent, step: None)
    progress(10, "读取项目资料和审计记录")
    html = render_to_string("supervision/dossier.html", dossier_context(project))
    progress(30, "排版")
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    progress(80, f"写出 PDF（共 {len(document.pages)} 页）")
    return document.write_pdf()


COPY_BLOCK = 1024 * 1024


def _add(zf: zipfile.ZipFile, path: str, source: BinaryIO) -> tuple[str, int]:
    """Copy ``source`` into the ZIP as ``path`` block by block, hashing what is written: the
    manifest's hash is of the bytes in the ZIP, and memory stays one block whatever the file."""
    digest, size = hashlib.sha256(), 0
    with zf.open(path, "w") as member:
        while block := source.read(COPY_BLOCK):
            digest.update(block)
            size += len(block)
            member.write(block)
    return digest.hexdigest(), size


def _add_stored(zf: zipfile.ZipFile, prefix: str, original_name: str, fieldfile) -> tuple[str, str, int]:
    """A stored file into the ZIP under ``entry_name`` (its type read from its first bytes), copied
    block by block: (path, sha256, size)."""
    with fieldfile.open("rb") as fh:
        path = entry_name(prefix, original_name, fh.read(16))
        fh.seek(0)
        sha, size = _add(zf, path, fh)
    return path, sha, size


def _safe(name: str) -> str:
    return "".join("_" if ch in '/\\:*?"<>|' or ch in INVISIBLE or ord(ch) < 32 else ch for ch in name)[:80] or "file"


def entry_name(prefix: str, original_name: str, data: bytes) -> str:
    """``prefix-stem.ext`` where ``ext`` comes from the bytes in the ZIP, never from the name the
    uploader chose: a PDF/HTML polyglot uploaded as ``poly.html`` is stored as a PDF and ships as
    ``…-poly.pdf``, so unzipping it cannot open it as a web page. Bytes of no known type get
    ``.bin``, which no program opens by itself."""
    sniffed = sniff_content_type(data[:16])
    ext = sniffed[1] if sniffed else "bin"
    stem = original_name.rsplit("/", 1)[-1]
    stem = stem.split(".", 1)[0] if not stem.startswith(".") else stem.lstrip(".")
    return f"{prefix}-{_safe(stem)[:60] or 'file'}.{ext}"


def dossier_zip(project, *, pdf: bytes | BinaryIO):
    """Write the ZIP to a temporary file and return it, positioned at the start, with its manifest
    rows. ``pdf`` is the dossier PDF already made — the worker's stored rendering (exports), read
    from storage — never rendered here again. Files are copied a block at a time, so memory stays
    bounded whatever their size."""

    source = io.BytesIO(pdf) if isinstance(pdf, bytes | bytearray) else pdf
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (handed to the response, which closes it)
    rows: list[ManifestRow] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        sha, size = _add(zf, PDF_NAME, source)
        rows.append(ManifestRow(PDF_NAME, sha, size, "", "dossier", "", "项目档案（PDF）"))
        for doc in project.documents.order_by("uploaded_at", "pk"):
            path, sha, size = _add_stored(zf, f"documents/{doc.pk:06d}-{doc.kind}", doc.original_name, doc.file)
            rows.append(ManifestRow(path, sha, size, doc.sha256, "document", str(doc.pk), doc.get_kind_display()))
        for acting in acting_periods(project):
            path, sha, size = _add_stored(
                zf, f"acting/{acting.pk:06d}", acting.authorisation_name, acting.authorisation
            )
            rows.append(
                ManifestRow(
                    path,
                    sha,
                    size,
                    acting.authorisation_sha256,
                    "acting",
                    str(acting.pk),
                    f"代行职责书面授权：{acting}",
                )
            )
        for notice in Notice.objects.filter(project=project).exclude(board_photo="").order_by("pk"):
            path, sha, size = _add_stored(
                zf, f"notice_photos/{notice.pk:06d}", notice.board_photo.name, notice.board_photo
            )
            rows.append(
                ManifestRow(
                    path, sha, size, notice.board_photo_sha256, "notice_photo", str(notice.pk), "公示栏张贴照片"
                )
            )
        manifest = {
            "project": {"id": project.pk, "number": project.number, "title": project.title},
            "community": project.community.name,
            "generated_at": timezone.now().isoformat(),
            "algorithm": "SHA-256",
            "files": [
                {
                    "path": r.path,
                    "sha256": r.sha256,
                    "size": r.size,
                    "recorded_sha256": r.recorded_sha256,
                    "matches": r.matches,
                    "source": r.source,
                    "source_id": r.source_id,
                    "description": r.description,
                }
                for r in rows
            ],
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["path", "sha256", "size", "recorded_sha256", "matches", "source", "source_id", "description"])
        for r in rows:
            writer.writerow(
                [r.path, r.sha256, r.size, r.recorded_sha256, r.matches, r.source, r.source_id, r.description]
            )
        zf.writestr("manifest.csv", "\ufeff" + text.getvalue())  # BOM: Excel opens Chinese CSV correctly
    out.seek(0)
    return out, rows
