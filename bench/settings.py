"""Settings for the benchmarks: the production-like base (DEBUG off, the real middleware, CSP,
axes) on the bench's own database — bench/data/city.sqlite3, or DATABASE_URL — with the floor
views mounted beside the application's URLs."""

import os
from pathlib import Path

from fundadmin.settings.base import *  # noqa: F403
from fundadmin.settings.base import BASE_DIR, STORAGES
from fundadmin.settings.cluster import databases_from_env

ENVIRONMENT = "bench"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
BENCH_DB = Path(os.environ.get("BENCH_DB", BASE_DIR / "bench" / "data" / "city.sqlite3"))
# Built as production builds it (DATABASE_POOL, REPLICA_DATABASE_URL), connections kept 600 s.
DATABASES = databases_from_env({"CONN_MAX_AGE": "600", **os.environ}, default_url=f"sqlite:///{BENCH_DB}")
# Generated users all share one password; a fast hasher keeps generation quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "bench" / "data" / "media"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
