"""Onboarding records and the DC/DP report: records built through
the API, versioned and audited, visible to the organisation itself and to overseers; the
state of connection derived where regmap knows it; the report counts distinct active
organisations per state and environment, as the status report to the IT-Planungsrat does."""
import csv
import io

import psycopg
import pytest
from psycopg.rows import dict_row

from app.config import REPO_ROOT
from app.onboarding import onboarding

from .catalog_helpers import API, change, create, offer, organisation
from .helpers import assert_problem

MELDE = "meldebescheinigung"  # shipped by the plain seed, register idnrg-1


def record(client, dm, org, role, state, environment="test", status=201, **fields):
    """A record as a data manager writes it; the subject defaults to the Meldebescheinigung
    (providers) or the service "parken" (consumers)."""
    if not {"register", "evidence_type", "service"} & set(fields):
        fields = {**fields, **({"evidence_type": MELDE} if role == "provider"
                               else {"service": "parken"})}
    return create(client, dm, "onboarding", {"organisation": org, "role": role,
                                             "state": state, "environment": environment,
                                             **fields}, status=status)


@pytest.fixture
def orgs(client, dm):
    for code in ("amt-a", "amt-b", "amt-c", "stadt-x", "stadt-y"):
        organisation(client, dm, code)
    create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})


def test_a_record_with_milestones_is_versioned_and_audited(client, dm, orgs):
    made = record(client, dm, "amt-a", "provider", "planned", register="idnrg-1",
                  evidence_type=None)
    assert made["register"] == "idnrg-1" and made["version"] == 1
    assert made["connected"] is False and made["connected_known_from"] is None
    r = change(client, dm, "onboarding", made["code"], {
        "state": "in_preparation", "first_contact_on": "2025-06-02",
        "evidence_specified_on": "2025-08-15", "target_date": "2026-06-30",
        "notes": "Melderegister, Basisdaten"})
    assert r.status_code == 200, r.json
    assert r.json["version"] == 2 and r.json["first_contact_on"] == "2025-06-02"
    history = client.get(f"{API}/onboarding/{made['code']}/history", headers=dm).json
    assert [e["action"] for e in history["items"]][-2:] == ["onboarding record.create",
                                                             "onboarding record.update"]
    feed = client.get(f"{API}/changes", query_string={"collection": "onboarding"},
                      headers=dm).json
    assert len(feed["items"]) == 2


def test_the_subject_must_fit_the_role(client, dm, orgs):
    body = record(client, dm, "amt-a", "provider", "planned", service="parken", status=422)
    assert body["errors"][0]["name"] == "role"
    record(client, dm, "amt-a", "consumer", "planned", evidence_type=MELDE, status=422)
    record(client, dm, "amt-a", "consumer", "planned", service="nichts", status=422)


def test_connected_is_derived_from_the_catalogue_or_recorded(client, dm, orgs):
    provider = record(client, dm, "amt-a", "provider", "running")
    assert provider["connected"] is False
    offer(client, dm, MELDE, ["01054062"], provider="amt-a", environment="test")
    again = client.get(f"{API}/onboarding/{provider['code']}", headers=dm).json
    assert again["connected"] is True and again["connected_known_from"] == "catalogue"
    # A production offer does not connect the test environment.
    other = record(client, dm, "amt-b", "provider", "running")
    offer(client, dm, MELDE, ["01054073"], provider="amt-b")
    assert client.get(f"{API}/onboarding/{other['code']}", headers=dm).json[
        "connected"] is False
    # Where regmap cannot see it, the milestone says so.
    consumer = record(client, dm, "stadt-x", "consumer", "completed",
                      connected_on="2025-09-01")
    assert consumer["connected"] is True and consumer["connected_known_from"] == "milestone"


