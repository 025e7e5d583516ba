"""A bounded load test on loopback: gunicorn serves the bench database on 127.0.0.1, and wrk
(Debian's package; installed here when missing and we are root) or, failing that, a small
threaded Python client sends a fixed number of connections for a fixed time to the public
pages, then to their floor views. Nothing leaves the machine; every run stops by itself."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d seconds=%%f p95_us=%%d errors=%%d non2xx=%%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(95),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wrk() -> str | None:
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    return shutil.which("wrk")


def wrk_run(wrk: str, base: str, script: str, *, seconds: int, connections: int) -> dict:
    """Run wrk against ``base`` with a Lua ``script`` whose ``done`` writes one line
    ``RESULT key=value …`` (requests, seconds, p95_us, errors, non2xx, and p50_us where asked):
    the one place the bench starts wrk and reads what it measured (load.py, pool.py, staff_load.py)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name, base],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    return wrk_result(out)


def wrk_result(out: str) -> dict:
    """The RESULT line wrk's script wrote, as figures: rps, p95_ms (and p50_ms), errors, non_2xx."""
    line = re.search(r"^RESULT (.*)$", out, re.M)
    values = dict(pair.split("=") for pair in line[1].split())
    requests, secs = int(values["requests"]), float(values["seconds"])
    result = {
        "rps": round(requests / secs, 1),
        "p95_ms": round(int(values["p95_us"]) / 1000, 1),
        "errors": int(values["errors"]),
        "non_2xx": int(values["non2xx"]),
        "requests": requests,
        "seconds": secs,
    }
    if "p50_us" in values:
        result["p50_ms"] = round(int(values["p50_us"]) / 1000, 1)
    return result


def _with_wrk(wrk: str, base: str, paths: list[str], seconds: int, connections: int) -> dict:
    script = WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths)
    return wrk_run(wrk, base, script, seconds=seconds, connections=connections)


def _with_python(base: str, paths: list[str], seconds: int, connections: int) -> dict:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, errors, non2xx = [], 0, 0

    def worker(k: int):
        nonlocal errors, non2xx
        i = k
        while time.monotonic() < deadline:
            url = base + paths[i % len(paths)]
            i += 1
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    r.read()
                    ok = 200 <= r.status < 300
            except Exception:  # counted; the run goes on until its deadline
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - t)
                non2xx += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 15)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0
    return {
        "rps": round(len(latencies) / seconds, 1),
        "p95_ms": round(p95 * 1000, 1),
        "errors": errors,
        "non_2xx": non2xx,
        "requests": len(latencies),
        "seconds": seconds,
    }


def run(*, seconds: int, connections: int, workers: int | None = None) -> dict:
    from bench.run import cast as _cast

    community, _, project, notice = _cast()
    public = ["/", f"/c/{community.code}/", f"/notice/{notice.pk}/", f"/project/{project.pk}/"]
    floors = [
        "/_floor/index/",
        f"/_floor/board/?code={community.code}",
        f"/_floor/notice/?pk={notice.pk}",
        f"/_floor/project_public/?pk={project.pk}",
    ]
    workers = workers or 2 * (os.cpu_count() or 1)
    port = _free_port()
    base = f"http://{HOST}:{port}"
    from django.db import connections as django_connections

    django_connections.close_all()
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
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)},
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer on " + base)
        wrk = _wrk()
        targets = (("public pages", public), ("floor views", floors))
        for _, paths in targets:
            for p in paths:  # warm every worker's templates, cache and connection
                for _ in range(workers * 2):
                    urllib.request.urlopen(base + p, timeout=10).read()
        # The pages and their floors take turns in short slices, so that whatever else the
        # machine is doing meanwhile (other test suites) weighs on both alike.
        rounds = max(1, seconds // 5)
        slices: dict[str, list[dict]] = {target: [] for target, _ in targets}
        for i in range(rounds):
            share = seconds // rounds + (1 if i < seconds % rounds else 0)
            for target, paths in targets:
                slices[target].append(
                    _with_wrk(wrk, base, paths, share, connections)
                    if wrk
                    else _with_python(base, paths, share, connections)
                )
        runs = []
        for target, parts in slices.items():
            requests = sum(r["requests"] for r in parts)
            result = {
                "rps": round(requests / sum(r["seconds"] for r in parts), 1),
                "p95_ms": max(r["p95_ms"] for r in parts),  # the worst slice's
                "errors": sum(r["errors"] for r in parts),
                "non_2xx": sum(r["non_2xx"] for r in parts),
                "requests": requests,
            }
            runs.append({"target": target, **result})
            print(
                f"  {target:<14} {result['rps']:>8} req/s  p95 {result['p95_ms']} ms  errors {result['errors']}  non-2xx {result['non_2xx']}"
            )
    finally:
        server.terminate()
        server.wait(30)
    share = runs[0]["rps"] / runs[1]["rps"] if runs[1]["rps"] else 0
    return {
        "tool": "wrk" if wrk else "python threads",
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "runs": runs,
        "throughput_vs_floor": f"{share:.0%}",
    }
