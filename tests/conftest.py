import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.db import connection

from fundadmin.roles import Role
from tests.factories import CommunityFactory, FundYearFactory, user_with_role

# Playwright's sync API runs an event loop in the test thread; the ORM calls it makes are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    # Tests marked `postgres` exercise PostgreSQL itself (row locks, triggers). On SQLite they are
    # deselected, not skipped: .ci/run runs the whole suite again on PostgreSQL where they run.
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


ROOT = Path(__file__).resolve().parents[1]


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pg_dsn(url: str | None, dbname: str) -> str:
    """``url``'s credentials on the database ``dbname`` (the test database); the default
    connection's own credentials when ``url`` is not set."""
    parts = dj_database_url.parse(url) if url else dict(connection.settings_dict)
    auth = parts["USER"] + (f":{parts['PASSWORD']}" if parts.get("PASSWORD") else "")
    return f"postgres://{auth}@{parts['HOST'] or '127.0.0.1'}:{parts['PORT'] or 5432}/{dbname}"


def superuser_dsn(dbname: str | None = None) -> str:
    return pg_dsn(os.environ.get("DATABASE_SUPERUSER_URL"), dbname or connection.settings_dict["NAME"])


def _use_credentials(user: str, password: str | None) -> None:
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
    # The settings dict is shared by every thread's connection (live server, race tests).
    settings_dict = connections.settings["default"]
    settings_dict["USER"], settings_dict["PASSWORD"] = user, password or ""


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL through scripts/with-postgres (DATABASE_APP_URL set) the test database is
    created and migrated as the owner role, given the app role's privileges by the same script a
    deployment runs (scripts/db-roles grant), and then every test runs as the app role: SELECT
    and INSERT only on the trail and the journal, no TRUNCATE, no trigger switch. So the suite
    proves the application works with the least privilege the README deploys it with."""
    app_url = os.environ.get("DATABASE_APP_URL")
    if not (on_postgres() and app_url):
        yield
        return
    from django.db import connections

    owner = dict(connections.settings["default"])
    app = dj_database_url.parse(app_url)
    with django_db_blocker.unblock():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "db-roles"),
                "grant",
                "--database-url",
                pg_dsn(os.environ["DATABASE_URL"], owner["NAME"]),
                "--app",
                app["USER"],
            ],
            check=True,
            capture_output=True,
        )
        _use_credentials(app["USER"], app["PASSWORD"])
    yield
    with django_db_blocker.unblock():
        _use_credentials(owner["USER"], owner["PASSWORD"])  # the owner drops the test database


def switch_to_owner() -> None:
    """Run the rest of a *transactional* test as the owner role (what `migrate` runs as); a no-op
    unless the suite runs as the app role."""
    if on_postgres() and os.environ.get("DATABASE_APP_URL"):
        owner = dj_database_url.parse(os.environ["DATABASE_URL"])
        _use_credentials(owner["USER"], owner["PASSWORD"])


def switch_to_app() -> None:
    if on_postgres() and os.environ.get("DATABASE_APP_URL"):
        app = dj_database_url.parse(os.environ["DATABASE_APP_URL"])
        _use_credentials(app["USER"], app["PASSWORD"])


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_triggers():
    """Transactional tests end with a flush (TRUNCATE of every table). On PostgreSQL the trail and
    the journal refuse TRUNCATE by trigger, and the app role may not truncate at all; the flush
    runs as a superuser with session_replication_role=replica — the same bypass the tampering
    tests use, and the reason checkpoints live outside the database."""
    if not on_postgres():
        yield
        return
    import psycopg
    from django.db.backends.postgresql.operations import DatabaseOperations

    def execute_sql_flush(self, sql_list):
        with psycopg.connect(superuser_dsn(self.connection.settings_dict["NAME"])) as admin:
            admin.execute("SET session_replication_role = replica")
            for sql in sql_list:
                admin.execute(sql)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


def tamper(sql: str, params=(), *, bypass_triggers: bool = True) -> None:
    """Change the database as its superuser would, past the triggers (session_replication_role =
    replica) unless ``bypass_triggers`` is False. On PostgreSQL this is a separate superuser
    connection, so the test must be transactional (``django_db(transaction=True)``) for the rows
    to be visible to it; on SQLite (no triggers, no roles) it is the test's own connection."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    import psycopg

    with psycopg.connect(superuser_dsn(), autocommit=True) as admin:
        if bypass_triggers:
            admin.execute("SET session_replication_role = replica")
        admin.execute(sql, params)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (browser, threads) run after a flush that also wiped the reference data
    the migrations seed; put it back (idempotent, and a no-op when it is there)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from fundadmin.models import CalendarYear, SpecialDay, SpendingCategory
        from fundadmin.seed import seed_categories, seed_from_chinesecalendar

        request.getfixturevalue("transactional_db")
        seed_categories(SpendingCategory)
        seed_from_chinesecalendar(CalendarYear, SpecialDay)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The public pages keep rendered content in the cache under keys made of what they show
    (publicity.fingerprints). Tests roll the database back and reuse ids and frozen times, so
    each test starts with an empty cache, as a fresh deployment would."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _checkpoint_store(settings, tmp_path_factory):
    """Each test writes its signed audit checkpoints to a folder of its own (audit/checkpoints.py):
    a checkpoint left by another test would contradict this test's fresh trail."""
    location = tmp_path_factory.mktemp("checkpoints")
    settings.STORAGES = {
        **settings.STORAGES,
        "checkpoints": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "file_permissions_mode": 0o444},
        },
    }


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def other_community(db):
    """A community under a different working committee."""
    return CommunityFactory()


@pytest.fixture
def fund_year(community):
    return FundYearFactory(community=community)


@pytest.fixture
def people(community):
    """One user for every role over ``community`` (committee roles over its committee)."""
    return {role: user_with_role(role, community) for role in Role if role != Role.SYSTEM_ADMIN}


# -- real browser (Playwright driving Debian's chromium; never a downloaded browser) --------------

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


@pytest.fixture(scope="session")
def chromium():
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise RuntimeError("Debian's chromium is required for browser tests: run `make test` (it installs it).")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A desktop-sized page; ``page.base`` is the live server's address."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone(chromium, live_server):
    """A phone-sized page (360 px wide, touch)."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base = live_server.url
    yield page
    context.close()


def login(page, username: str, password: str = "pw") -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
