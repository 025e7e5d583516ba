"""Cache keys for the public pages: what a page shows, reduced to a few values read in one cheap
query, so that the page is rendered once per change instead of once per visit (issue #7,
bench/results).

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

from django.db import connection

# Rendered fragments live this long at most; the keys, not this, keep them fresh.
TTL = 60 * 60
# Bump when a public template renders the same data differently (a deploy would otherwise keep
# serving the old fragment from a shared cache until TTL runs out).
TEMPLATE_VERSION = 1


def key(*parts) -> str:
    return hashlib.sha256(repr((TEMPLATE_VERSION, *parts)).encode()).hexdigest()


def row(obj) -> tuple:
    """Every stored value of a fetched row: a changed name, status or amount changes the key."""
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname in obj.__dict__)


# The counts are read with plain SQL: for these few small aggregates Django spends several times
# longer building the query than the database spends answering it, on every visit (bench/).
_NOTICE_COUNTS = "SELECT COUNT(*), MAX(n.id), COUNT(n.withdrawn_at), MAX(n.withdrawn_at) FROM publicity_notice n"


def _one(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def community_notices(community_id: int) -> tuple:
    """The notices of a community, as its board lists them."""
    return _one(f"{_NOTICE_COUNTS} WHERE n.community_id = %s", [community_id])


def project_notices_and_needs(project_id: int) -> tuple:
    """A project's notices and the residents' needs it answers. The first value is the number of
    notices: a project without any is not public."""
    return _one(
        f"{_NOTICE_COUNTS}, (SELECT COUNT(*) FROM projects_project_needs WHERE project_id = %s),"
        " (SELECT MAX(id) FROM projects_project_needs WHERE project_id = %s)"
        " WHERE n.project_id = %s",
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
        " COUNT(o.decided_at), MAX(o.decided_at)"
        " FROM publicity_notice n LEFT JOIN publicity_objection o ON o.notice_id = n.id"
        f" WHERE {' AND '.join(where)}",
        params,
    )
