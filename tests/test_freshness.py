"""Against multi-worker `regmap serve`: a committed catalogue change is answered by the worker that
made it at once, and by every worker within 1 s."""
import time

import psycopg
import requests

from . import dbutil
from .live import live_server, prepare, serving, wait_for

API = "/api/v1"


def provider(base, session=None):
    getter = session.get if session else requests.get  # no session: a fresh connection
    r = getter(f"{base}{API}/competence", params={"evidence_type": "melde", "ags": "03241001"},
               timeout=5, headers={"Connection": "close"} if session is None else None)
    return r.json()["provider"]["code"] if r.status_code == 200 else r.status_code


def land_level_offer(writer, base):
    """Evidence type `melde`, providers land-ni and hannover, and land-ni's offer for the
    whole of Niedersachsen (03)."""
    assert writer.post(f"{base}{API}/evidence-types", json={
        "code": "melde", "title": {"de": "Meldebescheinigung"}}).status_code == 201
    for code in ("land-ni", "hannover"):
        assert writer.post(f"{base}{API}/organisations", json={
            "code": code, "name": code, "kind": "Meldebehörde"}).status_code == 201
    assert writer.post(f"{base}{API}/offers", json={
        "provider": "land-ni", "evidence_type": "melde", "areas": ["03"],
        "service_id": "x", "endpoint_url": "https://ni.example"}).status_code == 201


def test_every_worker_answers_a_change_within_a_second(server_url, tmp_path):
    with live_server(server_url, tmp_path, workers=3) as live:
        base, dm = live["base"], live["dm"]
        with requests.Session() as writer:
            writer.headers.update(dm)
            land_level_offer(writer, base)
            time.sleep(1.0)
            # Every worker has cached the Land-level answer.
            assert {provider(base) for _ in range(30)} == {"land-ni"}

            created = writer.post(f"{base}{API}/offers", json={
                "provider": "hannover", "evidence_type": "melde", "areas": ["03241001"],
                "service_id": "y", "endpoint_url": "https://hannover.example"})
            committed = time.monotonic()
            assert created.status_code == 201
            # The same keep-alive connection reaches the same worker: it knows at once.
            assert provider(base, writer) == "hannover"

        answers = []
        while time.monotonic() - committed < 1.0:
            answers.append((time.monotonic() - committed, provider(base)))
        late = [(t, p) for t, p in answers if p != "hannover"]
        assert all(t < 1.0 for t, _ in late)
        assert {provider(base) for _ in range(30)} == {"hannover"}
        # Several workers answered (each keeps its own metrics file).
        assert len(list(live["metrics"].glob("counter_*.db"))) >= 2


def found(base, q):
    r = requests.get(f"{base}{API}/search", params={"q": q}, timeout=5,
                     headers={"Connection": "close"})
    return r.status_code, [hit["code"] for hit in r.json().get("items", [])] \
        if r.status_code == 200 else []


def test_a_change_is_findable_in_every_worker_within_a_second(server_url, tmp_path):
    with live_server(server_url, tmp_path, workers=3) as live:
        base, dm = live["base"], live["dm"]
        # The index is built by one worker's follower; until then searches answer 503.
        deadline = time.monotonic() + 60
        while True:
            statuses = {found(base, "Fahrzeugregister")[0] for _ in range(10)}
            if statuses == {200}:
                break
            assert statuses <= {200, 503}
            assert time.monotonic() < deadline, "the search index was never built"
            time.sleep(0.2)
        assert found(base, "Kreisverwaltung Nordfriesland")[1] == []

        created = requests.post(f"{base}{API}/organisations", headers=dm, json={
            "code": "kreis-nf", "name": "Kreisverwaltung Nordfriesland", "kind": "Kreis"})
        committed = time.monotonic()
        assert created.status_code == 201
        time.sleep(max(0.0, 1.0 - (time.monotonic() - committed)))
        results = [found(base, "Kreisverwaltung Nordfriesland") for _ in range(30)]
        assert all(status == 200 and codes[:1] == ["kreis-nf"] for status, codes in results)


