"""Search as data managers and registration forms use it: German words as people type them."""
import os
import shutil
import signal
import threading
import time

import pytest

from app import create_app
from app.config import REPO_ROOT
from app.search import engine, process

from . import dbutil
from .catalog_helpers import API, create, offer, organisation
from .helpers import assert_problem


def search(client, q, headers=None, **params):
    r = client.get(f"{API}/search", query_string={"q": q, **params}, headers=headers or {})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def codes(result):
    return [hit["code"] for hit in result["items"]]


@pytest.fixture
def catalogue(client, dm):
    # The evidence type meldebescheinigung is one the plain seed ships.
    create(client, dm, "services", {"leistungsschluessel": "99115005104000",
                                    "name": {"de": "Wohnsitz Anmeldung"}})
    organisation(client, dm, "amt-suedtondern", name="Amt Südtondern", kind="Amt",
                 seat_ags="01054018")
    offer(client, dm, "meldebescheinigung", ["010545489"], provider="amt-suedtondern")
    return dm


@pytest.mark.parametrize("typed, expected", [
    ("Handwerksrollen", "idnrg-19"),                  # inflection (stemming)
    ("Auslaenderzentralregister", "idnrg-3"),         # umlaut typed as ae
    ("AUSLÄNDERZENTRALREGISTER", "idnrg-3"),          # case
    ("Fahrzeug", "idnrg-15"),                         # compound part
    ("Fahrzeugregistr", "idnrg-15"),                  # typo
    ("Personenstandsregistr", "idnrg-2"),             # typo, inflected original
    ("Waffenreg", "idnrg-28"),                        # prefix (type-ahead)
])
def test_registers_are_found_by_the_words_people_type(client, typed, expected):
    assert expected in codes(search(client, typed, type="register"))


@pytest.mark.parametrize("typed", ["Bescheinigung", "Meldebescheingung", "meldebesch",
                                   "Melde bescheinigung"])
def test_evidence_type_by_part_typo_and_prefix(client, catalogue, typed):
    assert "meldebescheinigung" in codes(search(client, typed, type="evidence-type"))


@pytest.mark.parametrize("key, first", [
    ("99115005104000", "99115005104000"),   # Leistungsschlüssel
    ("15", "idnrg-15"),                     # IDNrG number
    ("kba", "kba"),                         # organisation code
])
def test_exact_codes_rank_first(client, catalogue, key, first):
    assert codes(search(client, key))[0] == first


def test_an_ags_finds_the_offers_for_that_area(client, catalogue):
    result = search(client, "010545489", type="offer")
    assert result["items"][0]["title"] == "Meldebescheinigung – Amt Südtondern"


def test_facets_snippets_and_paging(client, catalogue):
    result = search(client, "register", page_size=5)
    assert result["total"] > 5 and len(result["items"]) == 5
    assert result["facets"]["type"]["register"] >= 20
    assert sum(result["facets"]["status"].values()) == result["total"]
    assert "<mark>" in result["items"][0]["snippet"]
    second = search(client, "register", page_size=5, page=2)
    assert not set(codes(result)) & set(codes(second))
    only_de = search(client, "Kraftfahrt", land="01")
    assert codes(only_de) == ["kba"]


def test_pending_proposals_only_for_those_who_may_see_them(client, catalogue, login):
    provider = login("provider_admin", "amt-suedtondern")
    proposed = offer(client, provider, "meldebescheinigung", ["01054"])
    assert proposed["status"] == "pending"
    assert proposed["code"] not in codes(search(client, proposed["code"]))
    assert codes(search(client, proposed["code"], headers=provider))[0] == proposed["code"]
    assert codes(search(client, proposed["code"], headers=catalogue))[0] == proposed["code"]
    other = login("provider_admin", "kba")
    assert proposed["code"] not in codes(search(client, proposed["code"], headers=other))


def test_a_change_is_findable_at_once(client, catalogue):
    assert search(client, "Nordfriesland Kreisverwaltung")["total"] == 0
    organisation(client, catalogue, "kreis-nf", name="Kreisverwaltung Nordfriesland",
                 kind="Kreis")
    assert codes(search(client, "Nordfriesland Kreisverwaltung"))[0] == "kreis-nf"


