"""Load on loopback for two staff pages (issue 17): the inbox and the project page, each under
a fixed number of connections (default 20) for a fixed time, served by gunicorn (default 4
workers) on 127.0.0.1 from the bench database, logged in by a session cookie. wrk (installed
by bench/load.py when missing and root) or, failing that, the threaded Python client there.
Targets: ≥ 100 requests/s, p95 ≤ 300 ms, 0 errors.

    DATABASE_URL=postgres://… python bench/staff_load.py --seconds 20 --markdown bench/results/staff-load.md
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.staff_settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import bench.load as load  # noqa: E402 (stdlib only; after the path is set)

WRK_SCRIPT = """
request = function()
  return wrk.format("GET", "%s", {["Cookie"] = "sessionid=%s"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d seconds=%%f p95_us=%%d errors=%%d non2xx=%%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(95),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def _wrk(wrk: str, base: str, path: str, session: str, seconds: int, connections: int) -> dict:
    result = load.wrk_run(wrk, base, WRK_SCRIPT % (path, session), seconds=seconds, connections=connections)
    return {k: result[k] for k in ("rps", "p95_ms", "errors", "non_2xx", "requests")}


def _get(base: str, path: str, session: str) -> int:
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session}"})
    with urllib.request.urlopen(request, timeout=30) as r:
        r.read()
        return r.status


def run(*, seconds: int, connections: int, workers: int) -> list[dict]:
    import django

    django.setup()
    from django.db import connections as django_connections
    from django.test import Client

    import bench.run as bench_run
    from fundadmin.roles import Role

    pages = {p["page"]: p for p in bench_run.pages()}
    targets = [pages["inbox: " + Role.COMMITTEE_SECRETARY.label], pages["inbox: " + Role.COMMUNITY_SECRETARY.label]]
    targets.append(pages["project page"])
    sessions = {}
    for p in targets:
        client = Client()
        client.force_login(p["people"][p["role"]])
        sessions[p["page"]] = client.cookies["sessionid"].value
    django_connections.close_all()
    port = load._free_port()
    base = f"http://{load.HOST}:{port}"
    command = [sys.executable, "-m", "gunicorn", "fundadmin.wsgi:application", "--bind", f"{load.HOST}:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", str(workers), "--log-level", "warning", "--timeout", "60"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    rows = []
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer on " + base)
        wrk = load._wrk()
        for p in targets:
            session = sessions[p["page"]]
            for _ in range(workers * 2):  # warm every worker
                assert _get(base, p["url"], session) == 200
            if wrk:
                result = _wrk(wrk, base, p["url"], session, seconds, connections)
            else:  # the Python client sends no cookie: say so rather than measure a redirect
                raise RuntimeError("wrk is needed for the logged-in load test")
            rows.append({"page": p["page"], "url": p["url"], **result})
            print(
                f"  {p['page']:<28} {result['rps']:>7} req/s  p95 {result['p95_ms']} ms"
                f"  errors {result['errors']}  non-2xx {result['non_2xx']}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(30)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--markdown", help="write the table to this file")
    args = parser.parse_args(argv)
    rows = run(seconds=args.seconds, connections=args.connections, workers=args.workers)
    if args.markdown:
        lines = ["| page | req/s | p95 ms | errors | non-2xx | requests |", "|---|---:|---:|---:|---:|---:|"]
        lines += [
            f"| {r['page']} | {r['rps']} | {r['p95_ms']} | {r['errors']} | {r['non_2xx']} | {r['requests']} |"
            for r in rows
        ]
        Path(args.markdown).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
