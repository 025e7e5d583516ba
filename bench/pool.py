"""What Django's connection pool for psycopg (DATABASE_POOL=1) does under load, on PostgreSQL:
the same pages served by gunicorn on 127.0.0.1 with a new connection per request
(CONN_MAX_AGE=0), with persistent connections (CONN_MAX_AGE=600) and with the pool, loaded by
wrk with a fixed number of connections. The three take turns in rounds, so that whatever else
the machine does weighs on each alike. Loopback only; every run stops by itself.

    DATABASE_URL=postgres://…/fundadmin_bench .venv/bin/python bench/pool.py --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench.load import HOST, _free_port, _wrk, wrk_run  # noqa: E402

RESULTS = ROOT / "bench" / "results"
POOL = {"DATABASE_POOL": "1", "DATABASE_POOL_MIN_SIZE": "1"}
# (environment, gunicorn worker arguments) per configuration. Sync workers serve one request at a
# time per process; threaded workers (gthread) several, each thread with its own connection unless
# a pool shares fewer between them.
CONFIGS = {
    "sync ×4, new connection per request (CONN_MAX_AGE=0)": ({"CONN_MAX_AGE": "0", "DATABASE_POOL": "0"}, []),
    "sync ×4, persistent connections (CONN_MAX_AGE=600)": ({"CONN_MAX_AGE": "600", "DATABASE_POOL": "0"}, []),
    "sync ×4, pool (DATABASE_POOL=1, max 4 per worker)": ({**POOL, "DATABASE_POOL_MAX_SIZE": "4"}, []),
    "gthread 2×4, persistent connections (CONN_MAX_AGE=600)": (
        {"CONN_MAX_AGE": "600", "DATABASE_POOL": "0"},
        ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    ),
    "gthread 2×4, pool (DATABASE_POOL=1, max 2 per worker)": (
        {**POOL, "DATABASE_POOL_MAX_SIZE": "2"},
        ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    ),
}
WRK_SCRIPT = """
local paths = {%s}
local i = 0
wrk.headers["Cookie"] = "%s"
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d seconds=%%f p50_us=%%d p95_us=%%d errors=%%d non2xx=%%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def targets() -> dict[str, tuple[list[str], str]]:
    """(paths, cookie) per target: the public pages (two small queries each, so the connection's
    cost shows), and the project page as its community secretary (sixteen queries)."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from bench.run import cast
    from fundadmin.roles import Role

    community, people, project, notice = cast()
    client = Client()
    client.force_login(people[Role.COMMUNITY_SECRETARY])
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    public = ["/", f"/c/{community.code}/", f"/notice/{notice.pk}/", f"/project/{project.pk}/"]
    return {"public pages": (public, ""), "project page (staff)": ([f"/projects/{project.pk}/"], session)}


def _load(base: str, paths: list[str], cookie: str, seconds: int, connections: int, wrk: str) -> dict:
    script = WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), cookie)
    result = wrk_run(wrk, base, script, seconds=seconds, connections=connections)
    return {k: result[k] for k in ("requests", "seconds", "p50_ms", "p95_ms", "errors", "non_2xx")}


def _serve(env: dict, workers: int, extra: list[str]):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fundadmin.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "60",
            *extra,  # a later --workers wins
        ],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)},
    )
    base = f"http://{HOST}:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer on " + base)


class _Backends(threading.Thread):
    """The most connections the database server held for clients while the load ran."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.most = 0
        self._stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(0.25):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    )
                    self.most = max(self.most, cursor.fetchone()[0])
        finally:
            connection.close()

    def stop(self) -> int:
        self._stop.set()
        self.join(5)
        return self.most


def run(*, seconds: int, connections: int, rounds: int, workers: int) -> dict:
    wrk = _wrk()
    if wrk is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The pool is psycopg's: run with DATABASE_URL=postgres://…")
    load = targets()
    from audit.models import AuditEvent
    from projects.models import Project

    data = {"projects": Project.objects.count(), "audit_events": AuditEvent.objects.count()}
    connection.close()
    parts: dict[tuple[str, str], list[dict]] = {}
    held: dict[str, int] = {}  # the most server connections during the load
    for _ in range(rounds):
        for name, (env, extra) in CONFIGS.items():
            server, base = _serve(env, workers, extra)
            try:
                for target, (paths, cookie) in load.items():
                    for p in paths:  # every worker warm: templates, caches, its connection or pool
                        for _ in range(workers * 2):
                            request = urllib.request.Request(base + p, headers={"Cookie": cookie})
                            urllib.request.urlopen(request, timeout=10).read()
                    sampler = _Backends()
                    sampler.start()
                    r = _load(base, paths, cookie, seconds, connections, wrk)
                    held[name] = max(held.get(name, 0), sampler.stop())
                    parts.setdefault((name, target), []).append(r)
                    print(
                        f"  {name:<58} {target:<22} {r['requests'] / r['seconds']:>7.1f} req/s  p95 {r['p95_ms']} ms  errors {r['errors']}"
                    )
            finally:
                server.terminate()
                server.wait(30)
    rows = []
    for (name, target), runs in parts.items():
        requests = sum(r["requests"] for r in runs)
        rows.append(
            {
                "config": name,
                "target": target,
                "rps": round(requests / sum(r["seconds"] for r in runs), 1),
                "p50_ms": round(max(r["p50_ms"] for r in runs), 1),
                "p95_ms": round(max(r["p95_ms"] for r in runs), 1),
                "errors": sum(r["errors"] for r in runs),
                "non_2xx": sum(r["non_2xx"] for r in runs),
                "connections_held": held.get(name, 0),
            }
        )
    return {
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "rounds": rounds,
        "data": data,
        "rows": rows,
    }


def write(result: dict, machine: dict) -> None:
    lines = [
        "# Django's connection pool for psycopg under load",
        "",
        f"Taken {machine['taken']} on {machine['cpus']} cores ({machine['cpu']}), {machine['memory']}, "
        f"Python {machine['python']}, {machine['database']}. gunicorn on 127.0.0.1 (workers as named), wrk {result['connections']} connections, {result['rounds']} × {result['seconds']} s per row "
        "(the configurations take turns); p50/p95: the worst round's."
        + (
            f" City: {result['data']['projects']} projects, {result['data']['audit_events']} trail events."
            if result.get("data")
            else ""
        ),
        "",
        "| configuration | target | requests/s | p50 ms | p95 ms | errors | non-2xx | server connections held |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['config']} | {r['target']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['errors']} | "
            f"{r['non_2xx']} | {r['connections_held']} |"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pool.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "pool.json").write_text(json.dumps({**result, "machine": machine}, ensure_ascii=False, indent=1))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20, help="per target, configuration and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args(argv)
    result = run(seconds=args.seconds, connections=args.connections, rounds=args.rounds, workers=args.workers)
    from bench.run import machine

    write(result, machine())
    print(f"written: {RESULTS / 'pool.md'}")


if __name__ == "__main__":
    main()
