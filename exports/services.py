"""Documents that take more than a second or two (UX.md "Long work") are rendered by the
background worker, with their progress on the page, and served from storage until the data they
show changes: the fingerprint (``ExportKind.fingerprint``) is part of the row's identity, so a
changed project or ledger asks for a new rendering and an unchanged one never renders twice.

Rendering a cached copy is not a domain write: no trail event, nothing anyone decided. A GET may
therefore queue it, as a cache would fill itself.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from .models import Export
from .registry import KINDS

log = logging.getLogger(__name__)


def export_current(*, kind: str, key: str, obj, by=None) -> Export:
    """The rendering of ``obj`` as its data is now: done, under way, or queued by this call."""
    fingerprint = KINDS[kind].fingerprint(obj)
    requested_by = by if getattr(by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            export, created = Export.objects.get_or_create(
                kind=kind, key=key, fingerprint=fingerprint, defaults={"requested_by": requested_by}
            )
    except IntegrityError:  # two people asked at the same moment: the other one queued it
        export, created = Export.objects.get(kind=kind, key=key, fingerprint=fingerprint), False
    if created:
        transaction.on_commit(lambda: render_export.enqueue(export.pk))
    return export


def export_retry(*, export: Export) -> Export:
    """Queue a failed rendering again."""
    with transaction.atomic():
        export = Export.objects.select_for_update().get(pk=export.pk)
        if export.state != Export.State.FAILED:
            return export
        export.state, export.progress, export.step, export.error = Export.State.QUEUED, 0, "", ""
        export.save(update_fields=["state", "progress", "step", "error"])
        transaction.on_commit(lambda: render_export.enqueue(export.pk))
    return export


def _progress(export: Export):
    def report(percent: int, step: str) -> None:
        Export.objects.filter(pk=export.pk).update(progress=max(0, min(99, percent)), step=step[:100])

    return report


def export_render(export_id: int) -> str:
    """The worker renders one export into storage; older renderings of the same document go."""
    export = Export.objects.get(pk=export_id)
    if export.state in (Export.State.DONE, Export.State.FAILED):
        return export.state
    kind = KINDS[export.kind]
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.RUNNING, started_at=timezone.now(), progress=5, step="读取数据"
    )
    try:
        data = kind.render(kind.load(export.key), _progress(export))
        export.refresh_from_db()
        export.file.save(f"{export.kind}-{export.pk}.pdf", ContentFile(data), save=False)
        export.state, export.size, export.progress, export.step = Export.State.DONE, len(data), 100, "完成"
        export.finished_at = timezone.now()
        export.save()
    except Exception as exc:
        log.exception("export %s (%s %s) failed", export.pk, export.kind, export.key)
        Export.objects.filter(pk=export.pk).update(
            state=Export.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    # The data moved on since those were made: nobody is served them again.
    for old in Export.objects.filter(kind=export.kind, key=export.key).exclude(pk=export.pk):
        if old.state in (Export.State.DONE, Export.State.FAILED):
            if old.file:
                old.file.delete(save=False)
            old.delete()
    return Export.State.DONE


@task()
def render_export(export_id: int) -> str:
    return export_render(export_id)
