"""Uploaded files, judged by their content, never by their name: the one validator every upload
goes through (project documents, the photo of a notice on the board)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

# What fundadmin keeps: PDF and the photo formats, each recognised by its first bytes.
MAGIC = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
]
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PHOTOS = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class Inspected:
    content_type: str
    extension: str
    sha256: str
    size: int


def size_label(size: int, *, above: int | None = None) -> str:
    """A byte count as people read it (20 MB, 3.5 MB, 64 KB). With ``above``, never rounded down
    to the limit it exceeds: "此文件为 20 MB，上限为 20 MB" would say nothing."""
    unit, scale = ("MB", 1048576) if size >= 1048576 else ("KB", 1024)
    for places in (0, 1, 2):
        text = f"{size / scale:.{places}f}"
        if above is None or round(size / scale, places) * scale > above:
            return f"{text} {unit}"
    return f"{size:,} 字节"


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + " 或 " + names[-1]


def inspect_upload(
    upload,
    *,
    accept: tuple[str, ...] = tuple(EXTENSIONS),
    what: str = "文件",
    advice: str = "请压缩后或分成几个文件上传。",
) -> Inspected:
    """Refuse an empty, too large or unknown file with a message that says what to do; return its
    type as its content shows it and its SHA-256 (the file is left at its start)."""
    limit = settings.FUNDADMIN_MAX_UPLOAD_BYTES
    if upload is None or upload.size == 0:
        raise ValidationError(f"{what}是空的。", code="empty")
    if upload.size > limit:
        raise ValidationError(
            f"{what}过大：上限为 {size_label(limit)}，此{what}为 {size_label(upload.size, above=limit)}。{advice}",
            code="too_large",
        )
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_content_type(head)
    if sniffed is None or sniffed[0] not in accept:
        names = _either([TYPE_NAMES[t] for t in accept])
        raise ValidationError(f"只接受 {names} 格式的{what}（按文件内容判断，而不是文件名）。", code="bad_type")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Inspected(sniffed[0], sniffed[1], digest.hexdigest(), upload.size)
