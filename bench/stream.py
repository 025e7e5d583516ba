"""Open data for the whole city, streamed: rows/s and peak memory (RSS) of each download.

Each download runs in a fresh Python process (``python bench/stream.py --url URL``): Django is
set up and the view warmed on a small file, the process's peak-RSS mark is reset
(``/proc/self/clear_refs``), then the whole file is read through the Django test client as a
WSGI server would send it, and the process reports bytes, seconds and its peak RSS. The figure
that matters is how far the peak rises above the process at rest, and that it does not rise with
the file (one community's file against the whole city's).

    BENCH_DB=bench/data/city-0.1.sqlite3 .venv/bin/python bench/stream.py    # after bench/run.py made the data
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM back to the current RSS
        return True
    except OSError:
        return False


def download(url: str, warm: str) -> dict:
    """In this process: warm on ``warm``, then read ``url`` whole, counting bytes and lines."""
    import django

    django.setup()
    from django.test import Client

    client = Client()
    for chunk in client.get(warm).streaming_content:
        del chunk
    rest_kb = _status_kb("VmRSS")
    exact = _reset_peak()
    size = lines = 0
    t = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, (url, response.status_code)
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - t
    return {
        "bytes": size,
        "lines": lines,
        "seconds": seconds,
        "rss_rest_mb": round(rest_kb / 1024, 1),
        "rss_peak_mb": round(_status_kb("VmHWM") / 1024, 1),
        "peak_is_of_download": exact,
    }


def _in_child(url: str, warm: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--url", url, "--warm", warm],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run() -> list[dict]:
    """Every city-wide file, the newest year's archive, and one community's file for comparison."""
    from django.urls import reverse

    from fundadmin.models import Community, FundYear
    from publicity.models import Notice
    from publicity.selectors import public_projects

    community = Community.objects.order_by("code").first()
    year = FundYear.objects.order_by("-year").values_list("year", flat=True).first()
    warm = reverse("publicity:open_data", args=[community.code, "projects", "csv"])
    counts = {"notices": Notice.objects.count(), "projects": public_projects().count()}
    of_year = {
        "notices": Notice.objects.filter(fund_year__year=year).count(),
        "projects": public_projects().filter(fund_year__year=year).count(),
    }
    targets = [
        (
            f"one community's notices.csv ({community.code})",
            reverse("publicity:open_data", args=[community.code, "notices", "csv"]),
            Notice.objects.filter(community=community).count(),
        )
    ]
    for dataset in ("notices", "projects"):
        for fmt in ("csv", "jsonl"):
            targets.append(
                (f"city {dataset}.{fmt}", reverse("publicity:open_data_city", args=[dataset, fmt]), counts[dataset])
            )
    # The archive holds each list twice (CSV and JSON lines).
    targets.append(
        (f"city archive {year}.zip", reverse("publicity:open_data_year", args=[year]), 2 * sum(of_year.values()))
    )
    results = []
    for name, url, rows in targets:
        r = _in_child(url, warm)
        result = {
            "download": name,
            "url": url,
            "rows": rows,
            "mb": round(r["bytes"] / 1e6, 2),
            "seconds": round(r["seconds"], 2),
            "rows_per_s": round(rows / r["seconds"]) if r["seconds"] else 0,
            "rss_rest_mb": r["rss_rest_mb"],
            "rss_peak_mb": r["rss_peak_mb"],
            "rss_growth_mb": round(r["rss_peak_mb"] - r["rss_rest_mb"], 1),
        }
        results.append(result)
        print(
            f"  {name:<34} {rows:>8} rows {result['mb']:>8} MB {result['seconds']:>7} s "
            f"{result['rows_per_s']:>7} rows/s  RSS {result['rss_rest_mb']} → {result['rss_peak_mb']} MB"
        )
    return results


def markdown(results: list[dict]) -> list[str]:
    lines = [
        "",
        "## Open data, streamed (a fresh process per download, through the Django test client)",
        "",
        "| download | rows | MB | seconds | rows/s | RSS at rest MB | peak RSS MB | growth MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['download']} | {r['rows']} | {r['mb']} | {r['seconds']} | {r['rows_per_s']} | "
            f"{r['rss_rest_mb']} | {r['rss_peak_mb']} | {r['rss_growth_mb']} |"
        )
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="(child) read this download whole and print its figures")
    parser.add_argument("--warm", help="(child) a small download to warm the view on first")
    args = parser.parse_args()
    if args.url:
        print(json.dumps(download(args.url, args.warm)))
    else:
        import django

        django.setup()
        print("\n".join(markdown(run())))
