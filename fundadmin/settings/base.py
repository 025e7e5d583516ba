"""Settings shared by every environment. Configuration comes from environment variables."""

import ipaddress
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .cluster import FRAGMENT_CACHE, checkpoint_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# "dev", "test" or "production": commands that must never run on live data check it.
ENVIRONMENT = "base"


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "django_tasks_db",  # the task queue's table and `manage.py db_worker`
    "fundadmin",
    "audit",
    "projects",
    "ledger",
    "publicity",
    "supervision",
    "notifications",
    "exports",
    # After projects, whose graph_transitions (labelled from the process table) replaces django-fsm's.
    "django_fsm",
]

# What the core composes from the apps, which it does not import (docs/architecture.md): the
# sources of the inbox and the parts of the demo, each in process order.
FUNDADMIN_INBOX_SOURCES = [
    "projects.inbox.inbox_items",
    "publicity.inbox.inbox_items",
    "supervision.inbox.inbox_items",
]
FUNDADMIN_DEMO_PARTS = [
    "ledger.demo.part",  # the books first: 2025 and 2026 appropriations, 2025 closed into 2026
    "projects.demo.load",  # the projects' histories, replayed day by day
    "publicity.demo.part",  # the notices, objections and needs that refer to them
    "supervision.demo.load",  # the supervisors' opinions and the annual reports
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "audit.middleware.ClientAddressMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that a view's database error becomes the "database unreachable" page (503).
    "fundadmin.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "fundadmin.urls"
WSGI_APPLICATION = "fundadmin.wsgi.application"
ASGI_APPLICATION = "fundadmin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fundadmin.display.context",
                "fundadmin.context_processors.calendar_notice",
            ],
            # Money and date filters (|money, |date_table, |date_prose, …) in every template.
            "builtins": ["fundadmin.templatetags.fundadmin_format"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing with "database is locked"; IMMEDIATE transactions
    # take the write lock up front so two writers queue rather than deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One process (demo, tests): Django's in-memory default. production.py replaces "default" with a
# cache every app server shares (fundadmin/settings/cluster.py); the rendered public fragments
# stay per process everywhere, which their content-made keys allow.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": FRAGMENT_CACHE,
}

