"""With a real streaming replica (DATABASE_REPLICA_URL): reads are served by the replica,
each process still answers its own writes at once, everyone else's within 1 s of replay, and
reads go on (and /readyz stays ready) while the primary is down; both heal without a restart.

Two `regmap serve` instances, one worker each, share the primary and the replica: `writer` makes
the changes, `reader` is "another process".
"""
import time

import psycopg
import pytest
import requests

from .live import prepare, serving, wait_for
from .replication import streaming_pair

API = "/api/v1"
AGS_HANNOVER = "03241001"


@pytest.fixture(scope="module")
def pair():
    with streaming_pair() as pair:
        with psycopg.connect(pair.url("primary"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE regmap")
        pair.dm = prepare(pair.url("primary", "regmap"), demo=False)
        yield pair


def competent(base, ags=AGS_HANNOVER):
    r = requests.get(f"{base}{API}/competence",
                     params={"evidence_type": "melde-r", "ags": ags}, timeout=5,
                     headers={"Connection": "close"})
    return r.json()["provider"]["code"] if r.status_code == 200 else r.status_code


def offer_status(base, code):
    return requests.get(f"{base}{API}/offers/{code}", timeout=5).status_code


def test_reads_come_from_the_replica_and_survive_the_primary(pair, tmp_path):
    primary, replica = pair.url("primary", "regmap"), pair.url("replica", "regmap")
    env = {"DATABASE_REPLICA_URL": replica, "DB_POOL_TIMEOUT": "2"}
    with serving(primary, tmp_path / "writer", 1, env) as writer, \
            serving(primary, tmp_path / "reader", 1, env) as reader, \
            requests.Session() as dm:
        dm.headers.update(pair.dm)
        assert requests.get(f"{reader}/readyz", timeout=5).json()["reads_from"] == "replica"
        assert dm.post(f"{writer}{API}/evidence-types", json={
            "code": "melde-r", "title": {"de": "Meldebescheinigung"}}).status_code == 201
        for code in ("land-ni-r", "hannover-r"):
            assert dm.post(f"{writer}{API}/organisations", json={
                "code": code, "name": code, "kind": "Meldebehörde"}).status_code == 201
        land = dm.post(f"{writer}{API}/offers", json={
            "provider": "land-ni-r", "evidence_type": "melde-r", "areas": ["03"],
            "service_id": "x", "endpoint_url": "https://ni.example"})
        assert land.status_code == 201
        assert wait_for(lambda: competent(reader) == "land-ni-r", 2)[0]

        # Replay paused: the writer answers its own write (from the primary), the reader
        # does not see it: it reads the replica.
        pair.replica_sql("SELECT pg_wal_replay_pause()")
        created = dm.post(f"{writer}{API}/offers", json={
            "provider": "hannover-r", "evidence_type": "melde-r", "areas": [AGS_HANNOVER],
            "service_id": "y", "endpoint_url": "https://hannover.example"})
        assert created.status_code == 201
        code = created.json()["code"]
        assert competent(writer) == "hannover-r"
        assert offer_status(writer, code) == 200
        time.sleep(1.5)
        assert competent(reader) == "land-ni-r"
        assert offer_status(reader, code) == 404

        # Replay resumes: the reader answers within 1 s.
        pair.replica_sql("SELECT pg_wal_replay_resume()")
        resumed = time.monotonic()
        seen, _ = wait_for(lambda: competent(reader) == "hannover-r", 3)
        assert seen and time.monotonic() - resumed < 1.0
        assert offer_status(reader, code) == 200

        # The primary goes down: reads go on from the replica, both instances stay ready and
        # say that writes are unavailable; a write answers 503 with Retry-After.
        pair.stop("primary")
        for base in (writer, reader):
            assert competent(base) == "hannover-r"
            assert competent(base, "03241002") == "land-ni-r"   # not answered before
            listed = requests.get(f"{base}{API}/offers", params={"evidence_type": "melde-r"},
                                  timeout=10)
            assert listed.status_code == 200 and listed.json()["total"] == 2
            ready = requests.get(f"{base}/readyz", timeout=10)
            assert ready.status_code == 200, ready.text
            assert ready.json()["writes"] == "unavailable"
            assert ready.json()["reads_from"] == "replica"
        refused = dm.post(f"{writer}{API}/organisations", json={
            "code": "late-r", "name": "late", "kind": "Meldebehörde"}, timeout=15)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        metrics = requests.get(f"{writer}/metrics", timeout=5).text
        assert "regmap_primary_available 0.0" in metrics

        # The primary is back: writes heal by themselves, and the reader follows again.
        pair.start("primary")
        healed, _ = wait_for(lambda: dm.post(f"{writer}{API}/offers", json={
            "provider": "land-ni-r", "evidence_type": "melde-r", "areas": ["03241003"],
            "service_id": "z", "endpoint_url": "https://ni.example/z"},
            timeout=15).status_code == 201, 30, step=0.5)
        assert healed
        assert wait_for(lambda: requests.get(f"{writer}/readyz", timeout=10)
                        .json()["writes"] == "ok", 10)[0]
        assert wait_for(lambda: requests.get(f"{reader}{API}/offers", params={
            "evidence_type": "melde-r"}, timeout=5).json()["total"] == 3, 5)[0]