def test_oots_fields_find_access_points_and_offers(client, catalogue):
    """Data managers look for the access points that speak an EDM version, and the offers of a
    level of assurance or media type, by the code."""
    organisation(client, catalogue, "ip-zwei", name="Plattform Zwei", kind="Intermediäre "
                 "Plattform", edm_versions=["oots-edm:v2.0"], edelivery_party_id={
                     "scheme": "urn:cef.eu:names:identifier:EAS:0060", "value": "1234567890"})
    found = offer(client, catalogue, "meldebescheinigung", ["01001000"],
                  provider="amt-suedtondern", level_of_assurance="Substantial",
                  distributions=[{"format": "application/pdf"}])
    assert codes(search(client, "oots-edm:v2.0")) == ["ip-zwei"]
    assert codes(search(client, "oots-edm:v1.0")) == []
    assert found["code"] in codes(search(client, "Substantial", type="offer"))
    assert found["code"] in codes(search(client, "application/pdf", type="offer"))


@pytest.mark.parametrize("q", ['"', "(", "AND OR", "*", "~", ":", "a:b", "Melde*",
                               "title:Melde", "x" * 500, "ü", "ß"])
def test_odd_queries_never_crash(client, catalogue, q):
    r = client.get(f"{API}/search", query_string={"q": q})
    assert r.status_code in (200, 400), r.get_data(as_text=True)
    if r.status_code == 400:
        assert r.mimetype == "application/problem+json"


@pytest.mark.parametrize("params, name", [
    ({"q": ""}, "q"), ({"q": "x" * 501}, "q"), ({}, "q"),
    ({"q": "amt", "type": "user"}, "type"), ({"q": "amt", "page_size": 501}, "page_size"),
])
def test_bad_parameters_are_400(client, params, name):
    body = assert_problem(client.get(f"{API}/search", query_string=params), 400)
    assert body["errors"][0]["name"] == name


def test_a_missing_index_heals_from_the_database(app, client, catalogue):
    assert codes(search(client, "Meldebescheinigung", type="evidence-type"))
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    assert codes(search(client, "Meldebescheinigung", type="evidence-type")) == [
        "meldebescheinigung"]


def test_a_corrupt_index_heals_from_the_database(app, client, catalogue):
    search(client, "Amt")
    base = app.config["SEARCH_INDEX_DIR"]
    from pathlib import Path
    for path in (Path(base) / "current").resolve().iterdir():
        if path.suffix == ".toc":
            path.write_bytes(b"garbage")
    assert "amt-suedtondern" in codes(search(client, "Südtondern"))


def test_while_no_index_can_be_built_the_answer_is_503(conn, database_url, tmp_path):
    # With a background follower (CACHE_POLL_SECONDS > 0) the request never builds itself.
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    app = create_app({"DATABASE_URL": database_url,
                      "DB_POOL": dbutil.SingleConnectionPool(conn),
                      "CACHE_POLL_SECONDS": 60, "SEARCH_INDEX_DIR": str(blocked)})
    try:
        r = app.test_client().get(f"{API}/search", query_string={"q": "Melderegister"})
        assert_problem(r, 503)
        assert int(r.headers["Retry-After"]) > 0
    finally:
        engine.stop_followers()


def test_offers_by_evidence_type_and_place_together(client, catalogue):
    hits = search(client, "Meldebescheinigung Südtondern")["items"]
    assert [h["type"] for h in hits] == ["offer"]
    assert hits[0]["title"] == "Meldebescheinigung – Amt Südtondern"
    # One word alone: the evidence type first, then its offers.
    alone = [(h["type"], h["code"]) for h in search(client, "Meldebescheinigung")["items"]]
    assert alone[0] == ("evidence-type", "meldebescheinigung")
    assert ("offer", hits[0]["code"]) in alone[1:]


