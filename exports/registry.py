"""The kinds of document that are rendered in the background (a registry the apps fill in their
``AppConfig.ready``, so this app imports none of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# progress(percent, what is being done) — shown on the waiting page
Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ExportKind:
    name: str
    label: str  # what the waiting page calls it: 项目档案（PDF）
    load: Callable[[str], Any]  # the object a key names (raises ObjectDoesNotExist when gone)
    fingerprint: Callable[[Any], str]  # changes whenever what the document shows changes
    render: Callable[[Any, Progress], bytes]
    filename: Callable[[Any], str]
    content_type: str = "application/pdf"


KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    KINDS[kind.name] = kind
    return kind
