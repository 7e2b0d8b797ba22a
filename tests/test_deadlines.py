"""Transition deadlines: set by data managers per register or evidence
type with their legal source; the providers obliged are the register's keepers and every
organisation with a provider onboarding record for it; the report says who is late or due
within 90 days."""
import csv
import io
from datetime import timedelta

from app.values.dates import berlin_today

from .catalog_helpers import API, create, offer, organisation
from .helpers import assert_problem

KFZ, MELDE = "fahrzeugdaten-zb1", "meldebescheinigung"  # registers 15 (kept by the KBA), 1


def day(offset):
    return (berlin_today() + timedelta(days=offset)).isoformat()


def deadline(client, dm, status=201, **body):
    return create(client, dm, "deadlines", {"legal_source": "§ 12 NOOTS-StV (Beispiel)",
                                            **body}, status=status)


def standing(report):
    return {(p["deadline"], p["organisation"]): p["standing"] for p in report["providers"]}


def test_the_report_names_who_is_late_due_or_connected(client, dm, login):
    register = deadline(client, dm, register="idnrg-15", due_on=day(-1))
    soon = deadline(client, dm, evidence_type=MELDE, due_on=day(30))
    later = deadline(client, dm, evidence_type=MELDE, due_on=day(200))
    for code in ("amt-a", "amt-b"):
        organisation(client, dm, code)
        create(client, dm, "onboarding", {"organisation": code, "role": "provider",
                                          "state": "running", "environment": "test",
                                          "evidence_type": MELDE})
    # amt-b is connected in production; amt-a only in test, which does not count.
    offer(client, dm, MELDE, ["01054062"], provider="amt-b")
    offer(client, dm, MELDE, ["01054073"], provider="amt-a", environment="test")
    report = client.get(f"{API}/reports/deadlines", headers=login("auditor")).json
    got = standing(report)
    # The KBA keeps register 15 and has no production offer yet: late.
    assert got[(register["code"], "kba")] == "late"
    assert got[(soon["code"], "amt-a")] == "due" and got[(soon["code"], "amt-b")] == \
        "connected"
    assert got[(later["code"], "amt-a")] == "open"
    assert report["late"] == 1 and report["due"] == 1
    kba = next(p for p in report["providers"] if p["organisation"] == "kba")
    assert kba["obliged_as"] == ["keeper"]
    # Connected once the offer is there.
    offer(client, dm, KFZ, ["DE"], provider="kba")
    got = standing(client.get(f"{API}/reports/deadlines", headers=dm).json)
    assert got[(register["code"], "kba")] == "connected"
    r = client.get(f"{API}/reports/deadlines", headers={**dm, "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {row["standing"] for row in rows} == {"connected", "due", "open"}
    assert_problem(client.get(f"{API}/reports/deadlines",
                              headers=login("provider_admin", "amt-a")), 403)


def test_a_deadline_names_exactly_one_subject_and_is_versioned(client, dm, login,
                                                               nothing_written):
    auditor = login("auditor")
    with nothing_written():
        deadline(client, dm, register="idnrg-1", evidence_type=MELDE, due_on=day(10),
                 status=422)
        deadline(client, dm, due_on=day(10), status=422)
        deadline(client, dm, register="idnrg-99", due_on=day(10), status=422)
        assert_problem(client.post(f"{API}/deadlines", json={
            "register": "idnrg-1", "due_on": day(10), "legal_source": "x"},
            headers=auditor), 403)
    made = deadline(client, dm, register="idnrg-1", due_on=day(10))
    r = client.patch(f"{API}/deadlines/{made['code']}", json={"due_on": day(20)},
                     headers={**dm, "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json["version"] == 2 and r.json["due_on"] == day(20)
    assert client.get(f"{API}/deadlines", query_string={"register": "idnrg-1"}).json[
        "total"] == 1
