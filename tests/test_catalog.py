"""The catalogue as data managers curate it: versions, If-Match, history, retirement,
references, overlaps, and who sees which fields."""
import pytest

from .catalog_helpers import API, change, create, evidence_type, offer, organisation
from .helpers import assert_problem


def test_the_idnrg_annex_is_seeded_with_its_federal_counterparts(client):
    r = client.get(f"{API}/registers", query_string={"page_size": 100})
    assert r.json["total"] == 50
    assert [x["idnrg_number"] for x in r.json["items"]] == list(range(1, 51))
    zfzr = client.get(f"{API}/registers/idnrg-15").json
    assert zfzr["name"] == "Zentrales Fahrzeugregister"
    assert zfzr["keepers"] == ["kba"]
    assert "kba" in zfzr["federal_counterparts"]
    kba = client.get(f"{API}/organisations/kba").json
    assert kba["name"] == "Kraftfahrt-Bundesamt" and kba["seat_ags"] == "01001000"


def test_create_get_and_etag(client, dm):
    created = client.post(f"{API}/evidence-types", headers=dm, json={
        "code": "geburtsurkunde", "title": {"de": "Geburtsurkunde", "en": "Birth certificate"},
        "registers": ["idnrg-2"], "identity_attributes": ["IDNr"]})
    assert created.status_code == 201
    assert created.headers["ETag"] == '"v1"'
    assert created.headers["Location"].endswith("/api/v1/evidence-types/geburtsurkunde")
    assert created.json["uri"] == "https://regmap.example/id/evidence-type/geburtsurkunde"
    r = client.get(f"{API}/evidence-types/geburtsurkunde")
    assert r.json["registers"] == ["idnrg-2"] and r.json["version"] == 1
    assert client.get(f"{API}/evidence-types/geburtsurkunde",
                      headers={"If-None-Match": '"v1"'}).status_code == 304


def test_duplicate_code_is_409(client, dm, nothing_written):
    evidence_type(client, dm, "dup")
    with nothing_written():
        r = client.post(f"{API}/evidence-types", headers=dm,
                        json={"code": "dup", "title": {"de": "Noch einmal"}})
        assert_problem(r, 409, "conflict")


def test_unknown_reference_is_422_naming_the_field(client, dm, nothing_written):
    with nothing_written():
        r = client.post(f"{API}/evidence-types", headers=dm, json={
            "code": "x", "title": {"de": "X"}, "registers": ["idnrg-99"]})
        body = assert_problem(r, 422, "validation-error")
        assert body["errors"][0]["name"] == "registers"
        assert "idnrg-99" in body["errors"][0]["detail"]


@pytest.mark.parametrize("body, field", [
    ({"title": {"de": "ohne Code"}}, "code"),
    ({"code": "Gross", "title": {"de": "X"}}, "code"),
    ({"code": "x", "title": {"en": "only English"}}, "title.de"),
    ({"code": "x", "title": {"de": "X"}, "colour": "blue"}, "colour"),
    ({"code": "x", "title": {"de": "X"}, "formats": [{"schema_uri": "ftp:/x"}]},
     "formats.0.media_type"),
])
def test_invalid_bodies_are_422_naming_the_field(client, dm, nothing_written, body, field):
    with nothing_written():
        r = assert_problem(client.post(f"{API}/evidence-types", headers=dm, json=body), 422)
        assert field in [e["name"] for e in r["errors"]]
        assert all(e["in"] == "body" for e in r["errors"])


def test_a_body_that_is_not_json_is_400(client, dm, nothing_written):
    with nothing_written():
        r = client.post(f"{API}/evidence-types", headers={**dm, "Content-Type":
                                                          "application/json"}, data="{oops")
        assert_problem(r, 400, "validation-error")


def test_if_match_missing_is_428_and_stale_is_412(client, dm, nothing_written):
    organisation(client, dm, "amt-test")
    with nothing_written():
        r = client.patch(f"{API}/organisations/amt-test", json={"kind": "Amt"}, headers=dm)
        assert_problem(r, 428, "precondition-required")
        r = client.patch(f"{API}/organisations/amt-test", json={"kind": "Amt"},
                         headers={**dm, "If-Match": '"v7"'})
        assert_problem(r, 412, "precondition-failed")
    r = change(client, dm, "organisations", "amt-test", {"kind": "Amt"})
    assert r.status_code == 200 and r.json["version"] == 2 and r.headers["ETag"] == '"v2"'


def test_put_replaces_and_patch_merges(client, dm):
    organisation(client, dm, "ersetzt", abbreviation="ERS", seat_ags="09162000")
    r = change(client, dm, "organisations", "ersetzt", {"name": "Neu", "kind": "Amt"},
               method="put")
    assert r.status_code == 200
    assert r.json["abbreviation"] is None and r.json["seat_ags"] is None
    r = change(client, dm, "organisations", "ersetzt", {"seat_ags": "11000000"})
    assert r.json["name"] == "Neu" and r.json["seat_ags"] == "11000000"
    assert r.json["seat_name"] == "Berlin, Stadt"


