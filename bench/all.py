"""`make bench`: PostgreSQL first, then SQLite, in one run, and one results table for both.

`make bench` runs this under scripts/with-postgres (a throw-away PostgreSQL on loopback, set up
with the owner and app roles as .ci/run sets it up). For each scale of ``--scales`` it creates a
new PostgreSQL database and runs bench/run.py there (as the owner: the generator writes the trail
in bulk, which the app role may not); then bench/run.py on SQLite for each of ``--sqlite-scales``
(default: the largest scale), on the same generated data (the generator is deterministic apart from
passwords and dates of "now"). Each run writes bench/results/<vendor>-scale-<S>.{json,md}; this
writes bench/results/latest.md: the headline (the largest scale on PostgreSQL), the pages on both
databases side by side, and the growth over the scales on PostgreSQL.

    scripts/with-postgres .venv/bin/python bench/all.py                       # = make bench
    make bench BENCH_ARGS="--scales 0.1,0.3 --quick"                         # shorter
    .venv/bin/python bench/all.py --report                                   # only rewrite latest.md

The load test (bench/load.py) runs at the largest scale on each database; --quick gives 10
samples per page and 10 s of load instead of 30 and 60 s; --pool adds bench/pool.py (Django's
connection pool for psycopg under load) on the largest PostgreSQL scale.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def _scales(text: str) -> list[float]:
    return sorted({float(s) for s in text.split(",") if s.strip()})


def _pg_database(url: str, name: str) -> str:
    """A new, empty database ``name`` beside the one of ``url`` (dropped first if it is there),
    owned by ``url``'s role; its URL."""
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _run(env: dict, scale: float, args, load: bool) -> None:
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--scale", f"{scale:g}"]
    if args.quick:
        command.append("--quick")
    if not load:
        command.append("--no-load")
    print(f"== {NAMES[env['_vendor']]}, scale {scale:g}: {' '.join(command[1:])}", flush=True)
    subprocess.run(command, cwd=ROOT, env={k: v for k, v in env.items() if k != "_vendor"}, check=True)


def _load(vendor: str, scale: float) -> dict | None:
    path = RESULTS / f"{vendor}-scale-{scale:g}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _cell(row: dict | None, key: str = "app") -> str:
    if row is None:
        return "–"
    return f"{row[key]['median_ms']} ({row[key]['queries']} q)"


