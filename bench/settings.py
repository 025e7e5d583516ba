"""Settings for the benchmarks: the production-like base (DEBUG off, the real middleware, CSP,
axes) on the bench's own database — bench/data/city.sqlite3, or DATABASE_URL — with the floor
views mounted beside the application's URLs."""

import os
from pathlib import Path

import dj_database_url

from fundadmin.settings.base import *  # noqa: F403
from fundadmin.settings.base import BASE_DIR, STORAGES

ENVIRONMENT = "bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
BENCH_DB = Path(os.environ.get("BENCH_DB", BASE_DIR / "bench" / "data" / "city.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(default=f"sqlite:///{BENCH_DB}", conn_max_age=600),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# Generated users all share one password; a fast hasher keeps generation quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "bench" / "data" / "media"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