def test_history_says_who_changed_what_and_when(client, dm, login):
    organisation(client, dm, "historie")
    change(client, dm, "organisations", "historie", {"kind": "Samtgemeinde"})
    auditor = login("auditor")
    r = client.get(f"{API}/organisations/historie/history", headers=auditor)
    assert r.status_code == 200
    entries = r.json["items"]
    assert [e["action"] for e in entries] == ["organisation.create", "organisation.update"]
    assert [e["version"] for e in entries] == [1, 2]
    assert entries[1]["actor"] == "data_manager.fks@test.example"
    assert entries[1]["changed_fields"] == ["kind"]
    assert entries[1]["before"]["kind"] == "Meldebehörde"
    assert entries[1]["after"]["kind"] == "Samtgemeinde"
    assert_problem(client.get(f"{API}/organisations/historie/history"), 401)
    assert_problem(client.get(f"{API}/organisations/historie/history",
                              headers=login("routing")), 403)


def test_delete_retires_and_keeps_the_object(client, dm):
    evidence_type(client, dm, "alt")
    r = client.delete(f"{API}/evidence-types/alt", headers={**dm, "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json["status"] == "retired"
    assert client.get(f"{API}/evidence-types/alt").json["status"] == "retired"
    again = client.delete(f"{API}/evidence-types/alt", headers={**dm, "If-Match": '"v2"'})
    assert_problem(again, 409)


def test_services_hold_requirements_met_by_alternative_lists(client, dm):
    evidence_type(client, dm, "melde")
    evidence_type(client, dm, "pass", registers=("idnrg-22",))
    evidence_type(client, dm, "ausweis", registers=("idnrg-21",))
    created = create(client, dm, "services", {
        "leistungsschluessel": "99115005104000", "name": {"de": "Wohnsitz Anmeldung"},
        "requirements": [{"name": "Identität", "evidence_type_lists": [["ausweis"], ["pass"]]},
                         {"name": "Wohnsitz", "evidence_type_lists": [["melde", "ausweis"]]}]})
    assert created["code"] == "99115005104000"
    assert created["leistungsschluessel_missing"] is False
    assert [r["evidence_type_lists"] for r in created["requirements"]] == [
        [["ausweis"], ["pass"]], [["melde", "ausweis"]]]
    found = client.get(f"{API}/services", query_string={"evidence_type": "pass"}).json
    assert [s["code"] for s in found["items"]] == ["99115005104000"]


def test_service_without_verified_key_is_flagged(client, dm):
    created = create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
    assert created["leistungsschluessel"] is None
    assert created["leistungsschluessel_missing"] is True


def test_service_with_unknown_evidence_type_names_the_list(client, dm, nothing_written):
    with nothing_written():
        r = client.post(f"{API}/services", headers=dm, json={
            "code": "s", "name": {"de": "S"},
            "requirements": [{"name": "R", "evidence_type_lists": [["fehlt"]]}]})
        body = assert_problem(r, 422)
        assert body["errors"][0]["name"] == "requirements[0].evidence_type_lists"


def test_organisation_contact_is_not_public(client, dm, login):
    organisation(client, dm, "kontakt", contact={"name": "Frau M.", "email": "m@amt.example"})
    assert "contact" not in client.get(f"{API}/organisations/kontakt").json
    assert "contact" not in client.get(f"{API}/organisations/kontakt",
                                       headers=login("routing")).json
    assert client.get(f"{API}/organisations/kontakt", headers=dm).json["contact"]["name"] \
        == "Frau M."
    own = login("provider_admin", "kontakt")
    assert client.get(f"{API}/organisations/kontakt", headers=own).json["contact"]


def test_lists_page_filter_and_reject_unknown_parameters(client):
    r = client.get(f"{API}/organisations", query_string={"name": "bundesamt", "page_size": 2})
    assert r.json["total"] >= 4 and len(r.json["items"]) == 2
    assert 'rel="next"' in r.headers["Link"]
    assert_problem(client.get(f"{API}/organisations", query_string={"sort": "name"}), 400)
    empty = client.get(f"{API}/evidence-types", query_string={"register": "nirgends"})
    assert empty.json["total"] == 0


class TestOffers:
    def test_overlapping_offer_is_409_naming_the_other(self, client, dm, nothing_written):
        evidence_type(client, dm, "melde")
        organisation(client, dm, "amt-a")
        organisation(client, dm, "amt-b")
        first = offer(client, dm, "melde", ["010545489"], provider="amt-a")
        with nothing_written():
            r = client.post(f"{API}/offers", headers=dm, json={
                "provider": "amt-b", "evidence_type": "melde", "areas": ["010545489"],
                "service_id": "x", "endpoint_url": "https://b.example"})
            body = assert_problem(r, 409, "overlapping-offer")
            assert body["conflicting_offers"] == [first["code"]]
            assert first["code"] in body["detail"]

    def test_nesting_and_disjoint_validity_are_allowed(self, client, dm):
        evidence_type(client, dm, "melde")
        organisation(client, dm, "kreis")
        organisation(client, dm, "gemeinde")
        offer(client, dm, "melde", ["03241"], provider="kreis", valid_to="2027-01-01")
        offer(client, dm, "melde", ["03241001"], provider="gemeinde")
        # Same area, the next period: valid_to is exclusive, so 2027-01-01 may start again.
        offer(client, dm, "melde", ["03241"], provider="gemeinde", valid_from="2027-01-01")

    def test_areas_must_exist_and_validity_must_be_ordered(self, client, dm, nothing_written):
        evidence_type(client, dm, "melde")
        with nothing_written():
            body = assert_problem(client.post(f"{API}/offers", headers=dm, json={
                "provider": "kba", "evidence_type": "melde", "areas": ["09999999"],
                "service_id": "x", "endpoint_url": "https://x.example"}), 422)
            assert body["errors"][0]["name"] == "areas"
            body = assert_problem(client.post(f"{API}/offers", headers=dm, json={
                "provider": "kba", "evidence_type": "melde", "areas": ["09"],
                "service_id": "x", "endpoint_url": "https://x.example",
                "valid_from": "2026-05-01", "valid_to": "2026-05-01"}), 422)
            assert body["errors"][0]["name"] == "valid_to"
            body = assert_problem(client.post(f"{API}/offers", headers=dm, json={
                "provider": "kba", "evidence_type": "melde", "areas": ["9"],
                "service_id": "x", "endpoint_url": "notaurl"}), 422)
            assert {e["name"] for e in body["errors"]} == {"areas.0", "endpoint_url"}

    def test_connection_parameters_only_for_routing_curators_and_owner(self, client, dm,
                                                                       login):
        evidence_type(client, dm, "melde")
        organisation(client, dm, "geheim")
        created = offer(client, dm, "melde", ["01"], provider="geheim",
                        connection_parameters={"certificate": "CN=geheim"})
        path = f"{API}/offers/{created['code']}"
        assert "connection_parameters" not in client.get(path).json
        assert "connection_parameters" not in client.get(path, headers=login("auditor")).json
        assert "connection_parameters" not in client.get(
            path, headers=login("provider_admin", "kba")).json
        for headers in (login("routing"), dm, login("provider_admin", "geheim")):
            assert client.get(path, headers=headers).json["connection_parameters"] == {
                "certificate": "CN=geheim"}
        history = client.get(f"{path}/history", headers=login("auditor")).json["items"][0]
        assert "geheim" not in str(history["after"]["connection_parameters"])
        # One policy: the owning provider sees its parameters in the history as on the offer.
        own = client.get(f"{path}/history",
                         headers=login("provider_admin", "geheim")).json["items"][0]
        assert own["after"]["connection_parameters"] == {"certificate": "CN=geheim"}


def test_nul_characters_are_refused_not_crashing(client, dm, nothing_written):
    with nothing_written():
        body = assert_problem(client.post(f"{API}/organisations", headers=dm, json={
            "name": "Amt\x00X", "kind": "Amt"}), 422)
        assert body["errors"][0]["name"] == "name"
        assert_problem(client.get(f"{API}/organisations", query_string={"name": "a\x00"}), 400)
        assert_problem(client.get(f"{API}/organisations/a%00b"), 400)


def test_duplicate_leistungsschluessel_is_a_friendly_409(client, dm, nothing_written):
    create(client, dm, "services", {"leistungsschluessel": "99115005104000",
                                    "name": {"de": "Anmeldung"}})
    with nothing_written():
        body = assert_problem(client.post(f"{API}/services", headers=dm, json={
            "code": "anderer-code", "leistungsschluessel": "99115005104000",
            "name": {"de": "Doppelt"}}), 409, "conflict")
        assert body["detail"] == "another service has this Leistungsschlüssel"
        assert "duplicate key" not in str(body)


def test_name_filters_take_percent_and_underscore_literally(client):
    everything = client.get("/api/v1/organisations").json["total"]
    assert everything > 0
    for pattern in ("%", "_", "\\"):
        r = client.get("/api/v1/organisations", query_string={"name": pattern})
        assert r.status_code == 200 and r.json["total"] == 0, pattern
    assert client.get("/api/v1/registers", query_string={"name": "%"}).json["total"] == 0
    assert client.get("/api/v1/services", query_string={"name": "_"}).json["total"] == 0
