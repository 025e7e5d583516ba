"""Documents kept on file (Art. 17), hashed on upload and locked once their stage has passed."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from .. import process
from ..process import DocumentKind, Stage
from .project import Project


def document_path(instance: Document, filename: str) -> str:
    return f"documents/{instance.project.community.code}/{instance.project_id}/{filename}"


class Document(models.Model):
    """A typed attachment, hashed on upload and locked once its stage is passed (Art. 17)."""

    Kind = DocumentKind

    # The stage after which a document of each kind can no longer be replaced.
    LOCKED_AFTER = {
        Kind.APPLICATION_FORM: Stage.APPROVAL,
        Kind.MEETING_MINUTES: Stage.APPLICATION,
        Kind.NOTICE_PHOTO: Stage.PUBLICITY,
        Kind.PROGRESS_PHOTO: Stage.EXECUTION,
        Kind.ACCEPTANCE_RECORD: Stage.ACCEPTANCE,
        Kind.INVOICE: Stage.PAYMENT,
        Kind.SIGNATURE_VOUCHER: Stage.PAYMENT,
        Kind.PAYMENT_DECISION: Stage.PAYMENT,
        Kind.SIGNED_PROOF: Stage.PAYMENT,
        Kind.PAYEE_SIGNATURE: Stage.PAYMENT,
        Kind.OTHER: Stage.COMPLETION,
    }

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    title = models.CharField("说明", max_length=100, blank=True)
    file = models.FileField("文件", upload_to=document_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=60)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField("上传时所处阶段", max_length=20)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes", verbose_name="更正版本"
    )

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_locked(self) -> bool:
        """Locked once the project has moved past the stage this kind of document belongs to."""
        state = self.project.state
        if state.ended:
            return True
        return process.STAGE_INDEX[state.stage] > process.STAGE_INDEX[self.LOCKED_AFTER[self.kind]]

    @staticmethod
    def hash_file(fileobj) -> str:
        digest = hashlib.sha256()
        for chunk in fileobj.chunks():
            digest.update(chunk)
        fileobj.seek(0)
        return digest.hexdigest()
