"""Faults: every service a project passes through is run again and again with a failure
injected at each of its writes in turn — the trail (audit event_record), the ledger
(payment_post) and the notice board (notice_publish_for_project), wherever the modules of
projects.services call them, failing right after the call did its work. Every failed attempt must leave the
database exactly as it was: transition, ledger, trail and notices together or not at all."""

from __future__ import annotations

import functools
import itertools

import pytest
from django.apps import apps
from django.db import models

from audit.services import event_record
from ledger.services import payment_post
from projects import services
from projects.models import ContractorKind, Project, Status
from publicity.services import notice_publish_for_project as notice_publish
from tests.projects.helpers import Clock, new_project, patch_in_services, walk

TARGETS = ("event_record", "payment_post", "notice_publish_for_project")
APPS = ("fundadmin", "projects", "ledger", "publicity", "audit")


class Injected(Exception):
    pass


class Fault:
    """Counts calls to the targets; the call numbered ``armed`` does its work, then raises."""

    def __init__(self):
        self.calls, self.armed, self.fired = 0, None, False

    def wrap(self, original):
        @functools.wraps(original)
        def target(*args, **kwargs):
            result = original(*args, **kwargs)
            self.calls += 1
            if self.armed is not None and self.calls == self.armed:
                self.fired = True
                raise Injected(original.__name__)
            return result

        return target

    def arm(self, n):
        self.calls, self.armed, self.fired = 0, n, False


def snapshot() -> dict:
    """Row counts of every model of the domain apps, every project's status, and every
    database column value of the projects (the money, the dates, the counters)."""
    state = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = model.objects.count()
    fields = [f.attname for f in Project._meta.concrete_fields if not isinstance(f, models.FileField)]
    state["projects"] = sorted(Project.objects.values_list(*fields))
    return state


# The services the scenario drives (projects.scenario.STEPS and its helpers).
SERVICES = (
    "project_request_consent",
    "project_consent",
    "meeting_record",
    "project_submit_for_approval",
    "project_approve",
    "followup_assign",
    "project_start_execution",
    "progress_record",
    "project_request_inspection",
    "inspection_record",
    "document_upload",
    "invoice_submit",
    "invoice_sign",
    "settlement_record",
    "project_start_completion_notice",
    "project_close",
)


@pytest.fixture
def faulty(monkeypatch):
    """Patch the targets, and make each service retry itself with the fault armed at its 1st,
    2nd, … write until it gets through, checking the database after every failed attempt."""
    fault = Fault()
    originals = {
        "event_record": event_record,
        "payment_post": payment_post,
        "notice_publish_for_project": notice_publish,
    }
    for name in TARGETS:
        patch_in_services(monkeypatch, name, fault.wrap(originals[name]))
    tried: dict[str, int] = {}

    def guarded(name, original):
        @functools.wraps(original)
        def service(*args, **kwargs):
            for n in itertools.count(1):
                before = snapshot()
                fault.arm(n)
                try:
                    result = original(*args, **kwargs)
                except Injected:
                    assert snapshot() == before, f"{name}: a failure at write {n} left a partial change"
                    for value in kwargs.values():
                        if isinstance(value, Project):
                            value.refresh_from_db()  # the instance may hold the failed transition
                        elif hasattr(value, "seek"):
                            value.seek(0)  # an upload read by the failed attempt
                    continue
                finally:
                    fired = fault.fired
                    fault.armed = None
                assert not fired
                tried[name] = tried.get(name, 0) + n - 1
                return result
            return None

        return service

    for name in SERVICES:
        monkeypatch.setattr(services, name, guarded(name, getattr(services, name)))
    return tried


@pytest.mark.parametrize("kind", [ContractorKind.ORGANISATION, ContractorKind.INDIVIDUAL])
def test_a_failure_at_any_write_leaves_nothing_half_written(people, fund_year_with_money, time_machine, faulty, kind):
    clock = Clock(time_machine)
    project = new_project(people, fund_year_with_money, contractor_kind=kind)
    walk(project, people, Status.CLOSED, clock)
    # Every service with a trail write was really interrupted at least once; the ledger and the
    # notice board were interrupted where they are written.
    assert faulty["project_approve"] >= 2
    assert faulty["settlement_record"] >= 2
    assert faulty["meeting_record"] >= 2
    assert faulty["project_start_completion_notice"] >= 1
    missed = [name for name in SERVICES if name in faulty and faulty[name] == 0]
    assert not missed, f"services with no injected write: {missed}"