def report(pg_scales: list[float], sqlite_scales: list[float]) -> Path:
    runs = {("postgresql", s): _load("postgresql", s) for s in pg_scales}
    runs.update({("sqlite", s): _load("sqlite", s) for s in sqlite_scales})
    top = max(pg_scales) if pg_scales else max(sqlite_scales)
    head = runs.get(("postgresql", top)) or runs.get(("sqlite", top))
    if head is None:
        raise SystemExit("no results to report")
    sqlite_top = runs.get(("sqlite", max(sqlite_scales))) if sqlite_scales else None
    m, d = head["machine"], head["data"]
    lines = [
        f"# fundadmin at city scale — headline: {NAMES[head['vendor']]}, scale {top:g}",
        "",
        f"Taken {m['taken']} on {m['cpus']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, "
        f"{m['database']}"
        + (
            f"; SQLite {sqlite_top['machine']['database'].split()[-1]} taken {sqlite_top['machine']['taken']}"
            if sqlite_top
            else ""
        )
        + ". The machine may be shared with other work: read the ratios, the query counts and the growth "
        "rather than the last millisecond.",
        f"Data at scale {top:g}: {d['communities']} communities × {d['fund_years']} fund years × "
        f"{d['projects_per_year']} projects = {d['projects']} projects, {d['audit_events']} trail events.",
        "Each database's full tables (documents, integrity, open-data streams, load): "
        + ", ".join(f"[{NAMES[v]} {s:g}]({v}-scale-{s:g}.md)" for (v, s), r in sorted(runs.items()) if r is not None)
        + ".",
        "",
        f"## Pages at scale {top:g}: PostgreSQL beside SQLite",
        "",
        "Server time through the Django test client, median ms (queries); floor = the same rows in one "
        "query, bare table; floor 2 (where a page has one) = one bare query per section the page shows.",
        "",
        "| page | PostgreSQL | p95 | floor | ×floor | floor 2 | ×floor 2 | SQLite | ×floor (SQLite) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pg_top = runs.get(("postgresql", top))
    by_page_sqlite = {r["page"]: r for r in (sqlite_top or {}).get("pages", [])}
    for r in (pg_top or head)["pages"]:
        s = by_page_sqlite.get(r["page"])
        floor2 = r.get("floor2")
        lines.append(
            f"| {r['page']} | {_cell(r)} | {r['app']['p95_ms']} | {_cell(r, 'floor')} | {r['ratio']}× | "
            f"{_cell(r, 'floor2') if floor2 else '–'} | {str(r['ratio2']) + '×' if floor2 else '–'} | "
            f"{_cell(s)} | {str(s['ratio']) + '×' if s else '–'} |"
        )
    if len(pg_scales) > 1:
        lines += [
            "",
            "## Growth on PostgreSQL: median ms (queries) per scale",
            "",
            "| page | " + " | ".join(f"scale {s:g}" for s in pg_scales) + " |",
            "|---|" + "---:|" * len(pg_scales),
        ]
        per_scale = [{r["page"]: r for r in (runs[("postgresql", s)] or {}).get("pages", [])} for s in pg_scales]
        for r in pg_top["pages"] if pg_top else []:
            lines.append(f"| {r['page']} | " + " | ".join(_cell(p.get(r["page"])) for p in per_scale) + " |")
        lines += [
            "",
            "| data | " + " | ".join(f"scale {s:g}" for s in pg_scales) + " |",
            "|---|" + "---:|" * len(pg_scales),
        ]
        for key in ("projects", "audit_events"):
            lines.append(
                f"| {key.replace('_', ' ')} | "
                + " | ".join(str((runs[("postgresql", s)] or {}).get("data", {}).get(key, "–")) for s in pg_scales)
                + " |"
            )
    for vendor, scale in (("postgresql", top), ("sqlite", max(sqlite_scales) if sqlite_scales else None)):
        r = runs.get((vendor, scale))
        if r is None:
            continue
        lines += ["", f"## {NAMES[vendor]}, scale {scale:g}: documents, streams, load", ""]
        lines += ["| document | median ms | ×blank A4 | served from storage: check ms |", "|---|---:|---:|---:|"]
        lines += [
            f"| {p['document']} | {p['median_ms']} | {p['ratio']}× | {p.get('stored_check_ms', '–')} |"
            for p in r["pdfs"]
        ]
        if r.get("streams"):
            lines += [
                "",
                "| open-data download | rows | MB | rows/s | RSS at rest → peak MB |",
                "|---|---:|---:|---:|---:|",
            ]
            lines += [
                f"| {x['download']} | {x['rows']} | {x['mb']} | {x['rows_per_s']} | {x['rss_rest_mb']} → {x['rss_peak_mb']} |"
                for x in r["streams"]
            ]
        if r.get("load"):
            lo = r["load"]
            lines += [
                "",
                f"Load ({lo['workers']} sync gunicorn workers, {lo['connections']} connections, {lo['seconds']} s, {lo['tool']}): "
                + "; ".join(
                    f"{x['target']} {x['rps']} req/s (p95 {x['p95_ms']} ms, {x['errors']} errors)" for x in lo["runs"]
                )
                + f". Public pages reach {lo['throughput_vs_floor']} of the floor's throughput.",
            ]
    if (RESULTS / "pool.md").exists():
        lines += ["", "Django's connection pool for psycopg under load: [pool.md](pool.md) (bench/pool.py)."]
    out = RESULTS / "latest.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scales", "--scale", default="0.1,0.3,1", help="PostgreSQL scales, comma-separated (default 0.1,0.3,1)"
    )
    parser.add_argument("--sqlite-scales", help="SQLite scales (default: the largest of --scales)")
    parser.add_argument("--quick", action="store_true", help="10 samples per page, 10 s of load")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only (no DATABASE_URL needed)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-load", action="store_true", help="no load test at all")
    parser.add_argument(
        "--pool",
        action="store_true",
        help="also bench/pool.py (Django's psycopg pool against persistent connections) on the largest "
        "PostgreSQL scale: about 6 minutes more",
    )
    parser.add_argument("--report", action="store_true", help="only rewrite latest.md from the results there")
    args = parser.parse_args(argv)
    pg_scales = [] if args.no_postgres else _scales(args.scales)
    sqlite_scales = [] if args.no_sqlite else _scales(args.sqlite_scales or str(max(_scales(args.scales))))
    if not args.report:
        url = os.environ.get("DATABASE_URL", "")
        if pg_scales and not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(
                "PostgreSQL first: run under scripts/with-postgres (make bench does), or pass --no-postgres"
            )
        for scale in pg_scales:
            db = _pg_database(url, f"fundadmin_bench_{str(scale).replace('.', '_')}")
            env = {**os.environ, "DATABASE_URL": db, "_vendor": "postgresql"}
            _run(env, scale, args, load=not args.no_load and scale == max(pg_scales))
            if args.pool and scale == max(pg_scales):
                print(f"== the connection pool, PostgreSQL scale {scale:g}", flush=True)
                subprocess.run(
                    [sys.executable, str(ROOT / "bench" / "pool.py"), "--seconds", "15", "--rounds", "2"],
                    cwd=ROOT,
                    env={k: v for k, v in env.items() if k != "_vendor"},
                    check=True,
                )
        for scale in sqlite_scales:
            env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
            env.update(BENCH_DB=str(DATA / f"city-{scale:g}.sqlite3"), _vendor="sqlite")
            _run(env, scale, args, load=not args.no_load and scale == max(sqlite_scales))
    print(f"written: {report(pg_scales, sqlite_scales)}")


if __name__ == "__main__":
    main()
