"""The project dossier as a background-rendered document (exports): measured at 0.8 s of CPU for
a project with 30 trail events and 5 documents, more under load and growing with the trail, so it
is rendered by the worker and kept until the project's trail moves (README "Background work")."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db.models import Count, Max

from audit.models import AuditEvent
from exports.registry import ExportKind
from projects.models import Project

from .dossier import dossier_pdf

TEMPLATE = Path(__file__).parent / "templates" / "supervision" / "dossier.html"


def dossier_fingerprint(project: Project) -> str:
    """Everything the dossier shows about a project is written with a trail event carrying its
    id (steps, documents, notices, objections, opinions, payments): the trail's newest event for
    the project, with the template as deployed, changes whenever the dossier would."""
    trail = AuditEvent.objects.filter(project_id=project.pk).aggregate(n=Count("pk"), last=Max("seq"))
    digest = hashlib.sha256(TEMPLATE.read_bytes())
    digest.update(f"{project.pk}:{trail['n']}:{trail['last']}".encode())
    return digest.hexdigest()


DOSSIER = ExportKind(
    name="dossier",
    label="项目档案（PDF）",
    load=lambda key: Project.objects.get(pk=int(key)),
    fingerprint=dossier_fingerprint,
    render=lambda project, progress: dossier_pdf(project, progress=progress),
    filename=lambda project: f"dossier-{project.number}.pdf",
)
