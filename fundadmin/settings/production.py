"""Production: PostgreSQL via DATABASE_URL, gunicorn behind a reverse proxy that terminates TLS."""

import os
import re

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import PUBLIC_BASE_URL, SECRET_KEY, STORAGES
from .cluster import caches_from_env, default_storage_from_env, session_engine_for

ENVIRONMENT = "production"
DEBUG = False

if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value (at least 40 characters).")
# The address printed in QR codes on the paper notices: a guess from a request's Host header
# would print whatever name a visitor happened to use (fundadmin/addresses.py).
if not re.fullmatch(r"https?://[^/\s]+/?", PUBLIC_BASE_URL):
    raise ImproperlyConfigured("Set PUBLIC_BASE_URL to the address residents reach, e.g. https://fund.example.gov.cn")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# X-Forwarded-For is believed only from FUNDADMIN_TRUSTED_PROXIES (base.py; README, deployment).

# Several app servers (docs/scaling.md): uploaded files in an S3-compatible bucket when
# FUNDADMIN_S3_BUCKET is set, one cache for all (Redis, or the database), sessions in the database.
STORAGES = {**STORAGES, "default": default_storage_from_env(os.environ)}
CACHES = caches_from_env(os.environ)
SESSION_ENGINE = session_engine_for(CACHES)

# Reminders go out by SMTP; without EMAIL_HOST, through the server's local mail relay.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "587" if os.environ.get("EMAIL_HOST") else "25")),
            "username": os.environ.get("EMAIL_USER", ""),
            "password": os.environ.get("EMAIL_PASSWORD", ""),
            "use_tls": os.environ.get("EMAIL_USE_TLS", "1" if os.environ.get("EMAIL_HOST") else "0") == "1",
        },
    }
}

# HSTS preload is a one-way commitment for a whole domain; fundadmin is often served on an
# intranet name that cannot be preloaded. Opt in with SECURE_HSTS_PRELOAD=1.
SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD") == "1"
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