def test_two_instances_answer_each_others_writes_within_a_second(server_url, tmp_path):
    """Two `regmap serve` instances on one database, each with its own VAR_DIR (own search
    index): a write through one is answered by the other within 1 s."""
    with dbutil.fresh_database(server_url) as url:
        dm = prepare(url, demo=False)
        with serving(url, tmp_path / "one", 2) as one, serving(url, tmp_path / "two", 2) as two, \
                requests.Session() as writer:
            writer.headers.update(dm)
            assert wait_for(lambda: found(two, "Meldebehörde")[0] == 200, 60)[0], \
                "the second instance never built its search index"
            land_level_offer(writer, one)
            assert wait_for(lambda: provider(two) == "land-ni", 2)[0]

            created = writer.post(f"{one}{API}/offers", json={
                "provider": "hannover", "evidence_type": "melde", "areas": ["03241001"],
                "service_id": "y", "endpoint_url": "https://hannover.example"})
            assert created.status_code == 201
            answered, after = wait_for(lambda: provider(two) == "hannover", 3)
            assert answered and after < 1.0

            assert found(two, "Kreisverwaltung Nordfriesland")[1] == []
            assert writer.post(f"{one}{API}/organisations", json={
                "code": "kreis-nf", "name": "Kreisverwaltung Nordfriesland",
                "kind": "Kreis"}).status_code == 201
            seen = []  # what the other instance answered, for the message of a failure

            def findable_there():
                seen.append(found(two, "Kreisverwaltung Nordfriesland"))
                return seen[-1][1][:1] == ["kreis-nf"]

            findable, after = wait_for(findable_there, 3)
            assert findable and after < 1.0, f"after {after:.2f} s: {seen[-3:]}"


KFZ = "fahrzeugdaten-zb1"  # shipped by the plain seed


def test_every_worker_decides_a_permission_change_within_a_second_and_logs_every_check(
        server_url, tmp_path):
    """The permission check is answered in front of Flask from each worker's permission
    index: a change reaches every worker within 1 s, and every check answered (buffered in
    the check log) is in the log after a graceful stop."""
    asked = 0
    with dbutil.fresh_database(server_url) as url:
        dm = prepare(url)
        with serving(url, tmp_path, workers=3) as base, requests.Session() as writer:
            writer.headers.update(dm)
            for collection, body in (
                    ("organisations", {"code": "parkamt", "name": "Parkamt",
                                       "kind": "Straßenverkehrsbehörde"}),
                    ("services", {"code": "parken", "name": {"de": "Parken"}})):
                assert writer.post(f"{base}{API}/{collection}", json=body).status_code == 201
            created = writer.post(f"{base}{API}/permissions", json={
                "consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
                "provider": "kba", "legal_basis": "§ 45 Abs. 1b StVO",
                "may_use_identification_number": False})
            assert created.status_code == 201
            code = created.json()["code"]

            def allowed():
                nonlocal asked
                r = requests.get(f"{base}{API}/permissions/check", params={
                    "consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
                    "provider": "kba"}, headers={**dm, "Connection": "close"}, timeout=5)
                assert r.status_code == 200, r.text
                asked += 1
                return r.json()["allowed"]
            time.sleep(1.0)
            assert {allowed() for _ in range(30)} == {True}
            etag = writer.get(f"{base}{API}/permissions/{code}").headers["ETag"]
            assert writer.patch(f"{base}{API}/permissions/{code}", json={
                "valid_to": "2026-01-01"}, headers={"If-Match": etag}).status_code == 200
            committed = time.monotonic()
            _, took = wait_for(lambda: not any(allowed() for _ in range(10)), 2.0)
            assert took < 1.0
            time.sleep(max(0.0, 1.0 - (time.monotonic() - committed)))
            assert {allowed() for _ in range(30)} == {False}
        with psycopg.connect(url) as conn:
            logged = conn.execute("SELECT count(*) FROM permission_check "
                                  "WHERE consumer = 'parkamt'").fetchone()[0]
    assert logged == asked
