"""Who hears about an event once it is in the trail.

The trail is the sink every write passes through, and it knows no app (STYLE.md: doors open one
way). An app that wants to react to what happened — notifications, say — registers a callback
here from its ``AppConfig.ready``; ``event_record`` hands every appended event to
``event_appended``, which schedules each callback with ``transaction.on_commit``. So a callback
runs only after the event and the change it describes have committed, never for a write that
rolled back, and never inside the writer's transaction. Callbacks are ``robust``: one that raises
is logged by Django and neither undoes the write nor stops the other callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

_callbacks: list[Callable[[Any], None]] = []


def on_append(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Call ``callback(event)`` after each appended event commits. Registering twice is once."""
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def off(callback: Callable[[Any], None]) -> None:
    """Stop calling ``callback`` (tests that register their own)."""
    if callback in _callbacks:
        _callbacks.remove(callback)


def event_appended(event: Any) -> None:
    """Called by ``audit.services.event_record`` inside the transaction that appends ``event``."""
    for callback in _callbacks:
        transaction.on_commit(partial(callback, event), robust=True)
