"""A real PostgreSQL for every test: migrations run once per session, the reference data is
seeded once, and every test runs inside a transaction that is rolled back afterwards."""
import psycopg
import pytest
from psycopg.rows import dict_row

from app import create_app, migrate
from app.areas.seed import seed_areas
from app.config import REPO_ROOT

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
        yield url


@pytest.fixture
def conn(database_url):
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as connection:
        with connection.transaction(force_rollback=True):
            yield connection


@pytest.fixture
def app(conn, database_url):
    return create_app({"DATABASE_URL": database_url,
                       "DB_POOL": dbutil.SingleConnectionPool(conn)})


@pytest.fixture
def client(app):
    return app.test_client()

