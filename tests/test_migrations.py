"""Migrations run up, down and up again on an empty database."""
import psycopg

from app.db import migrate

from . import dbutil


def tables(url):
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_up_down_up(server_url):
    with dbutil.fresh_database(server_url) as url:
        migrate.upgrade(url)
        schema = tables(url)
        assert {"area", "postcode_area", "area_succession", "former_ars"} <= schema
        migrate.downgrade(url, "base")
        assert tables(url) == {"alembic_version"}
        migrate.upgrade(url)
        assert tables(url) == schema


def test_head_is_the_last_revision():
    assert migrate.head_revision() is not None
