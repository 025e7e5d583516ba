"""Documents (Art. 17): typed, hashed on upload, locked once their stage has passed; a correction
is a new document that supersedes the old one, which stays on file."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import event_record
from fundadmin.models import User
from fundadmin.permissions import Verdict, check
from fundadmin.uploads import inspect_upload

from ..models import Document, Project
from .steps import locked


def may_upload_documents(user: User, project: Project) -> Verdict:
    """Community Party committee members and the working committee's staff file documents;
    supervisors and residents read them (Art. 14, 17)."""
    if check(user, "propose_project", project) or check(user, "view_committee_records", project):
        return Verdict(True)
    return Verdict(False, "只有本社区党委或本党工委的工作人员可以上传项目文件。")


def document_upload(
    *, project: Project, by: User, kind: str, upload, title: str = "", replaces: Document | None = None
) -> Document:
    """Store a typed, hashed document, judged by its content, never its name."""
    verdict = may_upload_documents(by, project)
    if not verdict:
        raise PermissionDenied(verdict.reason)
    if kind not in Document.Kind.values:
        raise ValidationError("文件类型无效。", code="kind_invalid")
    inspected = inspect_upload(upload)
    with transaction.atomic():
        project = locked(project)
        if project.is_ended:
            raise ValidationError("项目已结束，不能再上传文件。", code="project_ended")
        if replaces is not None:
            replaces = Document.objects.select_for_update().get(pk=replaces.pk, project=project)
            if replaces.superseded_by_id is not None:
                raise ValidationError("该文件已有更正版本。", code="already_superseded")
            if replaces.is_locked:
                raise ValidationError("该文件所属阶段已办结，文件已锁定，不能更正。", code="locked")
        doc = Document(
            project=project,
            kind=kind,
            title=title.strip()[:100],
            original_name=upload.name[:200],
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            uploaded_by=by,
            stage=project.stage,
        )
        doc.file.save(f"{inspected.sha256[:16]}.{inspected.extension}", upload, save=False)
        doc.save()
        if replaces is not None:
            replaces.superseded_by = doc
            replaces.save(update_fields=["superseded_by"])
        event_record(
            action="document.upload",
            obj=doc,
            actor=by,
            project_id=project.pk,
            community=project.community,
            changes={
                "kind": kind,
                "name": doc.original_name,
                "sha256": inspected.sha256,
                "size": doc.size,
                "replaces": replaces.pk if replaces else None,
            },
        )
    return doc
