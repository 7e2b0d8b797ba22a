"""Database access: the connection pool, one connection per request, the database URL.

The pool is created inside create_app, so it is never shared across a gunicorn fork.
Pool connections run in autocommit; every write opens `with conn.transaction():` so a
failure leaves nothing half-written.
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


def sqlalchemy_url(libpq_url):
    """The same server as an SQLAlchemy URL (alembic needs the psycopg 3 dialect name)."""
    scheme, rest = libpq_url.split("://", 1)
    if scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    return "postgresql+psycopg://" + rest


def configure_connection(conn):
    conn.autocommit = True
    conn.row_factory = dict_row


def init_app(app, config):
    pool = config.DB_POOL
    if pool is None:
        pool = ConnectionPool(
            resolve_database_url(config),
            min_size=config.DB_POOL_MIN_SIZE,
            max_size=config.DB_POOL_MAX_SIZE,
            timeout=config.DB_POOL_TIMEOUT,
            configure=configure_connection,
            # A restarted database heals by itself: broken connections are replaced.
            check=ConnectionPool.check_connection,
            open=False,
            name="regmap",
        )
        # Opening does not wait for the database, so a down database gives 503s, not a crash.
        pool.open(wait=False)
    app.extensions["regmap.pool"] = pool
    app.teardown_appcontext(_release_connection)


def get_conn():
    """The request's connection, taken from the pool on first use."""
    if "db_conn" not in g:
        context = current_app.extensions["regmap.pool"].connection()
        try:
            g.db_conn = context.__enter__()
        except PoolTimeout as exc:
            raise ServiceUnavailable("the database is not reachable", retry_after=5) from exc
        g.db_conn_context = context
    return g.db_conn


def _release_connection(exc):
    context = g.pop("db_conn_context", None)
    g.pop("db_conn", None)
    if context is not None:
        context.__exit__(type(exc) if exc else None, exc, None)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def jsonb(document):
    """A document for a jsonb column; dates and timestamps inside are written as ISO
    strings (audit entries, proposals)."""
    return Jsonb(document, dumps=lambda obj: json.dumps(obj, default=_iso)) \
        if document is not None else None
