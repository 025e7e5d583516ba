"""fundadmin at city scale: generate (or reuse) the data, time the main pages against their
floor views, the PDFs against a blank WeasyPrint page, verify_audit against plain SHA-256,
check_ledger, then a bounded loopback load test with gunicorn. Writes bench/results/.

    python bench/run.py                   # 100 communities x 10 years x 30 projects, 60 s load
    python bench/run.py --scale 0.1 --quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"


def stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"median_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(p95 * 1000, 2), "n": len(samples)}


def timed(fn, n: int) -> dict:
    fn()
    fn()  # warm: templates compiled, connection open, calendar cached
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return stats(samples)


def ensure_data(scale: float, years: int, reuse: bool) -> dict:
    from django.conf import settings as _  # noqa: F401  (bench.settings names the database)

    from bench import settings as bench_settings

    meta_file = Path(str(bench_settings.BENCH_DB) + ".meta.json")
    wanted = {
        "scale": scale,
        "years": years,
        "database": os.environ.get("DATABASE_URL", "sqlite:bench/data/city.sqlite3"),
    }
    if reuse and meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            print(f"reusing the generated data ({meta['summary']['projects']} projects)")
            import django

            django.setup()
            return meta["summary"]
    from bench import generate

    print(f"generating: scale {scale}, {years} fund years")
    summary = generate.generate(max(1, round(100 * scale)), years, 30)
    DATA.mkdir(exist_ok=True)
    meta_file.parent.mkdir(parents=True, exist_ok=True)
    meta_file.write_text(json.dumps({**wanted, "summary": summary}, ensure_ascii=False))
    return summary


def cast():
    """The community, committee, users and objects the pages are timed on: the first community's
    newest year, which has every state of the process."""
    from fundadmin.models import Community, User
    from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel
    from projects.models import Project, Status
    from publicity.models import Notice

    community = Community.objects.select_related("committee").get(code="c001-001")
    people = {}
    for role in Role:
        if ROLE_SCOPE[role] == ScopeLevel.SYSTEM:
            continue
        key = community.code if ROLE_SCOPE[role] == ScopeLevel.COMMUNITY else community.committee.code
        people[role] = User.objects.get(username=f"{key}-{role.value}")
    people[Role.CITY_OVERSIGHT] = city_user()
    project = (
        Project.objects.filter(community=community, fund_year__year=2026, status=Status.CLOSED).order_by("pk").first()
    )
    notice = Notice.objects.filter(project=project).order_by("pk").first()
    return community, people, project, notice


def city_user():
    """The city oversight login (Art. 5, 21), made once on the generated data."""
    from fundadmin import services
    from fundadmin.models import User
    from fundadmin.roles import Role

    user, created = User.objects.get_or_create(username="city-oversight", defaults={"full_name": "市级监督"})
    if created:
        services.role_grant(user=user, role=Role.CITY_OVERSIGHT, by=None, valid_from=dt.date(2015, 1, 1))
    return User.objects.get(pk=user.pk)


def pages() -> list[dict]:
    from django.urls import NoReverseMatch, reverse

    from fundadmin.roles import Role
    from projects.selectors import APPROVAL_STATES

    community, people, project, notice = cast()
    code, committee, year = community.code, community.committee.code, 2026
    waiting = ",".join(APPROVAL_STATES)
    out = [
        {"page": "public index", "url": "/", "role": None, "floor": "index"},
        {"page": "community board", "url": f"/c/{code}/", "role": None, "floor": f"board?code={code}"},
        {"page": "notice", "url": f"/notice/{notice.pk}/", "role": None, "floor": f"notice?pk={notice.pk}"},
        {
            "page": "public project",
            "url": f"/project/{project.pk}/",
            "role": None,
            "floor": f"project_public?pk={project.pk}",
        },
    ]
    for role in people:
        out.append(
            {
                "page": f"inbox: {role.label}",
                "url": "/inbox/",
                "role": role,
                "floor": f"inbox?committee={committee}&states={waiting}",
            }
        )
    out += [
        {
            "page": "project list",
            "url": "/projects/",
            "role": Role.COMMITTEE_SECRETARY,
            "floor": f"project_list?committee={committee}",
        },
        {
            "page": "project page",
            "url": f"/projects/{project.pk}/",
            "role": Role.COMMUNITY_SECRETARY,
            "floor": f"project?pk={project.pk}",
        },
        {
            "page": "account book",
            "url": f"/ledger/{code}/{year}/",
            "role": Role.FINANCE,
            "floor": f"book?code={code}&year={year}",
        },
        {
            "page": "committee ledger",
            "url": f"/ledger/committee/{committee}/{year}/",
            "role": Role.FINANCE,
            "floor": f"committee?committee={committee}&year={year}",
        },
    ]
    try:  # the supervisor's timeline and dashboard, where the audit/supervision pages are installed
        out.append(
            {
                "page": "supervisor timeline",
                "url": reverse("supervision:timeline", args=[code]),
                "role": Role.SUPERVISOR,
                "floor": f"timeline?code={code}",
            }
        )
        out.append(
            {
                "page": "committee dashboard",
                "url": reverse("supervision:dashboard", args=[committee]),
                "role": Role.COMMITTEE_SECRETARY,
                "floor": f"committee?committee={committee}&year={year}",
            }
        )
        out += [
            {
                "page": "supervisor home (indicators)",
                "url": reverse("supervision:home"),
                "role": Role.SUPERVISOR,
                "floor": f"findings?community={code}",
            },
            {
                "page": "indicator list (city)",
                "url": reverse("supervision:indicator_list"),
                "role": Role.CITY_OVERSIGHT,
                "floor": "findings",
            },
            {
                "page": "city view",
                "url": reverse("supervision:city_year", args=[year]),
                "role": Role.CITY_OVERSIGHT,
                "floor": f"city?year={year}",
            },
        ]
    except NoReverseMatch:
        pass
    return [dict(p, people=people) for p in out]


def time_pages(n: int, only: list[str] | None = None) -> list[dict]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rows = []
    for p in pages():
        if only and not any(word in p["page"] for word in only):
            continue
        client = Client()
        if p["role"] is not None:
            client.force_login(p["people"][p["role"]])
        floor_url = "/_floor/" + p["floor"].replace("?", "/?", 1) if "?" in p["floor"] else f"/_floor/{p['floor']}/"
        result = {"page": p["page"], "url": p["url"]}
        for key, url in (("app", p["url"]), ("floor", floor_url)):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            reset_queries()  # the log is a bounded deque: a full one would count nothing
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            count = len(queries)  # read now: the next requests reset the connection's log
            result[key] = {**timed(lambda u=url, c=client: c.get(u), n), "queries": count}
        result["ratio"] = round(result["app"]["median_ms"] / result["floor"]["median_ms"], 2)
        rows.append(result)
        app, floor = result["app"], result["floor"]
        print(
            f"  {p['page']:<28} {app['median_ms']:>8} ms {app['queries']:>3} q  floor {floor['median_ms']:>7} ms  x{result['ratio']}"
        )
    return rows


def time_pdfs(n: int) -> list[dict]:
    from weasyprint import HTML

    from publicity import pdf

    _, _, project, notice = cast()
    blank = timed(lambda: HTML(string="<!doctype html><html><body></body></html>").write_pdf(), n)
    out = []
    for name, fn in (
        ("notice PDF", lambda: pdf.notice_pdf(notice)),
        ("申请审批表 PDF", lambda: pdf.application_form_pdf(project)),
    ):
        t = timed(fn, n)
        out.append(
            {
                "document": name,
                **t,
                "blank_median_ms": blank["median_ms"],
                "ratio": round(t["median_ms"] / blank["median_ms"], 2),
            }
        )
        print(f"  {name:<28} {t['median_ms']:>8} ms  blank page {blank['median_ms']} ms  x{out[-1]['ratio']}")
    return out


def time_integrity() -> dict:
    from audit.models import AuditEvent, canonical_bytes
    from audit.services import chain_verify
    from ledger.verification import ledger_verify

    t = time.perf_counter()
    report = chain_verify()
    verify_s = time.perf_counter() - t
    fields = [f.attname for f in AuditEvent._meta.concrete_fields]
    blobs = []
    for row in AuditEvent.objects.order_by("seq").values_list(*fields).iterator(chunk_size=5000):
        ev = AuditEvent(**dict(zip(fields, row, strict=True)))
        blobs.append(canonical_bytes(ev.hashed_fields()))
    t = time.perf_counter()
    for blob in blobs:
        hashlib.sha256(blob).hexdigest()
    sha_s = time.perf_counter() - t
    events = len(blobs)
    t = time.perf_counter()
    problems = ledger_verify()
    ledger_s = time.perf_counter() - t
    out = {
        "audit_events": events,
        "verify_audit_ok": bool(getattr(report, "ok", True)),
        "verify_audit_s": round(verify_s, 2),
        "verify_audit_events_per_s": round(events / verify_s),
        "sha256_events_per_s": round(events / sha_s),
        "verify_vs_sha256": round((events / sha_s) / (events / verify_s), 1),
        "check_ledger_s": round(ledger_s, 2),
        "check_ledger_problems": len(problems),
    }
    print(
        f"  verify_audit {events} events in {out['verify_audit_s']} s ({out['verify_audit_events_per_s']}/s; sha256 alone {out['sha256_events_per_s']}/s)"
    )
    print(f"  check_ledger {out['check_ledger_s']} s, {len(problems)} problems")
    return out


def time_indicators() -> dict:
    """The daily integrity indicators over the whole city (Art. 19): a first run, which writes
    every finding, and a second over the same data; queries counted."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from supervision.indicators.services import indicators_compute
    from supervision.models import Finding

    out = {}
    for label in ("first", "again"):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            run = indicators_compute()
            seconds = time.perf_counter() - t
        out[label] = {"seconds": round(seconds, 2), "queries": len(queries), "fired": run.fired}
        print(f"  indicators ({label}): {run.fired} fire, {out[label]['seconds']} s, {len(queries)} queries")
    out["findings"] = Finding.objects.count()
    return out


