"""Cache keys for the public pages: what a page shows, reduced to a few values read in two small
statements, so that the page is rendered once per change instead of once per visit (issue #7,
bench/results). The head rows (the project's status and amounts, the community's name) are
part of the key as they are; what a page lists is counted.

A key is never a guess with a timeout. It changes the moment anything the page shows changes,
because of how notices and objections change — only through publicity.services, and only by:

- adding a row (a notice, its correction, a reposted notice, an objection), which raises the
  count and the highest id;
- filling a timestamp that then stays filled (``withdrawn_at``; ``answered_at`` and
  ``decided_at``, also for an objection made moot), which raises a count and usually the latest
  time;
- replacing the board photo in place, which changes ``board_photo_sha256`` (the notice page keys
  on it).

The latest times are there for a database restored from a backup under a cache that outlived it:
the counts could come back to old values, the times never do. A service that edits a shown
field in place must add it here; tests/publicity/test_public_cache.py runs every service and
checks that the page changes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import django
from django.db import connections, router

from .models import Notice

# Rendered fragments live this long at most; the keys, not this, keep them fresh.
TTL = 60 * 60
# Bump when the code changes what the same data renders as.
CODE_VERSION = 1


def _templates_version() -> str:
    """The public templates as deployed: a deploy that changes them (or Django, whose widgets
    render the objection form) starts from fresh keys even under a cache shared across
    deploys."""
    digest = hashlib.sha256(f"{CODE_VERSION} {django.get_version()}".encode())
    for path in sorted((Path(__file__).parent / "templates" / "publicity").rglob("*.html")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


VERSION = _templates_version()


def key(*parts) -> str:
    return hashlib.sha256(repr((VERSION, *parts)).encode()).hexdigest()


def row(obj) -> tuple:
    """Every stored value of a fetched row: a changed name, status or amount changes the key."""
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname in obj.__dict__)


# A visit to a page whose content is cached runs two statements: its head (what the title, the
# status and the key need) and the counts below. They are written in plain SQL: Django spent ten
# times longer building them than SQLite spent answering (0.3-0.4 ms against 0.03 ms each, more
# than the rest of the visit; bench/). tests/publicity covers every column on SQLite and the CI
# runs the suite on PostgreSQL.
NOTICE_HEAD = (
    "id",
    "title",
    "kind",
    "community_id",
    "project_id",
    "fund_year_id",
    "posted_on",
    "ends_on",
    "withdrawn_at",
    "board_photo_sha256",
    "ends_provisional",
    "period_days",
    "successor_id",
    "community_code",
    "community_name",
    "community_party_committee_name",
)
_NOTICE_HEAD_SQL = (
    "SELECT n.id, n.title, n.kind, n.community_id, n.project_id, n.fund_year_id, n.posted_on, n.ends_on,"
    " n.withdrawn_at, n.board_photo_sha256, n.ends_provisional, n.period_days, s.id, c.code, c.name,"
    " c.party_committee_name"
    " FROM publicity_notice n JOIN fundadmin_community c ON c.id = n.community_id"
    " LEFT JOIN publicity_notice s ON s.supersedes_id = n.id"
    " WHERE n.id = %s"
)
PROJECT_HEAD = (
    "id",
    "title",
    "number",
    "status",
    "approved_amount",
    "community_code",
    "community_name",
    "fund_year",
    "category",
    "paid",
)
_PROJECT_HEAD_SQL = (
    "SELECT p.id, p.title, p.number, p.status, p.approved_amount, c.code, c.name, y.year, k.name, s.amount"
    " FROM projects_project p JOIN fundadmin_community c ON c.id = p.community_id"
    " JOIN fundadmin_fundyear y ON y.id = p.fund_year_id"
    " LEFT JOIN fundadmin_spendingcategory k ON k.id = p.category_id"
    " LEFT JOIN projects_settlement s ON s.project_id = p.id"
    " WHERE p.id = %s"
)
_NOTICE_COUNTS = "COUNT(*), MAX(n.id), COUNT(n.withdrawn_at), MAX(n.withdrawn_at)"


def _cursor():
    """The raw statements go where the ORM's reads of the same view go: the replica for a view
    that reads from it (fundadmin.db_router), else the primary."""
    return connections[router.db_for_read(Notice)].cursor()


def _one(sql: str, params: list) -> tuple | None:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def notice_head(pk: int) -> dict | None:
    row = _one(_NOTICE_HEAD_SQL, [pk])
    return dict(zip(NOTICE_HEAD, row, strict=True)) if row else None


def project_head(pk: int) -> dict | None:
    row = _one(_PROJECT_HEAD_SQL, [pk])
    return dict(zip(PROJECT_HEAD, row, strict=True)) if row else None


def committees_and_communities() -> list[tuple]:
    """(committee code, committee name, community id, code, name) in the order the public index
    lists them; a committee without communities once, with None."""
    with _cursor() as cursor:
        cursor.execute(
            "SELECT w.code, w.name, c.id, c.code, c.name FROM fundadmin_workingcommittee w"
            " LEFT JOIN fundadmin_community c ON c.committee_id = w.id ORDER BY w.code, c.code"
        )
        return cursor.fetchall()


def up_counts(day) -> dict[int, int]:
    """How many notices each community has up on ``day``: Notice.objects.up_on(day), counted
    (tests/publicity/test_public_cache.py checks the two agree)."""
    with _cursor() as cursor:
        # Counted here, not with GROUP BY: grouping makes SQLite walk the community index over
        # ten years of notices instead of the few that end on or after the day (ends_on index).
        cursor.execute(
            "SELECT n.community_id FROM publicity_notice n"
            " WHERE n.withdrawn_at IS NULL AND n.posted_on <= %s AND n.ends_on >= %s"
            " AND NOT EXISTS (SELECT 1 FROM publicity_notice s WHERE s.supersedes_id = n.id)",
            [day, day],
        )
        return dict(Counter(community_id for (community_id,) in cursor.fetchall()))


def community_notices(community_id: int) -> tuple:
    """The notices of a community, as its board lists them."""
    return _one(f"SELECT {_NOTICE_COUNTS} FROM publicity_notice n WHERE n.community_id = %s", [community_id])


def project_notices_and_needs(project_id: int) -> tuple:
    """A project's notices and the residents' needs it answers. The first value is the number of
    notices: a project without any is not public."""
    return _one(
        f"SELECT {_NOTICE_COUNTS},"
        " (SELECT COUNT(*) FROM projects_project_needs l WHERE l.project_id = %s),"
        " (SELECT MAX(l.id) FROM projects_project_needs l WHERE l.project_id = %s)"
        " FROM publicity_notice n WHERE n.project_id = %s",
        [project_id, project_id, project_id],
    )


def notice_family(*, community_id: int, kind: str, project_id: int | None, fund_year_id: int | None) -> tuple:
    """A notice page shows every version of the notice and the objections to all of them. The
    versions share their community, project, fund year and kind (services.notice_correct), so
    counting that family covers them, whatever the length of the chain."""
    where, params = ["n.community_id = %s", "n.kind = %s"], [community_id, kind]
    for column, value in (("project_id", project_id), ("fund_year_id", fund_year_id)):
        if value is None:
            where.append(f"n.{column} IS NULL")
        else:
            where.append(f"n.{column} = %s")
            params.append(value)
    return _one(
        "SELECT COUNT(DISTINCT n.id), MAX(n.id), COUNT(DISTINCT CASE WHEN n.withdrawn_at IS NOT NULL THEN n.id END),"
        " MAX(n.withdrawn_at), COUNT(o.id), MAX(o.id), COUNT(o.answered_at), MAX(o.answered_at),"
        f" COUNT(o.decided_at), MAX(o.decided_at), {_CALENDAR_STAMP}"
        " FROM publicity_notice n LEFT JOIN publicity_objection o ON o.notice_id = n.id"
        f" WHERE {' AND '.join(where)}",
        params,
    )


# The working-day calendar, for a notice page that says how many working days are left: a year
# published or imported (CalendarYear.updated_at) and a special day added, removed or changed
# in kind change it. (An administrator moving a special day to another date in place, keeping
# its kind, is the one edit it misses; the count then follows within the cache's TTL.)
_CALENDAR_STAMP = (
    "(SELECT COUNT(*) FROM fundadmin_calendaryear), (SELECT MAX(updated_at) FROM fundadmin_calendaryear),"
    " (SELECT COUNT(*) FROM fundadmin_specialday), (SELECT MAX(id) FROM fundadmin_specialday),"
    " (SELECT COUNT(*) FROM fundadmin_specialday WHERE kind = 'holiday')"
)