class TestBoundedCost:
    """`q=a b` once took 54 s and eleven such requests held every thread."""

    def test_short_words_match_whole_words_only(self, client, catalogue, app):
        search(client, "Meldebescheinigung")  # the index is built on the first search
        with app.app_context():
            searcher, _ = engine._searcher.get(app.config["SEARCH_INDEX_DIR"])
            query = engine.build_query("a b", searcher.reader())
        assert not any(isinstance(q, engine.Prefix) for q in query.leaves())
        search(client, "a b")  # answered (search() asserts the 200), not refused

    def test_a_prefix_stands_for_a_bounded_number_of_terms(self, client, catalogue, app,
                                                            monkeypatch):
        monkeypatch.setattr(engine, "MAX_EXPANSION", 2)
        search(client, "Meldebescheinigung")
        with app.app_context():
            searcher, _ = engine._searcher.get(app.config["SEARCH_INDEX_DIR"])
            reader = searcher.reader()
            # The first three letters that start more than two words of the index.
            starts = {}
            for term in reader.lexicon("words"):
                starts.setdefault(term.decode()[:3], []).append(term)
            prefix = next(p for p, terms in starts.items() if len(p) == 3 and len(terms) > 2)
            capped = engine._prefix(reader, "words", prefix, 1.5)
        assert isinstance(capped, engine.ConstantScoreQuery)
        assert len(list(capped.leaves())) == 2
        assert search(client, prefix)["total"] > 0

    def test_a_search_over_its_time_budget_is_a_503(self, client, catalogue, monkeypatch):
        class Exhausted(engine.TimeLimitCollector):
            def collect_matches(self):
                raise engine.TimeLimit
        monkeypatch.setattr(engine, "TimeLimitCollector", Exhausted)
        r = client.get(f"{API}/search", query_string={"q": "Meldebescheinigung"})
        body = assert_problem(r, 503)
        assert "did not finish within" in body["detail"] and r.headers["Retry-After"]

    def test_searches_beyond_the_lane_are_refused_at_once(self, client, catalogue,
                                                          monkeypatch):
        monkeypatch.setattr(engine._lane, "waiting", 0)  # the waiting room is full
        with engine._lane.admitted():
            r = client.get(f"{API}/search", query_string={"q": "Meldebescheinigung"})
        assert "too many search requests" in assert_problem(r, 503)["detail"]
        assert r.headers["Retry-After"] == "1"
        assert search(client, "Meldebescheinigung")["total"] > 0


    def test_a_search_waits_for_its_turn_while_the_waiting_room_has_space(
            self, client, catalogue, monkeypatch):
        """A client that waits sends nothing else meanwhile; a refusal invites a retry."""
        assert engine._lane.waiting == 16 // 2 - 1  # half of GUNICORN_THREADS' default
        monkeypatch.setattr(engine._lane, "wait_seconds", 5)
        running = engine._lane.admitted()
        running.__enter__()
        threading.Timer(0.3, running.__exit__, (None, None, None)).start()
        started = time.monotonic()
        assert search(client, "Meldebescheinigung")["total"] > 0
        assert 0.25 < time.monotonic() - started < 5

    def test_a_search_that_waited_too_long_is_refused(self, client, catalogue, monkeypatch):
        monkeypatch.setattr(engine._lane, "wait_seconds", 0.2)
        with engine._lane.admitted():
            r = client.get(f"{API}/search", query_string={"q": "Meldebescheinigung"})
        assert "too many search requests" in assert_problem(r, 503)["detail"]


class TestSearchProcess:
    """Searches run in a niced child process, never in the worker that
    answers competence (SEARCH_PROCESS, on in production, off in the rest of the suite)."""

    @pytest.fixture
    def in_child(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "SEARCH_PROCESS", True)
        yield
        process.stop()

    def test_answers_are_those_of_the_worker_and_come_from_a_niced_child(
            self, client, catalogue, in_child, app):
        in_child_answer = search(client, "Melde bescheinigung")
        app.config["SEARCH_PROCESS"] = False
        assert search(client, "Melde bescheinigung") == in_child_answer
        assert "meldebescheinigung" in codes(in_child_answer)
        [child] = process._get_pool()._processes.values()
        assert child.pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == \
            os.getpriority(os.PRIO_PROCESS, 0) + process.NICENESS

    def test_each_worker_starts_its_search_process_before_the_first_search(self, in_child):
        """gunicorn's post_worker_init calls this: the child's import (about a second) is
        not paid by the first search."""
        from types import SimpleNamespace

        from app import gunicorn_conf
        assert process._pool is None
        # A worker whose app does not follow the catalogue (tests): no index is built.
        gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=SimpleNamespace(config={})))
        assert process._pool is not None and len(process._pool._processes) == 1

    def test_the_child_applies_visibility(self, client, catalogue, in_child, dm):
        hidden = search(client, "Amt Südtondern", headers=dm)["total"]
        assert search(client, "Amt Südtondern")["total"] <= hidden

    def test_a_lost_child_is_a_503_and_the_next_search_starts_a_new_one(
            self, client, catalogue, in_child):
        search(client, "Meldebescheinigung")
        [child] = process._get_pool()._processes.values()
        child.kill()
        child.join()
        r = client.get(f"{API}/search", query_string={"q": "Meldebescheinigung"})
        assert "did not answer" in assert_problem(r, 503)["detail"]
        assert search(client, "Meldebescheinigung")["total"] > 0


