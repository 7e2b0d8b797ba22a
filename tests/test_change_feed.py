"""The change feed follows commit order: a reader never misses a transaction that commits
out of sequence order (which a plain `WHERE id > n` does)."""
import random
import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row

from app.access.actor import system_actor
from app.db import migrate
from app.record import audit, queries

from . import dbutil
from .catalog_helpers import API, evidence_type, offer, organisation
from .helpers import assert_problem

ACTOR = system_actor("tests")


@pytest.fixture
def committed_db(server_url):
    """A database of its own: these tests need real commits from several connections."""
    with dbutil.fresh_database(server_url) as url:
        migrate.upgrade(url)
        yield url


def connect(url):
    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def read_feed(conn, since):
    return [(r["position"], r["object_code"]) for r in queries.list_changes(conn, since=since,
                                                                           limit=1000)]


def test_a_transaction_that_commits_late_is_not_skipped(committed_db):
    with connect(committed_db) as early, connect(committed_db) as late, \
            connect(committed_db) as reader:
        with early.transaction():
            audit.record(early, ACTOR, "test.write", "tests", "early")  # lower audit id
            with audit.write_transaction(late):
                audit.record(late, ACTOR, "test.write", "tests", "late")
            # The reader polls while `early` is still open.
            seen = read_feed(reader, 0)
            naive = reader.execute("SELECT max(id) AS id FROM audit_log").fetchone()["id"]
            queries.publish_changes(early)
        assert seen == [(1, "late")]
        # Following the cursor finds `early`...
        assert read_feed(reader, seen[-1][0]) == [(2, "early")]
        # ...where the naive id cursor loses it for good.
        missed = reader.execute("SELECT object_code FROM audit_log WHERE id > %(n)s",
                                {"n": naive}).fetchall()
        assert missed == []


def test_concurrent_writers_and_a_polling_reader_lose_nothing(committed_db):
    writers, writes_each = 4, 15
    errors = []

    def write(n):
        try:
            with connect(committed_db) as conn:
                for i in range(writes_each):
                    with audit.write_transaction(conn):
                        audit.record(conn, ACTOR, "test.write", "tests", f"w{n}-{i}")
                        time.sleep(random.random() / 200)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    collected, cursor = [], 0
    with connect(committed_db) as reader:
        while any(t.is_alive() for t in threads):
            batch = read_feed(reader, cursor)
            collected += batch
            cursor = batch[-1][0] if batch else cursor
            time.sleep(0.002)
        for t in threads:
            t.join()
        collected += read_feed(reader, cursor)
    assert not errors
    positions = [p for p, _ in collected]
    assert positions == list(range(1, writers * writes_each + 1))
    assert len({code for _, code in collected}) == writers * writes_each


class TestFeedApi:
    def test_routing_follows_offers_with_payload(self, client, dm, login):
        start = client.get(f"{API}/changes", headers=dm,
                           query_string={"since": 0, "limit": 5000}).json["next_cursor"]
        evidence_type(client, dm, "melde")
        organisation(client, dm, "amt-feed")
        created = offer(client, dm, "melde", ["01"], provider="amt-feed",
                        connection_parameters={"cert": "x"})
        routing = login("routing")
        feed = client.get(f"{API}/changes", headers=routing,
                          query_string={"since": start}).json
        entries = {(e["collection"], e["object"]): e for e in feed["items"]}
        entry = entries[("offers", created["code"])]
        assert entry["action"] == "offer.create" and entry["version"] == 1
        assert entry["payload"]["connection_parameters"] == {"cert": "x"}
        assert feed["next_cursor"] == feed["items"][-1]["position"]
        tokens = [e for e in feed["items"] if e["collection"] in ("users", "tokens")]
        assert tokens and all(e["payload"] is None for e in tokens)
        again = client.get(f"{API}/changes", headers=routing,
                           query_string={"since": feed["next_cursor"]}).json
        assert again["items"] == [] and again["next_cursor"] == feed["next_cursor"]

    def test_who_may_read_the_feed(self, client, login):
        assert_problem(client.get(f"{API}/changes"), 401)
        assert_problem(client.get(f"{API}/changes", headers=login("provider_admin", "kba")), 403)
        assert client.get(f"{API}/changes", headers=login("auditor")).status_code == 200
        assert_problem(client.get(f"{API}/changes", headers=login("auditor"),
                                  query_string={"since": "-1"}), 400)


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _commit_a_change(url, name):
    with connect(url) as conn, audit.write_transaction(conn):
        audit.record(conn, ACTOR, "test.write", "tests", name)


def test_changes_arrive_by_notification_and_listening_heals(committed_db):
    from app.record.freshness import CatalogueVersion
    version = CatalogueVersion()
    poll = 0.2
    try:
        seen = version.current(None, poll, committed_db)
        assert _wait_for(lambda: version.listening, 5)
        started = time.monotonic()
        _commit_a_change(committed_db, "first")
        # While listening nothing polls (the safety read is 5 s away): the notification did it.
        assert _wait_for(lambda: version.current(None, poll, committed_db) != seen, 1)
        assert time.monotonic() - started < 1
        assert version.listening

        # The listening connection dies (as in a database restart): it polls meanwhile,
        # listens again by itself, and misses nothing.
        with connect(committed_db) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity "
                "WHERE application_name = 'regmap-change-listener' "
                "AND datname = current_database()").fetchall()
        assert [r["done"] for r in killed] == [True]
        assert _wait_for(lambda: not version.listening, 2)
        seen = version.current(None, poll, committed_db)
        _commit_a_change(committed_db, "while-reconnecting")
        assert _wait_for(lambda: version.current(None, poll, committed_db) != seen, 2)
        assert _wait_for(lambda: version.listening, 5)
        seen = version.current(None, poll, committed_db)
        _commit_a_change(committed_db, "after")
        assert _wait_for(lambda: version.current(None, poll, committed_db) != seen, 1)
    finally:
        version.stop()
