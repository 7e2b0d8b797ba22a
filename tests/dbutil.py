"""Test databases: each test session creates its own and touches nothing else."""
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from app.db import embedded_pg

ROOT = Path(__file__).resolve().parent.parent


def server_url():
    """TEST_DATABASE_URL (a server, any database on it), else the embedded server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return embedded_pg.start(ROOT / "var" / "test-pgdata", database="postgres",
                             stop_at_exit=True)


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_database(url, prefix="regmap_test"):
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url):
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@contextmanager
def fresh_database(server):
    url = create_database(server)
    try:
        yield url
    finally:
        drop_database(url)


class SingleConnectionPool:
    """Stands in for psycopg_pool.ConnectionPool: every request of the app gets the test's
    connection, whose outer transaction is rolled back after the test."""

    def __init__(self, conn):
        self.conn = conn

    @contextmanager
    def connection(self, timeout=None):
        yield self.conn

    def close(self):
        pass


def seed_catalogue(conn, seed_dir):
    """`regmap seed`'s catalogue step outside a running service: inside an application
    context with the default settings (evidence type URIs come from PUBLIC_BASE_URL)."""
    from flask import Flask

    from app.access.actor import system_actor
    from app.catalog.seed import seed_catalog
    from app.config import Config
    from app.onboarding.seed import seed_onboarding

    app = Flask("seed")
    app.config.from_mapping(vars(Config()))
    with app.app_context():
        actor = system_actor("tests")
        return {**seed_catalog(conn, seed_dir, actor), **seed_onboarding(conn, seed_dir, actor)}