def test_the_search_child_starts_from_a_script_on_standard_input_and_ends_quietly():
    """An application embedded in `python - <<EOF` (no __main__ file for the spawned child to
    re-run) still gets its search process, and the interpreter's exit ends it without a
    traceback."""
    import subprocess
    import sys

    script = ("import os\nfrom app.search import process\n"
              "pool = process._get_pool()\n"
              "print(pool.submit(os.getpid).result(timeout=30) != os.getpid())\n")
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True,
                          text=True, timeout=60, cwd=REPO_ROOT)
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_ctrl_c_after_searches_stops_the_server_without_a_traceback(server_url, tmp_path):
    """Ctrl-C (SIGINT to the whole foreground job: server, workers, search children) after
    searches in every worker: the log shows no traceback of a search child's shutdown."""
    import requests

    from .live import prepare, serving, wait_for
    with dbutil.fresh_database(server_url) as url:
        prepare(url, demo=False)
        with serving(url, tmp_path, workers=2, stop=signal.SIGINT) as base:
            statuses = []

            def searched():  # fresh connections: both workers get some
                statuses[:] = [requests.get(f"{base}{API}/search", params={"q": "Meldebehörde"},
                                            headers={"Connection": "close"},
                                            timeout=10).status_code for _ in range(6)]
                return set(statuses) == {200}
            assert wait_for(searched, 120, step=0.2)[0], statuses
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log and "Exception ignored" not in log, log[-3000:]


def test_ctrl_c_while_the_search_children_start_prints_no_traceback(server_url, tmp_path):
    """Ctrl-C as soon as both workers answer: their search children (started after each
    worker loaded the app) are still importing it, about a second, and none of them may die
    with a KeyboardInterrupt traceback."""
    import requests

    from .live import prepare, serving, wait_for
    with dbutil.fresh_database(server_url) as url:
        prepare(url, demo=False)
        for attempt in range(3):
            work_dir = tmp_path / str(attempt)
            with serving(url, work_dir, workers=2, stop=signal.SIGINT,
                         env={"SERVED_BY_HEADER": "1"}) as base:
                seen = set()

                def both_workers_answer(base=base, seen=seen):
                    seen.add(requests.get(f"{base}/healthz", headers={"Connection": "close"},
                                          timeout=5).headers["X-Served-By"])
                    return len(seen) == 2
                assert wait_for(both_workers_answer, 30, step=0.01)[0], seen
            log = (work_dir / "server.log").read_text(errors="replace")
            assert "Traceback" not in log and "KeyboardInterrupt" not in log, log[-3000:]


def test_a_search_of_an_empty_index_follows_its_first_documents(tmp_path):
    """A catalogue without objects has an index without segments; once the follower adds
    the first documents, the next search reads them (whoosh cannot refresh an empty reader)."""
    from whoosh import index as whoosh_index

    from app.search.index import SCHEMA
    (tmp_path / "index-1").mkdir()
    whoosh_index.create_in(str(tmp_path / "index-1"), SCHEMA)
    (tmp_path / "current").symlink_to("index-1")
    searcher = engine.Searcher()
    assert searcher.get(tmp_path)[0].doc_count() == 0
    writer = whoosh_index.open_dir(str(tmp_path / "index-1")).writer()
    writer.add_document(id="organisation:amt", type="organisation", code="amt", title="Amt")
    writer.commit()
    assert searcher.get(tmp_path)[0].doc_count() == 1
