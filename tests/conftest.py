import os

import pytest
from django.db import connection

from fundadmin.roles import Role
from tests.factories import CommunityFactory, FundYearFactory, user_with_role

# Playwright's sync API runs an event loop in the test thread; the ORM calls it makes are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    # Tests marked `postgres` exercise PostgreSQL itself (row locks, triggers). On SQLite they are
    # deselected, not skipped: .ci/run runs the whole suite again on PostgreSQL where they run.
    # Tests marked `replica` need a streaming replica beside the primary: they run only under
    # scripts/with-postgres-replica (REPLICA_DATABASE_URL set), which .ci/run also runs.
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    with_replica = bool(os.environ.get("REPLICA_DATABASE_URL"))
    kept, dropped = [], []
    for item in items:
        needs = (item.get_closest_marker("postgres") and not on_postgres) or (
            item.get_closest_marker("replica") and not with_replica
        )
        (dropped if needs else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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
