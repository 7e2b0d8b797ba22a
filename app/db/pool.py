"""Database access: the connection pools, one connection per request, the database URLs.

The pools are created inside create_app, so they are never shared across a gunicorn fork.
Pool connections run in autocommit; every write opens `with conn.transaction():` so a
failure leaves nothing half-written.

`get_conn()` is the primary: writes, sign-in and every read of a writing request.
`replica_conn()` is the streaming replica (DATABASE_REPLICA_URL), when one is configured;
which of the two a read-only request reads through is record/replica.py's rule.
"""
import json
import logging
import time

from flask import current_app, g
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from ..http.errors import ServiceUnavailable
from . import embedded_pg
from .lanes import Lane
from .stall import StallGuard

log = logging.getLogger(__name__)


def resolve_database_url(config):
    """The configured DATABASE_URL, or the URL of the embedded server (started if needed)."""
    if config.DATABASE_URL:
        return config.DATABASE_URL
    url = embedded_pg.start(f"{config.VAR_DIR}/pgdata")
    config.DATABASE_URL = url
    return url


def read_database_url(config):
    """Where background readers (index rebuilds, the search follower, the change follower's
    version reads) read: the replica when one is configured."""
    return config["DATABASE_REPLICA_URL"] or config["DATABASE_URL"]


def sqlalchemy_url(libpq_url):
    """The same server as an SQLAlchemy URL (alembic needs the psycopg 3 dialect name)."""
    scheme, rest = libpq_url.split("://", 1)
    if scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    return "postgresql+psycopg://" + rest


# A replica that does not hand out a connection this fast is skipped for the primary.
REPLICA_WAIT_SECONDS = 1.0


def configure_connection(conn):
    conn.autocommit = True
    conn.row_factory = dict_row


def configure_replica_connection(conn):
    configure_connection(conn)
    conn.regmap_replica = True  # caches that follow the feed check how far it has replayed


def connection_settings(config):
    """libpq settings of every pooled connection: a bounded connect, keepalives (a dead peer
    is noticed), and server-side bounds on a statement and on an idle transaction."""
    options = f"-c idle_in_transaction_session_timeout={config.DB_IDLE_IN_TRANSACTION_TIMEOUT}s"
    if config.DB_STATEMENT_TIMEOUT:
        options += f" -c statement_timeout={config.DB_STATEMENT_TIMEOUT}s"
    return {"connect_timeout": max(2, config.DB_POOL_TIMEOUT), "keepalives": 1,
            "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
            "options": options}


def _pool(url, config, name, configure):
    guard = StallGuard(url, name)

    def check(conn):
        # Watched while checked: the check itself would hang on a frozen database.
        guard.watch(conn)
        try:
            ConnectionPool.check_connection(conn)
        finally:
            guard.release(conn)

    pool = ConnectionPool(
        url,
        kwargs=connection_settings(config),
        min_size=config.DB_POOL_MIN_SIZE,
        max_size=config.DB_POOL_MAX_SIZE,
        timeout=config.DB_POOL_TIMEOUT,
        configure=configure,
        # A restarted database heals by itself: broken connections are replaced.
        check=check,
        open=False,
        name=name,
    )
    pool.regmap_guard = guard
    # Opening does not wait for the database, so a down database gives 503s, not a crash.
    pool.open(wait=False)
    return pool


def init_app(app, config):
    pool = config.DB_POOL
    if pool is None:
        pool = _pool(resolve_database_url(config), config, "regmap", configure_connection)
    app.extensions["regmap.pool"] = pool
    app.extensions["regmap.db_lane"] = Lane("database", config.DB_CONCURRENCY or max(
        1, config.GUNICORN_THREADS - 1))
    app.extensions["regmap.replica_pool"] = _pool(
        config.DATABASE_REPLICA_URL, config, "regmap-replica",
        configure_replica_connection) if config.DATABASE_REPLICA_URL else None
    app.teardown_appcontext(_release_connection)


def get_conn(timeout=None):
    """The request's primary connection, taken from the pool on first use (waiting up to
    `timeout` seconds, default DB_POOL_TIMEOUT; then ServiceUnavailable)."""
    if "db_conn" not in g:
        g.db_conn = _take(current_app.extensions["regmap.pool"], timeout)
    return g.db_conn


def replica_conn(timeout=REPLICA_WAIT_SECONDS):
    """The request's replica connection (None without a replica); ServiceUnavailable when the
    replica does not answer."""
    replica_pool = current_app.extensions["regmap.replica_pool"]
    if replica_pool is None:
        return None
    if "db_replica_conn" not in g:
        g.db_replica_conn = _take(replica_pool, timeout)
    return g.db_replica_conn


def _take(pool, timeout):
    guard = getattr(pool, "regmap_guard", None)
    if guard is not None and guard.stalled:
        raise ServiceUnavailable("the database does not answer", retry_after=5)
    _admit(guard)
    context = pool.connection(timeout=timeout)
    token = object()
    if guard is not None:
        guard.waiting(token)
    try:
        conn = context.__enter__()
    except PoolTimeout as exc:
        if guard is not None:
            guard.unreachable()
        raise ServiceUnavailable("the database is not reachable", retry_after=5) from exc
    finally:
        if guard is not None:
            guard.done_waiting(token)
    if guard is not None:
        guard.watch(conn)
    g.setdefault("db_contexts", []).append((context, guard, conn))
    return conn


def _admit(guard):
    """One slot of the database lane per request that uses the database: at most
    DB_CONCURRENCY threads of a process wait on it, so the rest stay free for answers from
    memory. A request waits for a slot while the database is healthy and is refused at once
    (503) while it is suspect (stall.py)."""
    if g.get("db_admitted"):
        return
    lane = current_app.extensions["regmap.db_lane"]
    deadline = time.monotonic() + current_app.config["DB_POOL_TIMEOUT"]
    while not lane.acquire(timeout=0.05):
        if (guard is not None and (guard.suspect or guard.stalled)) or \
                time.monotonic() > deadline:
            raise ServiceUnavailable("too many requests wait for the database",
                                     retry_after=5)
    g.db_admitted = True


def _release_connection(exc):
    if g.pop("db_admitted", False):
        current_app.extensions["regmap.db_lane"].release()
    g.pop("db_conn", None)
    g.pop("db_read_conn", None)
    g.pop("db_replica_conn", None)
    for context, guard, conn in g.pop("db_contexts", ()):
        if guard is not None:
            guard.release(conn)
        context.__exit__(type(exc) if exc else None, exc, None)


def contains_pattern(text):
    """A LIKE pattern for "contains `text`": the caller's % and _ are plain characters
    (`name=%` must not match everything). Used with LIKE's default escape, the backslash."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def starts_pattern(text):
    """A LIKE pattern for "starts with `text`" (plain % and _, as contains_pattern)."""
    return contains_pattern(text)[1:]


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def jsonb(document):
    """A document for a jsonb column; dates and timestamps inside are written as ISO
    strings (audit entries, proposals)."""
    return Jsonb(document, dumps=lambda obj: json.dumps(obj, default=_iso)) \
        if document is not None else None
