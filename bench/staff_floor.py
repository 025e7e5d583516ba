"""The staff pages on the generated city (issue 17): queries and median time per page beside its
second floor (bench/second_floor.py: the same rows, one bare query per section, a bare
template), a profile of one page, and the plan PostgreSQL chooses for the supervisor's timeline.

    python bench/staff_floor.py                                   # the table (bench.staff_settings)
    python bench/staff_floor.py --markdown out.md                 # … and write it as a table
    python bench/staff_floor.py --profile "inbox: 党工委书记"      # cProfile, top 40
    python bench/staff_floor.py --explain                         # the timeline's plan

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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.staff_settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

STAFF = (
    "inbox",
    "project list",
    "project page",
    "committee dashboard",
    "account book",
    "committee ledger",
    "supervisor timeline",
)


def second_floor_url(p: dict) -> str:
    """The second floor of one of bench/run.py's staff pages."""
    page, url = p["page"], p["url"]
    parts = [x for x in url.split("/") if x]
    if page.startswith("inbox"):
        return "/_floor2/inbox/"
    if page == "project list":
        committee = p["floor"].split("committee=")[1].split("&")[0]
        return f"/_floor2/list/?committee={committee}"
    if page == "project page":
        return f"/_floor2/project/?pk={parts[-1]}"
    if page == "account book":
        return f"/_floor2/book/?code={parts[1]}&year={parts[2]}"
    if page == "committee ledger":
        return f"/_floor2/ledger/?committee={parts[2]}&year={parts[3]}"
    if page == "supervisor timeline":
        code = p["floor"].split("code=")[1]
        return f"/_floor2/timeline/?code={code}"
    if page == "committee dashboard":
        return f"/_floor2/dashboard/?{p['floor'].split('?')[1]}"
    raise KeyError(page)


def time_staff(n: int, only: str | None = None) -> list[dict]:
    """Each staff page and its second floor, back to back: median ms, queries, the ratio."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench.run as run

    rows = []
    for p in run.pages():
        if not any(p["page"].startswith(word) for word in STAFF) or (only and p["page"] != only):
            continue
        client = Client()
        client.force_login(p["people"][p["role"]])
        result = {"page": p["page"], "url": p["url"]}
        for key, url in (("app", p["url"]), ("floor2", second_floor_url(p))):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            count = len(queries)  # read now: the next requests reset the connection's log
            result[key] = {**run.timed(lambda u=url, c=client: c.get(u), n), "queries": count}
        result["ratio"] = round(result["app"]["median_ms"] / result["floor2"]["median_ms"], 2)
        rows.append(result)
        app, floor = result["app"], result["floor2"]
        print(
            f"  {p['page']:<34} {app['median_ms']:>8} ms {app['queries']:>3} q"
            f"  second floor {floor['median_ms']:>7} ms {floor['queries']:>3} q  x{result['ratio']}",
            flush=True,
        )
    return rows


def queries(page: str) -> str:
    """The SQL one request of a page runs, one line each."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench.run as run

    [p] = [p for p in run.pages() if p["page"] == page]
    client = Client()
    client.force_login(p["people"][p["role"]])
    client.get(p["url"])
    with CaptureQueriesContext(connection) as captured:
        client.get(p["url"])
    return "\n".join(f"{q['time']}s {q['sql'][:300]}" for q in captured.captured_queries)


def markdown(rows: list[dict]) -> str:
    out = ["| page | median ms | queries | second floor ms | floor queries | ratio |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        a, f = r["app"], r["floor2"]
        out.append(
            f"| {r['page']} | {a['median_ms']} | {a['queries']} | {f['median_ms']} | {f['queries']} | {r['ratio']}× |"
        )
    return "\n".join(out) + "\n"


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
    parser.add_argument("--queries", help="print the SQL of one request of this page")
    parser.add_argument("-n", type=int, default=15)
    parser.add_argument("--markdown", help="write the table to this file")
    parser.add_argument("--only", help="time this page alone (its bench name)")
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args(argv)
    import django

    django.setup()
    if args.explain:
        print(explain_timeline())
        return
    if args.queries:
        print(queries(args.queries))
        return
    if args.profile:
        print(profile(args.profile))
        return
    rows = time_staff(args.n, args.only)
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False))
    if args.markdown:
        Path(args.markdown).write_text(markdown(rows))


if __name__ == "__main__":
    main()
