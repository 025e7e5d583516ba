"""The staff pages on the generated city (issue 17): queries and median time per page, a profile
of one page, and the plan PostgreSQL chooses for the supervisor's timeline.

    DJANGO_SETTINGS_MODULE=bench.settings python bench/staff_floor.py            # the table
    python bench/staff_floor.py --profile "inbox: 党工委书记"                     # cProfile, top 30
    python bench/staff_floor.py --explain                                        # the timeline's plan

It reuses bench/run.py's cast and page list (the first community's newest year) and its timer, so
its figures are the bench's. ``explain_timeline`` is what bench/run.py can print beside them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

STAFF = ("inbox", "project page", "committee dashboard", "account book", "committee ledger", "supervisor timeline")


def explain_timeline(code: str = "c001-001") -> str:
    """EXPLAIN (ANALYZE) of the timeline's page query and of its count, for a community."""
    from fundadmin.models import Community
    from supervision.timeline import explain

    return explain(Community.objects.get(code=code))


def profile(page: str, n: int = 5) -> str:
    from django.test import Client

    import bench.run as run

    [p] = [p for p in run.pages() if p["page"] == page]
    client = Client()
    if p["role"] is not None:
        client.force_login(p["people"][p["role"]])
    assert client.get(p["url"]).status_code == 200
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        client.get(p["url"])
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(40)
    return out.getvalue()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", help="the bench's page name, e.g. 'project page'")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args(argv)
    import django

    django.setup()
    if args.explain:
        print(explain_timeline())
        return
    if args.profile:
        print(profile(args.profile))
        return
    import bench.run as run

    run.time_pages(args.n, only=list(STAFF))


if __name__ == "__main__":
    main()
