"""One answer on both databases: the inbox of every role lists the same work, in the same order,
with the same deadlines and sentences, on SQLite and on PostgreSQL (issue 17: an ordering that met
NULLs, and a silent cut, made the same data show "51 已超期" on one and 21 on the other).

The world is built from the factories and the real services with the factory sequences reset, so
two processes build the same one. ``test_the_inbox_lists_the_same_in_another_process`` builds it
here, then runs ``test_inbox_listing`` in a child pytest on the *other* database and compares the
two canonical listings (JSON):

- on PostgreSQL (``.ci/run``'s second pass) the child runs on SQLite: the cross-database check;
- on SQLite (``make test``) the child runs on SQLite too, with another hash seed: it catches an
  order that depends on a set's iteration or on the process, not the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import factory.django
from django.db import connection

from fundadmin.inbox import inbox_items
from fundadmin.workdays import WorkingCalendar
from projects.models import Status
from tests import factories
from tests.guards.conftest import START, build_world
from tests.guards.test_query_budget import grow
from tests.projects.helpers import new_project, walk

ROOT = Path(__file__).resolve().parents[2]
OUT = "FUNDADMIN_INBOX_LISTING_OUT"


def _reset_sequences() -> None:
    for value in vars(factories).values():
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory):
            value.reset_sequence(0, force=True)


def _url(url: str) -> str:
    """The address without primary keys (sequences differ between databases; the title names the project)."""
    return re.sub(r"/\d+(?=/)", "/<id>", url)


def listing(clock) -> dict[str, list[list]]:
    """Every person's inbox, in order, as plain values."""
    _reset_sequences()
    world = build_world(clock)
    grow(world, clock, 2)
    a = world.a
    for i in range(3):  # projects the follow-up person records progress on, entered the same day
        clock.to(START)
        walk(new_project(a.people, a.fund_year, title=f"实施中{i}"), a.people, Status.EXECUTING, clock)
    clock.to(dt.date(2026, 10, 20))
    calendar = WorkingCalendar()
    out = {}
    for side, name in ((world.a, "a"), (world.b, "b")):
        for role, person in side.people.items():
            out[f"{name}:{role.value}"] = [
                [
                    item.title,
                    item.action,
                    _url(item.url),
                    item.community,
                    item.deadline.date.isoformat() if item.deadline else None,
                    bool(item.deadline and item.deadline.provisional),
                    item.sentence,
                    item.note,
                ]
                for item in inbox_items(person, calendar)
            ]
    return out


def test_inbox_listing(db, clock):
    """The listing itself: every role of community A with work has it listed (and, run as the
    child of the test below, written out for the comparison)."""
    found = listing(clock)
    busy = {k for k, rows in found.items() if rows}
    assert {"a:community_secretary", "a:committee_secretary"} <= busy, sorted(busy)
    # Two submitted forms are overdue for the committee's decision by 2026-10-20 (Art. 11).
    overdue = [r for r in found["a:committee_secretary"] if r[4] is not None and r[4] < "2026-10-20"]
    assert overdue, found["a:committee_secretary"]
    if os.environ.get(OUT):
        Path(os.environ[OUT]).write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")


def test_the_inbox_lists_the_same_in_another_process(db, clock, tmp_path):
    here = listing(clock)
    vendor = connection.vendor
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}  # the child: SQLite
    env[OUT] = str(tmp_path / "listing.json")
    env["PYTHONHASHSEED"] = "12345"
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).relative_to(ROOT)}::test_inbox_listing",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-3000:]
    there = json.loads((tmp_path / "listing.json").read_text(encoding="utf-8"))
    assert here.keys() == there.keys()
    differ = {k: (here[k], there[k]) for k in here if here[k] != there[k]}
    assert not differ, f"the inbox differs between {vendor} and sqlite: {differ}"
