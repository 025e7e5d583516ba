"""Screenshots of the main pages of each demo role at 1280 and 360 px, into docs/screenshots/.

    make screenshots        (or: .venv/bin/python scripts/screenshots.py [--out DIR])

What it does, all on loopback and in a throw-away folder: builds a fresh demo database (migrate +
load_demo, SQLite), serves it with Django's development server on a free port of 127.0.0.1, and
drives Debian's chromium through Playwright (never a downloaded browser, the flags of
tests/conftest.py): each role logs in and its pages are photographed at both widths, then a
resident's public board and notice, the notice again in the large-text mode (适老化). Each PNG is
reduced to a 128-colour palette and long pages are cut at a fixed height, so the set stays a few
megabytes. The server and the folder are removed at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fundadmin-demo-2026"
WIDTHS = {1280: 900, 360: 740}
# A page longer than this (CSS px) is cut: the top of a page is what it is about.
MAX_HEIGHT = {1280: 2600, 360: 4400}
COLOURS = 128
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass(frozen=True)
class Shot:
    name: str  # the file's name without width: "committee_secretary-approve"
    user: str | None  # a demo login, or None for a resident
    path: str
    caption: str
    large_text: bool = False


def shots(ids: dict[str, int], codes: dict[str, str]) -> list[Shot]:
    g = codes["community"]
    return [
        Shot("community_secretary-inbox", "community_secretary", "/inbox/", "社区党委书记：待办"),
        Shot("community_member-inbox", "community_member", "/inbox/", "社区党委委员：没有待办时能做什么"),
        Shot("supervisor-inbox", "supervisor", "/inbox/", "议事监督委员会成员：待办"),
        Shot("committee_secretary-inbox", "committee_secretary", "/inbox/", "党工委书记：待办"),
        Shot("committee_member-inbox", "committee_member", "/inbox/", "党工委班子成员：待办"),
        Shot("construction_director-inbox", "construction_director", "/inbox/", "建管委主任：待办"),
        Shot("finance-inbox", "finance", "/inbox/", "财务管理人员：待办"),
        Shot("city-inbox", "city", "/inbox/", "市级监督：没有待办时能做什么"),
        Shot("admin-inbox", "admin", "/inbox/", "系统管理员：没有待办时能做什么"),
        Shot(
            "committee_secretary-projects",
            "committee_secretary",
            "/projects/?sort=deadline",
            "项目列表：按期限排列，等待谁、期限到哪天",
        ),
        Shot(
            "community_secretary-project",
            "community_secretary",
            f"/projects/{ids['executing']}/",
            "项目页：下一步、方案、全过程记录",
        ),
        Shot(
            "committee_secretary-approve",
            "committee_secretary",
            f"/projects/{ids['submitted']}/act/approve_for_committee/",
            "审批：方案、经费、公示与异议、期限（已超期，须写明原因）",
        ),
        Shot(
            "committee_secretary-sign",
            "committee_secretary",
            f"/projects/{ids['signing']}/act/sign_as_committee_secretary/",
            "发票会签：发票、扫描件、此前的签字",
        ),
        Shot(
            "community_secretary-change",
            "community_secretary",
            f"/projects/{ids['executing']}/act/request_change/",
            "变更申请：本年度经费和20%上限能承担的金额",
        ),
        Shot("finance-settle", "finance", f"/projects/{ids['signed']}/act/settle/", "结算：按已签字的发票填好"),
        Shot("finance-book", "finance", f"/ledger/{g}/{codes['year']}/", "财务：社区经费台账"),
        Shot("resident-board", None, f"/c/{g}/", "居民：社区公示栏"),
        Shot("resident-notice", None, f"/notice/{ids['notice']}/", "居民：方案公示"),
        Shot("resident-notice-large", None, f"/notice/{ids['notice']}/", "居民：方案公示（大字模式）", large_text=True),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def wait_for(url: str, server: subprocess.Popen, seconds: int = 60) -> None:
    for _ in range(seconds * 4):
        if server.poll() is not None:
            raise SystemExit(f"the demo server stopped (exit {server.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)  # our own server, on loopback
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"the demo server did not answer at {url}")


def demo_ids(env: dict) -> tuple[dict[str, int], dict[str, str]]:
    """The demo's projects to photograph, read from the database the server serves."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from projects.models import Project, Status
    from publicity.models import Notice

    guihua = Project.objects.filter(community__code="guihua").order_by("pk")

    def first(status) -> int:
        return guihua.filter(status=status).values_list("pk", flat=True).first()

    ids = {
        "executing": first(Status.EXECUTING),
        "submitted": first(Status.SUBMITTED),
        "signing": first(Status.INVOICE_SIGNING_3),
        "signed": first(Status.SIGNED),
        "notice": Notice.objects.filter(community__code="guihua", kind=Notice.Kind.PLAN)
        .order_by("-posted_on", "-pk")
        .values_list("pk", flat=True)
        .first(),
    }
    missing = [k for k, v in ids.items() if v is None]
    if missing:
        raise SystemExit(f"the demo has no project for {missing}")
    year = guihua.filter(pk=ids["executing"]).values_list("fund_year__year", flat=True).get()
    return ids, {"community": "guihua", "year": str(year)}


def shrink(path: Path, width: int) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        limit = MAX_HEIGHT[width] * (image.width // width or 1)
        if image.height > limit:
            image = image.crop((0, 0, image.width, limit))
        image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True
        )


def photograph(base: str, out: Path, todo: list[Shot]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from fundadmin import display

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium (make test installs it).")
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            for width, height in WIDTHS.items():
                by_user: dict[str | None, list[Shot]] = {}
                for shot in todo:
                    by_user.setdefault(shot.user, []).append(shot)
                for user, some in by_user.items():
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        is_mobile=width < 600,
                        has_touch=width < 600,
                        locale="zh-CN",
                    )
                    page = context.new_page()
                    page.set_default_timeout(20_000)
                    if user is not None:
                        page.goto(base + "/accounts/login/")
                        page.fill("#id_username", user)
                        page.fill("#id_password", PASSWORD)
                        page.click("button[type=submit]")
                        page.wait_for_url("**/inbox/")
                    for shot in some:
                        context.clear_cookies(name=display.COOKIE)
                        if shot.large_text:
                            context.add_cookies([{"name": display.COOKIE, "value": display.LARGE, "url": base}])
                        response = page.goto(base + shot.path)
                        if response is None or response.status != 200:
                            raise SystemExit(f"{shot.name}: {shot.path} answered {response and response.status}")
                        path = out / f"{shot.name}-{width}.png"
                        page.screenshot(path=str(path), full_page=True)
                        shrink(path, width)
                        written.append(path)
                        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
                    context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fundadmin-shots-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fundadmin.settings.dev",
        "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "DEMO_PASSWORD": PASSWORD,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    server = None
    try:
        print("== 构建演示数据库 · Building a fresh demo database")
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_demo", stdout=subprocess.DEVNULL)
        ids, codes = demo_ids(env)
        print(f"== 启动演示服务器 · Serving it on 127.0.0.1:{port}")
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/", server)
        print(f"== 截图 · Photographing {len(shots(ids, codes))} pages at {' and '.join(map(str, WIDTHS))} px")
        written = photograph(base, args.out, shots(ids, codes))
        size = sum(p.stat().st_size for p in written)
        print(f"== {len(written)} screenshots, {size / 1_000_000:.1f} MB, in {args.out}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