AUTH_USER_MODEL = "fundadmin.User"
AUTHENTICATION_BACKENDS = [
    # axes first so a locked-out address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous-user object permissions are ever granted.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False


def trusted_proxies_from_env(value: str) -> int | list[str]:
    """FUNDADMIN_TRUSTED_PROXIES: a count ("1") or addresses/networks ("127.0.0.1,10.0.0.0/8")."""
    value = value.strip()
    if not value or value == "0":
        return []
    if value.isdigit():
        return int(value)
    items = [item.strip() for item in value.split(",") if item.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"FUNDADMIN_TRUSTED_PROXIES: {item!r} is neither an address nor a network (e.g. 127.0.0.1 or 10.0.0.0/8)."
            ) from None
    return items


# Apps whose models never store text with hidden characters (fundadmin/text.py). The trail is not
# among them: it must record what a stranger typed (a failed login's username), written visibly.
FUNDADMIN_VISIBLE_TEXT_APPS = {"fundadmin", "projects", "ledger", "publicity", "supervision"}

# The reverse proxies in front of the app whose X-Forwarded-For is believed (audit/middleware.py).
# Default none: the client is REMOTE_ADDR and the header is ignored, so nobody can choose the
# address the trail records or the rate limit and the login lockout count.
FUNDADMIN_TRUSTED_PROXIES = trusted_proxies_from_env(os.environ.get("FUNDADMIN_TRUSTED_PROXIES", ""))

# django-axes: lock an account+address pair after repeated failures (password guessing). The
# address is the one the trail records (one function, never axes' own X-Forwarded-For reading).
# The pair, not the account alone: an attacker elsewhere can never lock an official out, at the
# price that guessing spread over many addresses is slowed per address, not per account (README).
AXES_CLIENT_IP_CALLABLE = "audit.middleware.get_client_address"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout ends 15 minutes after it began, however many failures follow during it: someone who
# shares the official's address (one office NAT) cannot keep the official out by failing on.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served at the site's root by whitenoise: /favicon.ico, which browsers ask for on every visit.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"  # never served directly: documents go through permission-checking views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Signed audit checkpoints (audit/checkpoints.py, README "Security"): the private key lives on the
# app server (created on first use when missing; several servers share one file), never in the
# database; the signed copies go to an append-only folder or an S3-compatible bucket.
FUNDADMIN_CHECKPOINT_ALGORITHM = os.environ.get("FUNDADMIN_CHECKPOINT_ALGORITHM", "ed25519")
FUNDADMIN_CHECKPOINT_KEY_FILE = Path(
    os.environ.get("FUNDADMIN_CHECKPOINT_KEY", BASE_DIR / "var" / "checkpoint-signing-key.pem")
)
# Public keys of other servers or retired keys whose checkpoints verify_audit also trusts.
FUNDADMIN_CHECKPOINT_PUBLIC_KEYS = env_list("FUNDADMIN_CHECKPOINT_PUBLIC_KEYS")
STORAGES["checkpoints"] = checkpoint_storage_from_env(os.environ, str(BASE_DIR / "var" / "checkpoints"))
# An RFC 3161 time-stamping authority for each checkpoint (optional), and the CA file that
# verifies its answers.
FUNDADMIN_TSA_URL = os.environ.get("FUNDADMIN_TSA_URL", "")
FUNDADMIN_TSA_CA_FILE = os.environ.get("FUNDADMIN_TSA_CA_FILE", "")

# Uploaded documents (scans, photos, invoices): limits checked by content in the domain layer.
FUNDADMIN_MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The public address in QR codes, PDF footers and e-mails (fundadmin/addresses.py). Required in
# production; unset elsewhere, it follows the address each request came to (the port served).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip()

# Residents get answers on a clock (SPEC.md "Decisions the rules leave to us"): the community
# answers an objection, and a need, within this many working days of the day it came in
# (当天不计入). A change applies to what comes in afterwards; dates already given stay.
OBJECTION_REPLY_WORKING_DAYS = int(os.environ.get("OBJECTION_REPLY_WORKING_DAYS", "5"))
NEED_REPLY_WORKING_DAYS = int(os.environ.get("NEED_REPLY_WORKING_DAYS", "10"))

# Integrity indicators (Art. 19; supervision/indicators, docs/indicators.md): the thresholds at
# which each one fires. A deployment overrides any of them in its own settings module, e.g.
# INTEGRITY_INDICATORS = {**INTEGRITY_INDICATORS, "low_satisfaction_percent": 70}; every run
# stores the values it used. Amounts are yuan, shares are fractions, periods are days.
INTEGRITY_INDICATORS = {
    # one contractor or payee in one community and year: this many projects, or this share of
    # the community's year fund (allocation + carry-over); in a committee: this share of all of
    # its communities' funds together
    "concentration_min_projects": 3,
    "concentration_community_share": Decimal("0.30"),
    "concentration_committee_share": Decimal("0.10"),
    # splitting: projects of one community, category and contractor within this many days, each
    # at most `splitting_margin` under a limit, together above it. The limits are the city's own
    # (a procurement or approval limit); the year's small-group line (20% of the fund, Art. 7(2))
    # is added when `splitting_small_group_line` is on.
    "splitting_limits": {"单项采购限额": Decimal("10000.00")},
    "splitting_small_group_line": True,
    "splitting_margin": Decimal("0.15"),
    "splitting_window_days": 90,
    # year end: the last this-many days of the fund year; fires when that part of the year's
    # payments (or approvals) reaches the share
    "year_end_days": 15,
    "year_end_share": Decimal("0.40"),
    # paid although the residents' satisfaction at acceptance was below this percentage
    "low_satisfaction_percent": Decimal("60"),
    # change requests: raising the approved amount by more than this share, or this many times
    "change_raise_share": Decimal("0.10"),
    "change_repeat_count": 2,
    # approvals decided this many working days or more after the Art. 11 deadline (0: any delay)
    "late_approval_grace_working_days": 0,
    # supervision opinions still unanswered after this many working days
    "opinion_unanswered_working_days": 10,
    # a budget line's unit price at least this many times the city median of the same item
    # (same name and unit, same year), among at least `unit_price_min_lines` lines
    "unit_price_ratio": Decimal("2.0"),
    "unit_price_min_lines": 5,
    # lines named like these are sums of several things, not one item with a price
    "unit_price_skip_words": ("其他", "杂费", "不可预见", "合计"),
    # the no-invoice path (Art. 13) paying this share of a community's year's payments or more,
    # once they reach the amount
    "no_invoice_share": Decimal("0.40"),
    "no_invoice_min_amount": Decimal("5000.00"),
}

# Reminder e-mail: the console in development; SMTP when EMAIL_HOST is set.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_USER", ""),
                "password": os.environ.get("EMAIL_PASSWORD", ""),
                "use_tls": os.environ.get("EMAIL_USE_TLS", "1") == "1",
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fundadmin@localhost")

# Background work (Django's Tasks framework): queued in the database, run by `manage.py db_worker`
# (README "Running the worker"). Nothing is sent from inside a request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# How people are told what happened (notifications/channels.py, docs/notifications.md). A city
# adds its SMS gateway or messenger bot as one more entry; the webhook is off until it has a URL.
NOTIFICATION_CHANNELS = {
    "inapp": {"CLASS": "notifications.channels.InAppChannel"},
    "email": {"CLASS": "notifications.channels.EmailChannel"},
    "webhook": {
        "CLASS": "notifications.channels.WebhookChannel",
        "OPTIONS": {
            "url": os.environ.get("NOTIFICATION_WEBHOOK_URL", ""),
            "secret": os.environ.get("NOTIFICATION_WEBHOOK_SECRET", ""),
        },
    },
}
# A failed send is tried again after 1, 4, 16 and 64 minutes, then kept as failed for the admin.
NOTIFICATION_RETRY = {"ATTEMPTS": 5, "FIRST_DELAY": 60, "FACTOR": 4, "MAX_DELAY": 6 * 3600}

# A strict Content Security Policy: everything is served from our own origin (no CDN).
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