def test_organisations_see_their_own_records_only(client, dm, login, orgs):
    own = record(client, dm, "amt-a", "provider", "planned")
    other = record(client, dm, "amt-b", "provider", "planned")
    admin = login("provider_admin", "amt-a")
    listed = client.get(f"{API}/onboarding", headers=admin).json
    assert [r["code"] for r in listed["items"]] == [own["code"]]
    assert client.get(f"{API}/onboarding/{own['code']}", headers=admin).status_code == 200
    assert_problem(client.get(f"{API}/onboarding/{other['code']}", headers=admin), 404)
    assert_problem(client.post(f"{API}/onboarding", headers=admin, json={
        "organisation": "amt-a", "role": "provider", "state": "planned",
        "evidence_type": MELDE}), 403)
    assert client.get(f"{API}/onboarding", headers=login("auditor")).json["total"] == 2
    assert_problem(client.get(f"{API}/onboarding", headers=login("routing")), 403)
    assert_problem(client.get(f"{API}/onboarding"), 401)


def test_filters(client, dm, orgs):
    record(client, dm, "amt-a", "provider", "planned")
    record(client, dm, "amt-a", "provider", "completed", environment="reference")
    record(client, dm, "stadt-x", "consumer", "running")
    for params, expected in (({"organisation": "amt-a"}, 2), ({"role": "consumer"}, 1),
                             ({"environment": "reference"}, 1), ({"state": "planned"}, 1),
                             ({"service": "parken"}, 1), ({"evidence_type": MELDE}, 2)):
        got = client.get(f"{API}/onboarding", query_string=params, headers=dm).json
        assert got["total"] == expected, params


