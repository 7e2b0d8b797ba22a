"""Fachsynchronisation: the federal actors' dated status per register,
attached to the organisations regmap holds; `regmap seed` records the August 2025 status of
the NOOTS status report; data managers add entries, audited."""
from app.access.actor import system_actor
from app.config import REPO_ROOT
from app.onboarding import fachsynchronisation

from .catalog_helpers import API
from .helpers import assert_problem

SEED_DIR = REPO_ROOT / "catalog_seed"


def entries(client, headers, **params):
    r = client.get(f"{API}/fachsynchronisation", query_string={"page_size": 500, **params},
                   headers=headers)
    assert r.status_code == 200, r.json
    return r.json["items"]


def test_the_seed_records_the_august_2025_status_per_actor_and_register(client, login):
    auditor = login("auditor")
    bmi = entries(client, auditor, organisation="bmi", latest="true")
    assert sorted(e["idnrg_number"] for e in bmi) == [1, 2, 3, 13, 21, 22, 23, 28, 38]
    assert {e["status_on"] for e in bmi} == {"2025-08-31"}
    assert all(e["status"].startswith("Kontakt über die Bundesvertretungen") for e in bmi)
    assert all("48. IT-Planungsrat" in e["source"] for e in bmi)
    assert bmi[0]["contacted"] is True
    bamf = entries(client, auditor, organisation="bamf")
    assert len(bamf) == 3 and not any(e["contacted"] for e in bamf)
    # An actor the report names without registers: one entry for the actor as a whole.
    (bmukn,) = entries(client, auditor, organisation="bmukn")
    assert bmukn["register"] is None and bmukn["contacted"] is True
    # Every register an actor is counterpart of has its entry.
    melderegister = entries(client, auditor, register="idnrg-1")
    assert {e["organisation"] for e in melderegister} == {"xinneres", "bmi"}


def test_a_second_seed_adds_nothing(conn):
    before = conn.execute("SELECT count(*) AS n FROM fachsynchronisation").fetchone()["n"]
    from app.catalog.seed import shipped_csv as _csv
    abbreviations = {r["abbreviation"]: r["code"]
                     for r in _csv(SEED_DIR, "catalog/organisations.csv")}
    assert fachsynchronisation.seed(conn, SEED_DIR, system_actor("tests"), abbreviations) == 0
    after = conn.execute("SELECT count(*) AS n FROM fachsynchronisation").fetchone()["n"]
    assert before == after > 50


def test_data_managers_record_new_entries_and_the_latest_is_the_status(client, dm, login):
    r = client.post(f"{API}/fachsynchronisation", headers=dm, json={
        "organisation": "kba", "register": "idnrg-15", "status_on": "2025-11-20",
        "contacted": True, "status": "Nachweisangebot Fahrzeugdaten abgestimmt",
        "source": "Protokoll Fachsynchronisation KBA, 20.11.2025"})
    assert r.status_code == 201, r.json
    latest = entries(client, login("auditor"), organisation="kba", register="idnrg-15",
                     latest="true")
    assert [e["status_on"] for e in latest] == ["2025-11-20"]
    every = entries(client, dm, organisation="kba", register="idnrg-15")
    assert [e["status_on"] for e in every] == ["2025-11-20", "2025-08-31"]
    feed = client.get(f"{API}/changes", query_string={"collection": "fachsynchronisation",
                                                      "order": "newest"}, headers=dm).json
    assert feed["items"][0]["object"] == r.json["code"]
    assert client.get(f"{API}/fachsynchronisation/{r.json['code']}",
                      headers=dm).json["status"].startswith("Nachweisangebot")


def test_an_entry_names_a_register_the_actor_is_counterpart_of(client, dm, login,
                                                               nothing_written):
    auditor = login("auditor")
    with nothing_written():
        body = assert_problem(client.post(f"{API}/fachsynchronisation", headers=dm, json={
            "organisation": "kba", "register": "idnrg-1", "status_on": "2025-11-20",
            "contacted": True, "status": "x", "source": "y"}), 422)
        assert body["errors"][0]["name"] == "register"
        assert_problem(client.post(f"{API}/fachsynchronisation", headers=auditor,
                                   json={}), 403)
    assert_problem(client.get(f"{API}/fachsynchronisation", headers=login("routing")), 403)
