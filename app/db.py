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

from flask import current_app, g
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from . import embedded_pg
from .errors import ServiceUnavailable

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


def _pool(url, config, name, configure):
    pool = ConnectionPool(
        url,
        min_size=config.DB_POOL_MIN_SIZE,
        max_size=config.DB_POOL_MAX_SIZE,
        timeout=config.DB_POOL_TIMEOUT,
        configure=configure,
        # A restarted database heals by itself: broken connections are replaced.
        check=ConnectionPool.check_connection,
        open=False,
        name=name,
    )
    # Opening does not wait for the database, so a down database gives 503s, not a crash.
    pool.open(wait=False)
    return pool


def init_app(app, config):
    pool = config.DB_POOL
    if pool is None:
        pool = _pool(resolve_database_url(config), config, "regmap", configure_connection)
    app.extensions["regmap.pool"] = pool
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
    context = pool.connection(timeout=timeout)
    try:
        conn = context.__enter__()
    except PoolTimeout as exc:
        raise ServiceUnavailable("the database is not reachable", retry_after=5) from exc
    g.setdefault("db_contexts", []).append(context)
    return conn


def _release_connection(exc):
    g.pop("db_conn", None)
    g.pop("db_read_conn", None)
    g.pop("db_replica_conn", None)
    for context in g.pop("db_contexts", ()):
        context.__exit__(type(exc) if exc else None, exc, None)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def jsonb(document):
    """A document for a jsonb column; dates and timestamps inside are written as ISO
    strings (audit entries, proposals)."""
    return Jsonb(document, dumps=lambda obj: json.dumps(obj, default=_iso)) \
        if document is not None else None