def test_the_report_counts_distinct_active_organisations_per_cell(client, dm, login, orgs):
    # Providers in test: amt-a twice (one organisation), amt-b; amt-c in preparation.
    record(client, dm, "amt-a", "provider", "in_preparation", register="idnrg-1",
           evidence_type=None)
    record(client, dm, "amt-a", "provider", "in_preparation")
    record(client, dm, "amt-b", "provider", "in_preparation")
    record(client, dm, "amt-c", "provider", "running")
    # Consumers: completed in reference, in preparation in test.
    record(client, dm, "stadt-x", "consumer", "completed", environment="reference")
    record(client, dm, "stadt-y", "consumer", "in_preparation")
    # Not counted in the table: planned and paused (apart), another environment's cell,
    # a retired record, a retired organisation.
    record(client, dm, "stadt-x", "consumer", "planned")
    record(client, dm, "amt-c", "provider", "paused", environment="production")
    gone = record(client, dm, "stadt-y", "consumer", "running", environment="production")
    r = client.delete(f"{API}/onboarding/{gone['code']}", headers={**dm, "If-Match": "*"})
    assert r.status_code == 200
    organisation(client, dm, "amt-weg")
    record(client, dm, "amt-weg", "provider", "completed", environment="production")
    assert client.delete(f"{API}/organisations/amt-weg",
                         headers={**dm, "If-Match": "*"}).status_code == 200

    report = client.get(f"{API}/reports/onboarding", headers=login("auditor")).json
    cells = {(c["state"], c["environment"]): (c["dc"], c["dp"]) for c in report["table"]}
    assert cells == {
        ("in_preparation", "reference"): (0, 0), ("in_preparation", "test"): (1, 2),
        ("in_preparation", "production"): (0, 0),
        ("running", "reference"): (0, 0), ("running", "test"): (0, 1),
        ("running", "production"): (0, 0),
        ("completed", "reference"): (1, 0), ("completed", "test"): (0, 0),
        ("completed", "production"): (0, 0)}
    apart = {(c["state"], c["environment"]): (c["dc"], c["dp"]) for c in report["apart"]}
    missing = {r["code"] for r in report["registers_without_production_offer"]}
    assert "idnrg-1" in missing and len(missing) >= 50
    offer(client, dm, MELDE, ["01054062"], provider="amt-a")  # production
    assert "idnrg-1" not in {r["code"] for r in client.get(
        f"{API}/reports/onboarding", headers=dm).json["registers_without_production_offer"]}
    assert apart[("planned", "test")] == (1, 0) and apart[("paused", "production")] == (0, 1)
    r = client.get(f"{API}/reports/onboarding", headers={**dm, "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert r.mimetype == "text/csv" and len(rows) == 15
    assert rows[1] == {"state": "in_preparation", "environment": "test", "dc": "1", "dp": "2"}
    assert_problem(client.get(f"{API}/reports/onboarding",
                              headers=login("provider_admin", "amt-a")), 403)


def test_the_demo_reproduces_the_status_report(demo_database):
    """`regmap seed --demo`'s illustrative records give the report's table (September 2025:
    2 DC and 1 DP in preparation in test, 1 DP running in test, 6 DC and 7 DP completed in
    reference), from the shipped copy of the report's figures."""
    shipped = list(csv.DictReader(io.StringIO((
        REPO_ROOT / "catalog_seed/demo/anbindungen_dc_dp_2025-09.csv").read_text())))
    states = {"in_vorbereitung": "in_preparation", "laufend": "running",
              "abgeschlossen": "completed"}
    environments = {"referenzumgebung": "reference", "testumgebung": "test",
                    "produktivumgebung": "production"}
    expected = {(states[r["stand"]], environments[r["umgebung"]]): (int(r["dc"]), int(r["dp"]))
                for r in shipped}
    assert expected[("completed", "reference")] == (6, 7)
    with psycopg.connect(demo_database, row_factory=dict_row) as conn:  # only reads
        table = onboarding.report(conn)["table"]
    assert {(c["state"], c["environment"]): (c["dc"], c["dp"]) for c in table} == expected


def test_the_report_by_land_by_federal_actor_and_over_time(client, dm, orgs):
    organisation(client, dm, "amt-sh", seat_ags="01054062")   # Schleswig-Holstein
    record(client, dm, "amt-sh", "provider", "running", first_contact_on="2025-06-10",
           evidence_specified_on="2025-08-01")
    record(client, dm, "kba", "provider", "completed", environment="reference",
           register="idnrg-15", first_contact_on="2025-07-15", connected_on="2025-09-30")
    record(client, dm, "stadt-x", "consumer", "in_preparation", first_contact_on="2025-08-20")
    report = client.get(f"{API}/reports/onboarding", headers=dm).json
    sh = next(g for g in report["by_land"] if g["land"] == "01")
    assert sh["name"] == "Schleswig-Holstein"
    assert {(c["state"], c["environment"]): c["dp"] for c in sh["table"]}[
        ("running", "test")] == 1
    kba = next(g for g in report["by_federal_actor"] if g["organisation"] == "kba")
    assert {(c["state"], c["environment"]): c["dp"] for c in kba["table"]}[
        ("completed", "reference")] == 1
    assert all(g["organisation"] != "stadt-x" for g in report["by_federal_actor"])
    months = {m["month"]: m for m in report["progress"]}
    assert report["progress"][0]["month"] == "2025-06"
    assert months["2025-06"]["dp"]["first_contact"] == 1
    assert months["2025-07"]["dp"]["first_contact"] == 2
    assert months["2025-08"]["dc"]["first_contact"] == 1
    assert months["2025-08"]["dp"]["evidence_specified"] == 1
    assert months["2025-09"]["dp"]["connected"] == 1 and months["2025-08"]["dp"][
        "connected"] == 0

    def csv_of(table):
        r = client.get(f"{API}/reports/onboarding", query_string={"table": table},
                       headers={**dm, "Accept": "text/csv"})
        assert r.status_code == 200 and r.mimetype == "text/csv", table
        return list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    lands = csv_of("lands")
    assert {"land": "01", "name": "Schleswig-Holstein", "state": "running",
            "environment": "test", "dc": "0", "dp": "1"} in lands
    assert {"organisation": "kba", "state": "completed", "environment": "reference",
            "dc": "0", "dp": "1"} in csv_of("actors")
    progress = {row["month"]: row for row in csv_of("progress")}
    assert progress["2025-07"]["dp_first_contact"] == "2"
    assert progress["2025-09"]["dp_connected"] == "1"
    assert_problem(client.get(f"{API}/reports/onboarding", query_string={"table": "x"},
                              headers=dm), 400)
