"""Serving a background-rendered document from an app's own view, which has already checked that
the person may read the object: the file when it is ready, else a page with its progress."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import redirect, render

from . import services
from .models import Export
from .registry import KINDS

REFRESH_SECONDS = 2


def serve(request, *, kind: str, key: str, obj, back: str, inline: bool = True):
    """GET: the stored file for the data as it is now, or the waiting page (which reloads itself
    and then receives the file). POST: queue a failed rendering again."""
    spec = KINDS[kind]
    export = services.export_current(kind=kind, key=key, obj=obj, by=request.user)
    if request.method == "POST":
        services.export_retry(export=export)
        return redirect(request.get_full_path())
    if export.state == Export.State.DONE:
        return FileResponse(
            export.file.open("rb"),
            as_attachment=not inline,
            filename=spec.filename(obj),
            content_type=spec.content_type,
        )
    return render(
        request,
        "exports/waiting.html",
        {"export": export, "label": spec.label, "back": back, "refresh": REFRESH_SECONDS},
        status=202,
    )
