"""A database that stalls or dies under load, on a private PostgreSQL server (started
as the `postgres` user in a temporary directory, on a free port). Database-bound requests
answer 503 with Retry-After within the pool timeout, competence answers from memory stay fast,
nothing is half-written, and everything heals without a restart."""
import signal
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from .live import prepare, serving, wait_for
from .replication import streaming_pair

API = "/api/v1"
POOL_TIMEOUT = 2
AGS = ["03241001", "03241002", "03241003", "03241004", "03241005"]


@pytest.fixture(scope="module")
def server():
    with streaming_pair(replica=False) as server:
        with psycopg.connect(server.url("primary"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE regmap")
        server.dm = prepare(server.url("primary", "regmap"), demo=False)
        yield server


@pytest.fixture(scope="module")
def live(server, tmp_path_factory):
    url = server.url("primary", "regmap")
    with serving(url, tmp_path_factory.mktemp("faults"), 1,
                 {"DB_POOL_TIMEOUT": str(POOL_TIMEOUT), "GUNICORN_THREADS": "4"}) as base, \
            requests.Session() as dm:
        dm.headers.update(server.dm)
        assert dm.post(f"{base}{API}/evidence-types", json={
            "code": "melde-f", "title": {"de": "Meldebescheinigung"}}).status_code == 201
        assert dm.post(f"{base}{API}/organisations", json={
            "code": "land-ni-f", "name": "Land", "kind": "Meldebehörde"}).status_code == 201
        assert dm.post(f"{base}{API}/offers", json={
            "provider": "land-ni-f", "evidence_type": "melde-f", "areas": ["03"],
            "service_id": "x", "endpoint_url": "https://ni.example"}).status_code == 201
        yield {"base": base, "dm": dm, "url": url}


def lookup(base, ags):
    started = time.perf_counter()
    r = requests.get(f"{base}{API}/competence", params={"evidence_type": "melde-f", "ags": ags},
                     timeout=30)
    return r.status_code, time.perf_counter() - started


def database_bound(base):
    started = time.perf_counter()
    r = requests.get(f"{base}{API}/offers", params={"evidence_type": "melde-f"}, timeout=60)
    return r.status_code, r.headers.get("Retry-After"), time.perf_counter() - started


def under_load(base, fault, heal):
    """Ten database-bound clients and a competence client while `fault` is in effect."""
    for ags in AGS * 2:   # every answer cached in memory
        assert lookup(base, ags)[0] == 200
    stop, latencies = threading.Event(), []

    def competence():
        while not stop.is_set():
            latencies.append(lookup(base, AGS[len(latencies) % len(AGS)]))
    fault()
    try:
        reader = threading.Thread(target=competence)
        reader.start()
        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda _: database_bound(base), range(10)))
        ready = requests.get(f"{base}/readyz", timeout=30)
        time.sleep(1)
        stop.set()
        reader.join()
    finally:
        heal()
    return answers, latencies, ready


def check_fast_and_honest(answers, latencies, ready):
    assert {status for status, _, _ in answers} == {503}
    assert all(retry for _, retry, _ in answers)
    # Within the pool timeout (plus the stall probe for the first requests caught inside a
    # statement).
    assert max(seconds for _, _, seconds in answers) < POOL_TIMEOUT + 3.5
    assert {status for status, _ in latencies} == {200}
    seconds = sorted(s for _, s in latencies)
    assert len(seconds) > 50
    assert seconds[int(len(seconds) * 0.99) - 1] < 0.05, statistics.quantiles(seconds, n=100)
    assert ready.status_code == 503


def heals(live):
    healed, _ = wait_for(lambda: database_bound(live["base"])[0] == 200, 30, step=0.5)
    assert healed
    assert wait_for(lambda: requests.get(f"{live['base']}/readyz", timeout=10)
                    .status_code == 200, 10)[0]


def test_a_frozen_database(server, live):
    """The reported case: postmaster and backends stopped with SIGSTOP."""
    # A write caught by the freeze: either all of it or nothing, once the database is back.
    writing = ThreadPoolExecutor(1)

    def freeze():
        server.signal(signal.SIGSTOP)
        writing.submit(lambda: live["dm"].post(f"{live['base']}{API}/organisations", json={
            "code": "frozen-write", "name": "Eingefroren", "kind": "Amt"}, timeout=60))
    answers, latencies, ready = under_load(live["base"], freeze,
                                           lambda: server.signal(signal.SIGCONT))
    writing.shutdown(wait=True)
    check_fast_and_honest(answers, latencies, ready)
    heals(live)
    with psycopg.connect(live["url"]) as conn:
        organisations = conn.execute("SELECT count(*) FROM organisation WHERE code = "
                                     "'frozen-write'").fetchone()[0]
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE object_code = "
                               "'frozen-write'").fetchone()[0]
    assert (organisations, audited) in ((0, 0), (1, 1))


def test_a_killed_database(server, live):
    answers, latencies, ready = under_load(
        live["base"], lambda: server.stop("primary", mode="immediate"),
        lambda: server.start("primary"))
    check_fast_and_honest(answers, latencies, ready)
    heals(live)
