"""A real PostgreSQL for every test: migrations run once per session, the reference data is
seeded once, and every test runs inside a transaction that is rolled back afterwards."""
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from app import create_app
from app.access.actor import system_actor
from app.areas.seed import seed_areas
from app.config import REPO_ROOT
from app.db import migrate
from app.governance.users import ensure_user_with_role, issue_token

from . import dbutil

SEED_DIR = REPO_ROOT / "catalog_seed"


@pytest.fixture(scope="session")
def server_url():
    return dbutil.server_url()


@pytest.fixture(scope="session")
def database_url(server_url):
    """A database of this session's own, migrated to head and seeded with reference data."""
    with dbutil.fresh_database(server_url) as url:
        migrate.upgrade(url)
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            seed_areas(conn, SEED_DIR)
            dbutil.seed_catalogue(conn, SEED_DIR)
        yield url


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as connection:
        with connection.transaction(force_rollback=True):
            yield connection


@pytest.fixture(scope="session")
def demo_database(server_url):
    """A database of its own with what ./scripts/serve.sh loads, through the same commands:
    migrated, and seeded with the demo catalogue (committed: the tests using it only read).
    Seeding the demo takes about a minute, so the tests that need it share this one."""
    with dbutil.fresh_database(server_url) as url:
        regmap = str(Path(sys.executable).parent / "regmap")
        env = {**os.environ, "DATABASE_URL": url}
        for command in (["db", "upgrade"], ["seed", "--demo"]):
            done = subprocess.run([regmap, *command], env=env, cwd=REPO_ROOT,
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr
        yield url


@pytest.fixture(scope="session")
def test_pool():
    return dbutil.SingleConnectionPool(None)


@pytest.fixture(scope="session")
def session_app(database_url, test_pool):
    # Building the app costs ~0.1 s; one for the whole session, handed each test's connection.
    # Caches and the search index check the database on every request (no poll thread):
    # each test sees its own uncommitted writes at once.
    return create_app(app_config(database_url, test_pool))


def app_config(database_url, test_pool, **overrides):
    """The settings of the tests' apps (tests that need other limits or keys build their own
    app from these, on the same single connection)."""
    return {"DATABASE_URL": database_url, "DB_POOL": test_pool, "CACHE_POLL_SECONDS": 0,
            "SEARCH_PROCESS": False, "CHECK_LOG_FLUSH_SECONDS": 0,
            # Limits have tests of their own (test_ratelimit.py).
            "RATE_LIMIT_PER_TOKEN": "1000000/second",
            "RATE_LIMIT_PER_ADDRESS": "1000000/second", "RATE_LIMIT_BY_ROLE": "",
            **overrides}


@pytest.fixture
def app(session_app, test_pool, conn, tmp_path):
    test_pool.conn = conn
    # The search index is state outside the database: one per test, built on first use.
    session_app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "search")
    yield session_app
    test_pool.conn = None


@pytest.fixture
def client(app):
    return app.test_client()



@pytest.fixture
def login(conn):
    """login(role, org=None, email=None) -> request headers with a fresh bearer token."""
    made = {}

    def make(role, org=None, email=None):
        email = email or f"{role}.{org or 'fks'}@test.example"
        if email not in made:
            user = ensure_user_with_role(conn, system_actor("tests"), email=email, role=role,
                                         organisation_code=org)
            made[email] = issue_token(conn, system_actor("tests"), user)["token"]
        return {"Authorization": f"Bearer {made[email]}"}
    return make


@pytest.fixture
def dm(login):
    return login("data_manager")


@pytest.fixture
def nothing_written(conn):
    """Use as `with nothing_written(): ...` around a request that must change nothing."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = _fingerprint(conn)
        yield
        assert _fingerprint(conn) == before, "a denied or failed request wrote something"
    return check


def _fingerprint(conn):
    return conn.execute("""
        SELECT (SELECT count(*) FROM audit_log) AS audit,
               (SELECT count(*) FROM organisation) AS organisations,
               (SELECT coalesce(sum(version), 0) FROM organisation) AS organisation_versions,
               (SELECT count(*) FROM offer) AS offers,
               (SELECT coalesce(sum(version), 0) FROM offer) AS offer_versions,
               (SELECT count(*) FROM evidence_type) AS evidence_types,
               (SELECT count(*) FROM service) AS services,
               (SELECT count(*) FROM permission) AS permissions,
               (SELECT count(*) FROM app_user) AS users,
               (SELECT count(*) FROM api_token) AS tokens,
               (SELECT count(*) FROM registration) AS registrations,
               (SELECT count(*) FROM proposal) AS proposals
    """).fetchone()


# --- browser tests (tests/e2e): header, loud skip, summary ---------------------------------

def pytest_report_header(config):
    from .e2e import browser
    return browser.report_header()


def pytest_collection_modifyitems(items):
    from .e2e import browser
    browser.skip_unless_available(items)


def pytest_terminal_summary(terminalreporter):
    from .e2e import browser
    browser.terminal_summary(terminalreporter)
