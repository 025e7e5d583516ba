"""audit.hooks: callbacks hear of an event after it commits, never of one that rolled back, and
the trail imports no app to make that happen."""

import ast
from pathlib import Path

import pytest
from django.db import transaction

from audit import hooks
from audit.services import event_record

AUDIT = Path(__file__).resolve().parents[2] / "audit"


@pytest.fixture
def heard():
    events = []

    def listen(event):
        events.append(event)

    hooks.on_append(listen)
    hooks.on_append(listen)  # registering twice is once
    yield events
    hooks.off(listen)


@pytest.mark.django_db(transaction=True)
def test_a_callback_runs_after_the_event_commits(heard):
    with transaction.atomic():
        event = event_record(action="test.hook", obj=None, object_repr="一")
        assert heard == []  # not inside the writer's transaction
    assert heard == [event]


@pytest.mark.django_db(transaction=True)
def test_no_callback_for_a_write_that_rolled_back(heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(action="test.hook", obj=None, object_repr="二")
        raise RuntimeError("the write fails after its event")
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_does_not_undo_the_write(heard):
    from audit.models import AuditEvent

    def broken(event):
        raise ValueError("listener bug")

    hooks.on_append(broken)
    try:
        event = event_record(action="test.hook", obj=None, object_repr="三")
    finally:
        hooks.off(broken)
    assert AuditEvent.objects.filter(pk=event.pk).exists() and heard == [event]


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_hooks_import_no_app_and_audit_never_names_notifications():
    # STYLE.md: the trail is a sink that knows no app.
    assert _imported_modules(AUDIT / "hooks.py") <= {"__future__", "collections", "functools", "typing", "django"}
    for module in AUDIT.rglob("*.py"):
        assert "notifications" not in _imported_modules(module), module
