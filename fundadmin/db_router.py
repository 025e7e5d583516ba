"""Reads from a PostgreSQL streaming replica, for the views that say so (docs/scaling.md, "A read
replica"). Without ``DATABASES["replica"]`` (``REPLICA_DATABASE_URL`` unset) everything runs on the
primary, as before.

**Chosen by view, not by model.** The same model is read by a resident's board and by the
service that is about to change it; routing ``Notice`` to the replica would send a service's
check-then-write to a copy that may be behind. A view wrapped in ``@read_from_replica`` is a
promise made where one can read it: this page (the public board, an open-data file, a report)
only reads, and may show the data as it was a moment ago. Everything else is on the primary.

Even inside such a view a read goes to the primary when

- the primary is inside a transaction (a service's ``atomic`` block: what it reads decides what
  it writes, and a transition reads under its row lock);
- this request has already written something (it reads its own writes);
- this browser wrote within the last ``REPLICA_MAX_LAG_SECONDS`` (the cookie set by
  ``ReplicaPinMiddleware`` after any POST): the page after "posted" shows what was posted;
- the model says who is asking or what runs (sessions, users, roles and object permissions, the
  cache table, the task queue, background exports, messages): a revoked role or a fresh login must
  not wait for the replay;
- the replica is unreachable, or more than ``REPLICA_MAX_LAG_SECONDS`` behind the primary
  (measured at most every ``REPLICA_CHECK_SECONDS`` per process; when in doubt, the primary).

And a page the replica answers with "not found" is asked again of the primary: the notice may be
one posted a moment ago that the replica has not replayed yet.

Writes always go to the primary; the replica is never migrated (it replays the primary's WAL).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import Http404, StreamingHttpResponse

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "fundadmin_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Who is asking and what runs in the background: always read where it was written.
PRIMARY_ONLY_APPS = frozenset(
    {
        "auth",
        "admin",
        "contenttypes",
        "sessions",
        "guardian",
        "axes",
        "django_cache",
        "django_tasks_db",
        "exports",
        "notifications",
    }
)
PRIMARY_ONLY_MODELS = frozenset(
    {
        "fundadmin.user",
        "fundadmin.roleassignment",
        "fundadmin.jobrun",
        "audit.audithead",
    }
)

log = logging.getLogger(__name__)


@dataclasses.dataclass
class _Scope:
    """One request of a replica-reading view (and the streaming of its body)."""

    wrote: bool = False
    replica_answered: bool = False  # some read of this request went to the replica


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("fundadmin_replica_scope", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def max_lag_seconds() -> float:
    return float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 30))


# -- is the replica fit to answer? -----------------------------------------------------------------


@dataclasses.dataclass
class _Health:
    usable: bool = False
    lag_seconds: float | None = None
    checked_at: float = float("-inf")


_health = _Health()
_health_lock = threading.Lock()

# Both statements carry this comment, so a query log tells them from a page's reads.
HEALTH_CHECK = "/* fundadmin replica health */"
_PRIMARY_LSN_SQL = f"{HEALTH_CHECK} SELECT pg_current_wal_lsn()::text"
_REPLICA_LAG_SQL = (
    f"{HEALTH_CHECK} SELECT pg_is_in_recovery(),"
    " CASE WHEN %s::pg_lsn IS NULL OR pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9) END"
)


def replica_lag_seconds() -> float | None:
    """How far behind the primary the replica is, in seconds: 0 when it has replayed everything the
    primary had written when asked, else the age of the newest transaction it has replayed. None
    when the replica cannot be reached. Without the primary (down) the replica's word is taken."""
    primary_lsn = None
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute(_PRIMARY_LSN_SQL)
            primary_lsn = cursor.fetchone()[0]
    except DatabaseError:
        connections[PRIMARY].close()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_REPLICA_LAG_SQL, [primary_lsn, primary_lsn])
            in_recovery, lag = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close()
        return None
    if not in_recovery:
        # A replica promoted to primary is a different database now: never read it as a copy.
        return None
    return float(lag)


def replica_usable() -> bool:
    """Reachable and at most REPLICA_MAX_LAG_SECONDS behind, as last measured (per process)."""
    if connections[REPLICA].vendor != "postgresql":
        return True  # only PostgreSQL replicas report their lag; a test mirror is always current
    interval = float(getattr(settings, "REPLICA_CHECK_SECONDS", 5))
    now = time.monotonic()
    if now - _health.checked_at < interval:
        return _health.usable
    with _health_lock:
        if now - _health.checked_at < interval:
            return _health.usable
        lag = replica_lag_seconds()
        usable = lag is not None and lag <= max_lag_seconds()
        if usable != _health.usable:
            log.warning("replica %s (lag %s s)", "in use" if usable else "not used", lag)
        _health.usable, _health.lag_seconds, _health.checked_at = usable, lag, time.monotonic()
    return usable


def reset() -> None:
    """Forget the last health check (tests; a deploy that changes the replica)."""
    _health.usable, _health.lag_seconds, _health.checked_at = False, None, float("-inf")


# -- the router --------------------------------------------------------------------------------------


def _primary_only(model) -> bool:
    meta = model._meta
    return meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS


class ReplicaRouter:
    """DATABASE_ROUTERS entry. Returning None leaves Django's default: the primary, or the database
    the related object came from."""

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or scope.wrote or not replica_configured() or _primary_only(model):
            return None
        if connections[PRIMARY].in_atomic_block or not replica_usable():
            return PRIMARY
        scope.replica_answered = True
        return REPLICA

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read from one may point to one read
        # from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


# -- the views' side ---------------------------------------------------------------------------------


def _streamed_in(scope: _Scope, chunks):
    """A streamed body is produced after the view has returned: each chunk is read in the view's
    scope, which is never left set between chunks (the worker serves other requests)."""
    iterator = iter(chunks)
    while True:
        token = _scope.set(scope)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _scope.reset(token)
        yield chunk


@contextlib.contextmanager
def replica_reads():
    """Reads in this block may be answered by the replica (the rules above still apply): for a
    report or an export made outside a view. Nothing written here is read from the replica."""
    scope = _Scope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def read_from_replica(view):
    """This view only reads and may show data a moment old: its queries (and those of its
    streamed body) may be answered by the replica. See the module's docstring for when they are
    not."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not replica_configured() or request.COOKIES.get(PIN_COOKIE):
            return view(request, *args, **kwargs)
        try:
            with replica_reads() as scope:
                response = view(request, *args, **kwargs)
        except Http404:
            if not scope.replica_answered:
                raise  # the primary said so already
            # Not there yet, or not at all? A notice posted a moment ago and reached from its QR
            # code may not be replayed yet: only the primary can say it does not exist.
            return view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _streamed_in(scope, response.streaming_content)
        return response

    wrapped.reads_from_replica = True
    return wrapped


class ReplicaPinMiddleware:
    """After a request that may have written (anything but GET/HEAD), this browser reads from the
    primary for REPLICA_MAX_LAG_SECONDS: the page it is sent to next shows what it just did, however
    far behind the replica is allowed to be."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and replica_configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=max(1, round(max_lag_seconds())),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
