"""Sessions and caches do not assume one process (docs/scaling.md 2).

The publicity rate limit counts in the default cache. Production builds that cache from
FUNDADMIN_CACHE_URL (fundadmin.settings.cluster); here two cache instances made from that very
configuration — what two app servers hold — must see one count.
"""

from __future__ import annotations

import importlib
import sys

import pytest
from django.apps import apps
from django.core.cache import CacheHandler
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from fundadmin.apps import create_cache_tables
from fundadmin.settings.cluster import CACHE_TABLE, FRAGMENT_CACHE, caches_from_env
from publicity import ratelimit
from tests.conftest import switch_to_app, switch_to_owner

PRODUCTION_ENV = {
    "SECRET_KEY": "scaling-" + "k3y-" * 12,
    "ALLOWED_HOSTS": "fund.example.org",
    "PUBLIC_BASE_URL": "https://fund.example.org",
    "DATABASE_URL": "postgres://fundadmin@db.internal:5432/fundadmin",
}
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.dummy.DummyCache",
}
SHARED_SESSION_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def production_settings(monkeypatch, **env) -> dict:
    """The production settings module evaluated afresh under ``env``; the running test settings'
    modules are put back afterwards."""
    for name in ("FUNDADMIN_CACHE_URL", "FUNDADMIN_S3_BUCKET", "FUNDADMIN_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for key, value in {**PRODUCTION_ENV, **env}.items():
        monkeypatch.setenv(key, value)
    names = ("fundadmin.settings.base", "fundadmin.settings.production")
    saved = {name: sys.modules.pop(name, None) for name in names}
    try:
        module = importlib.import_module("fundadmin.settings.production")
    finally:
        for name, old in saved.items():
            sys.modules.pop(name, None)
            if old is not None:
                sys.modules[name] = old
    return {k: getattr(module, k) for k in dir(module) if k.isupper()}


@pytest.fixture
def as_migrations_run(settings):
    """The cache table is created by `migrate`, which runs as the owner role (scripts/db-roles);
    the suite runs as the app role, which may not create tables. Run this test as the owner and
    drop the table again afterwards (a transactional test's flush leaves tables in place). Use
    with django_db(transaction=True)."""
    switch_to_owner()
    try:
        yield
    finally:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CACHE_TABLE}")
        switch_to_app()


@pytest.mark.django_db(transaction=True)
def test_two_app_servers_share_one_rate_limit_count(as_migrations_run, settings, rf, monkeypatch):
    config = production_settings(monkeypatch)["CACHES"]
    settings.CACHES = config
    create_cache_tables(sender=apps.get_app_config("fundadmin"), using="default", verbosity=0)
    server_a, server_b = CacheHandler(config)["default"], CacheHandler(config)["default"]
    assert server_a is not server_b

    request = rf.post("/objection/", REMOTE_ADDR="203.0.113.7")
    limit, _ = ratelimit.LIMITS["objection"]
    answers = []
    for attempt in range(limit + 2):
        # Alternate servers, as a load balancer would.
        monkeypatch.setattr(ratelimit, "cache", server_a if attempt % 2 == 0 else server_b)
        answers.append(ratelimit.allow(request, "objection"))
    assert answers == [True] * limit + [False, False]
    key = "publicity:rl:objection:203.0.113.7"
    assert server_a.get(key) == server_b.get(key) == limit + 2
    # Another address starts its own count on either server.
    other = rf.post("/objection/", REMOTE_ADDR="198.51.100.1")
    assert ratelimit.allow(other, "objection")


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_database_cache_table(as_migrations_run, settings):
    """No extra deployment step: the post-migrate hook runs createcachetable."""
    from django.core.management.sql import emit_post_migrate_signal

    assert CACHE_TABLE not in connection.introspection.table_names()
    settings.CACHES = caches_from_env({})
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert CACHE_TABLE in connection.introspection.table_names()


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"FUNDADMIN_CACHE_URL": "db"},
        {"FUNDADMIN_CACHE_URL": "redis://cache.internal:6379/0"},
        {"FUNDADMIN_CACHE_URL": "rediss://cache.internal:6380/1", "FUNDADMIN_S3_BUCKET": "fundadmin-docs"},
    ],
    ids=["default", "db", "redis", "rediss+s3"],
)
def test_production_never_uses_a_per_process_cache_or_session_store(monkeypatch, env):
    values = production_settings(monkeypatch, **env)
    for alias, cache in values["CACHES"].items():
        if alias == "template_fragments":
            # Per process on purpose: the keys are made of what the fragment shows.
            assert cache == FRAGMENT_CACHE
            continue
        assert cache["BACKEND"] not in PER_PROCESS_CACHES, alias
    assert values["SESSION_ENGINE"] in SHARED_SESSION_ENGINES
    if values["SESSION_ENGINE"].endswith("cached_db"):
        # Cached sessions only in front of a cache every server shares.
        assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    if "redis" in env.get("FUNDADMIN_CACHE_URL", ""):
        assert values["CACHES"]["default"]["LOCATION"] == env["FUNDADMIN_CACHE_URL"]


def test_production_refuses_a_per_process_cache_url(monkeypatch):
    for url in ("locmem://", "file:///var/tmp/cache", "dummy://"):
        with pytest.raises(ImproperlyConfigured, match="FUNDADMIN_CACHE_URL"):
            production_settings(monkeypatch, FUNDADMIN_CACHE_URL=url)


def test_production_storage_follows_the_environment(monkeypatch):
    assert production_settings(monkeypatch)["STORAGES"]["default"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )
    storage = production_settings(
        monkeypatch,
        FUNDADMIN_S3_BUCKET="fundadmin-docs",
        FUNDADMIN_S3_ENDPOINT_URL="https://minio.city.internal",
    )["STORAGES"]
    assert storage["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["default"]["OPTIONS"]
    assert options["bucket_name"] == "fundadmin-docs"
    assert options["endpoint_url"] == "https://minio.city.internal"
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert "access_key" not in options and "secret_key" not in options  # boto3 reads them from the environment
    assert storage["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
