"""What several app servers must share, built from environment variables (docs/scaling.md).

Not a settings module: production.py calls these functions, and tests/scaling builds the same
configuration from them, so what is tested is what production runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
CACHE_TABLE = "fundadmin_cache"
DB_SESSIONS = "django.contrib.sessions.backends.db"
CACHED_DB_SESSIONS = "django.contrib.sessions.backends.cached_db"

# The public pages' rendered fragments ({% cache %} uses the alias "template_fragments"). Their
# keys are made of the data they show (publicity/fingerprints.py), so a copy in each worker is
# never stale, costs no round trip, and a Redis outage cannot take the public pages down with it.
# 2,000 pages of ~20 KB each is at most ~40 MB per worker; the least recently read go first.
FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fundadmin-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2_000},
}


def default_storage_from_env(environ: Mapping[str, str]) -> dict:
    """The storage for uploaded documents and notice photos: an S3-compatible bucket when
    FUNDADMIN_S3_BUCKET is set, else the filesystem under MEDIA_ROOT (one server, or a shared mount).

    Credentials are not settings: boto3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an
    instance role) from the environment itself, so they never appear in a settings dump.
    """
    bucket = environ.get("FUNDADMIN_S3_BUCKET", "").strip()
    if not bucket:
        return dict(FILESYSTEM_STORAGE)
    options: dict = {
        "bucket_name": bucket,
        # No ACL header: objects stay as private as the bucket. Files are only ever served
        # through permission-checking views, never by a bucket URL.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        # Documents are evidence (Art. 17): a name already taken gets a new name, never a
        # silent replacement (django-storages' S3 default is to overwrite).
        "file_overwrite": False,
        "location": environ.get("FUNDADMIN_S3_PREFIX", "").strip().strip("/"),
    }
    endpoint = environ.get("FUNDADMIN_S3_ENDPOINT_URL", "").strip()
    if endpoint:
        options["endpoint_url"] = endpoint
        # MinIO, Ceph and most stores on the city's own servers answer path-style requests;
        # virtual-host style would need a DNS name per bucket.
        options["addressing_style"] = environ.get("FUNDADMIN_S3_ADDRESSING_STYLE", "path")
    region = environ.get("FUNDADMIN_S3_REGION", "").strip()
    if region:
        options["region_name"] = region
    return {"BACKEND": S3_STORAGE_BACKEND, "OPTIONS": options}


def checkpoint_storage_from_env(environ: Mapping[str, str], default_dir: str) -> dict:
    """Where signed audit checkpoints are written (audit/checkpoints.py): an S3-compatible bucket
    when FUNDADMIN_CHECKPOINT_S3_BUCKET is set (turn on object lock / versioning so nothing in it
    can be overwritten or deleted), else a folder (make it append-only: ``chattr +a``).

    Files are created and never replaced: the folder's files are read-only (0444) and a name
    already taken gets another name, on the filesystem as in the bucket."""
    bucket = environ.get("FUNDADMIN_CHECKPOINT_S3_BUCKET", "").strip()
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": environ.get("FUNDADMIN_CHECKPOINT_DIR", "").strip() or default_dir,
                "file_permissions_mode": 0o444,
                "directory_permissions_mode": 0o755,
            },
        }
    options: dict = {
        "bucket_name": bucket,
        "default_acl": None,
        "file_overwrite": False,
        "location": environ.get("FUNDADMIN_CHECKPOINT_S3_PREFIX", "checkpoints").strip().strip("/"),
    }
    endpoint = (
        environ.get("FUNDADMIN_CHECKPOINT_S3_ENDPOINT_URL") or environ.get("FUNDADMIN_S3_ENDPOINT_URL", "")
    ).strip()
    if endpoint:
        options["endpoint_url"] = endpoint
        options["addressing_style"] = environ.get("FUNDADMIN_S3_ADDRESSING_STYLE", "path")
    region = (environ.get("FUNDADMIN_CHECKPOINT_S3_REGION") or environ.get("FUNDADMIN_S3_REGION", "")).strip()
    if region:
        options["region_name"] = region
    return {"BACKEND": S3_STORAGE_BACKEND, "OPTIONS": options}


def caches_from_env(environ: Mapping[str, str]) -> dict:
    """One cache that every app server shares (the publicity rate limit counts in it).

    FUNDADMIN_CACHE_URL=redis://… (or rediss://, unix://) uses Django's built-in RedisCache;
    unset or ``db`` uses Django's DatabaseCache in the one PostgreSQL (its table is created by
    ``migrate``, see fundadmin.apps). Anything per-process (locmem, file, dummy) is refused: with
    several workers it would count each worker separately. The rendered public fragments are
    the exception, per process on purpose (FRAGMENT_CACHE).
    """
    url = environ.get("FUNDADMIN_CACHE_URL", "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "fundadmin",
            },
            "template_fragments": FRAGMENT_CACHE,
        }
    if url in ("", "db", "database"):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": CACHE_TABLE,
                "KEY_PREFIX": "fundadmin",
                # The default of 300 entries would cull rate-limit counts while many addresses
                # submit at once, forgetting exactly the counts that matter.
                "OPTIONS": {"MAX_ENTRIES": 100_000},
            },
            "template_fragments": FRAGMENT_CACHE,
        }
    raise ImproperlyConfigured(
        f"FUNDADMIN_CACHE_URL={url!r}: use redis://host:6379/0 (Redis) or db (the database); "
        "a per-process cache would not be shared by the app servers."
    )


def session_engine_for(caches: Mapping[str, dict]) -> str:
    """Sessions in the database, which every server shares; read through the cache when it is
    Redis. Never cache-only sessions: a Redis restart would log everyone out."""
    if caches["default"]["BACKEND"].endswith("RedisCache"):
        return CACHED_DB_SESSIONS
    return DB_SESSIONS