def machine() -> dict:
    def first(path: str, prefix: str) -> str:
        try:
            return next(line for line in Path(path).read_text().splitlines() if line.startswith(prefix))
        except (OSError, StopIteration):
            return ""

    mem_kb = first("/proc/meminfo", "MemTotal").split()[1:2]
    mem = f"{round(int(mem_kb[0]) / 1024 / 1024)} GiB" if mem_kb else ""
    cpu = first("/proc/cpuinfo", "model name").partition(":")[2].strip()
    from django.db import connection

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "database": f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else connection.pg_version}",
        "taken": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write(results: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    name = f"scale-{results['scale']:g}"
    for file in (f"{name}.json", "latest.json"):
        (RESULTS / file).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    m, d = results["machine"], results["data"]
    lines = [
        "# fundadmin at city scale — latest run",
        "",
        f"Taken {m['taken']} on {m['cpus']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, {m['database']}.",
        f"Data: {d['communities']} communities × {d['fund_years']} fund years × {d['projects_per_year']} projects = "
        f"{d['projects']} projects, {d['audit_events']} trail events (generated in {d['total_seconds']} s).",
        "",
        "## Pages (server time through the Django test client; floor = one query, same rows, bare table)",
        "",
        "| page | median ms | p95 ms | queries | floor median ms | floor queries | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["pages"]:
        app, floor = r["app"], r["floor"]
        lines.append(
            f"| {r['page']} | {app['median_ms']} | {app['p95_ms']} | {app['queries']} | "
            f"{floor['median_ms']} | {floor['queries']} | {r['ratio']}× |"
        )
    lines += [
        "",
        "## Documents",
        "",
        "| document | median ms | p95 ms | blank A4 median ms | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results["pdfs"]:
        lines.append(f"| {r['document']} | {r['median_ms']} | {r['p95_ms']} | {r['blank_median_ms']} | {r['ratio']}× |")
    i = results["integrity"]
    lines += [
        "",
        "## Integrity checks over the whole city",
        "",
        f"- `verify_audit`: {i['audit_events']} events in {i['verify_audit_s']} s = {i['verify_audit_events_per_s']} events/s "
        f"(plain SHA-256 over the same canonical bytes: {i['sha256_events_per_s']} events/s, {i['verify_vs_sha256']}× faster); chain ok: {i['verify_audit_ok']}.",
        f"- `check_ledger`: {i['check_ledger_s']} s, {i['check_ledger_problems']} problems.",
    ]
    if results.get("indicators"):
        ind = results["indicators"]
        lines.append(
            f"- `compute_indicators` (Art. 19): first run {ind['first']['seconds']} s, {ind['first']['queries']} queries, "
            f"{ind['first']['fired']} fire; again over the same data {ind['again']['seconds']} s, {ind['again']['queries']} queries."
        )
    if results.get("load"):
        lo = results["load"]
        lines += [
            "",
            f"## Load: gunicorn ({lo['workers']} sync workers) on 127.0.0.1, {lo['connections']} connections, {lo['seconds']} s each, tool: {lo['tool']}",
            "",
            "| target | requests/s | p95 ms | errors | non-2xx |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in lo["runs"]:
            lines.append(f"| {r['target']} | {r['rps']} | {r['p95_ms']} | {r['errors']} | {r['non_2xx']} |")
        lines.append("")
        lines.append(f"Public pages reach {lo['throughput_vs_floor']} of the floor's throughput.")
    text = "\n".join(lines) + "\n"
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="fewer samples and a 10 s load test")
    parser.add_argument("--fresh", action="store_true", help="regenerate even if data of this scale exists")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument(
        "--pages",
        help="time only the pages whose name contains one of these comma-separated words "
        "(e.g. 'public,board,notice'); skips the documents and integrity checks and writes no "
        "results, so a partial run never replaces a full one",
    )
    args = parser.parse_args(argv)
    summary = ensure_data(args.scale, args.years, reuse=not args.fresh)
    n = 10 if args.quick else 30
    results = {"machine": machine(), "data": summary, "scale": args.scale}
    print("pages")
    if args.pages:
        from supervision.models import IndicatorRun

        if not IndicatorRun.objects.exists():  # the indicator pages need a run to show
            time_indicators()
        results["pages"] = time_pages(n, [w.strip() for w in args.pages.split(",") if w.strip()])
        if not args.no_load:
            from bench import load

            print("load")
            load.run(seconds=10 if args.quick else 60, connections=50)
        print("partial run (--pages): nothing written")
        return
    print("indicators")
    results["indicators"] = time_indicators()
    results["pages"] = time_pages(n)
    print("documents")
    results["pdfs"] = time_pdfs(5 if args.quick else 15)
    print("integrity")
    results["integrity"] = time_integrity()
    write(results)
    if not args.no_load:
        from bench import load

        print("load")
        results["load"] = load.run(seconds=10 if args.quick else 60, connections=50)
    write(results)
    print(f"written: {RESULTS / 'latest.md'}")


if __name__ == "__main__":
    main()
