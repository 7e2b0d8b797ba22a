"""The routing conventions integrators know from FIT-Connect: an area
above the municipality as input — Kreis (5 digits), Regierungsbezirk (3), Land (2) — answered
only when every municipality in it has the same competent offer, else 409 with the offers
found; never an answer for part of the area. Real reference data: Region Hannover (03241)
has 21 municipalities, Kreis Nordfriesland (01054) 133, of which 30 in Amt Südtondern.
And `leika`: a service's Leistungsschlüssel instead of the evidence type."""
import pytest

from .catalog_helpers import API, create, evidence_type, offer, organisation
from .helpers import assert_problem

MELDE = "melde"


def competence(client, **params):
    return client.get(f"{API}/competence", query_string={"evidence_type": MELDE, **params})


@pytest.fixture
def catalogue(client, dm):
    evidence_type(client, dm, MELDE)
    organisation(client, dm, "region-hannover")
    organisation(client, dm, "amt-suedtondern")
    offer(client, dm, MELDE, ["03241"], provider="region-hannover")
    offer(client, dm, MELDE, ["010545489"], provider="amt-suedtondern")
    return dm


def test_a_kreis_whose_municipalities_agree_is_answered(client, catalogue):
    r = competence(client, ags="03241")
    assert r.status_code == 200, r.json
    assert r.json["provider"]["code"] == "region-hannover"
    assert r.json["area"]["key"] == "03241"
    assert r.json["region"] == {"key": "03241", "level": "kreis", "name": "Region Hannover",
                                "municipality_count": 21}


def test_a_kreis_with_different_answers_is_409_with_the_offers_found(client, catalogue):
    r = competence(client, ags="01054")
    assert_problem(r, 409, "needs-more-information")
    assert r.json["errors"][0]["name"] == "ags"
    assert r.json["region"]["name"] == "Nordfriesland"
    assert r.json["candidate_count"] == 2
    # The larger group first: 103 municipalities of the Kreis have no provider.
    nobody, amt = r.json["candidates"]
    assert nobody == {"provider": None, "offer": None, "areas": [], "municipality_count": 103}
    assert amt["provider"]["code"] == "amt-suedtondern"
    assert amt["municipality_count"] == 30
    assert amt["areas"] == [{"key": "010545489", "level": "gemeindeverband",
                             "name": "Südtondern"}]


def test_a_land_offer_answers_the_land_and_its_regierungsbezirke(client, dm):
    evidence_type(client, dm, MELDE)
    organisation(client, dm, "land-niedersachsen")
    offer(client, dm, MELDE, ["03"], provider="land-niedersachsen")
    land = competence(client, ags="03")
    assert land.status_code == 200, land.json
    assert land.json["region"]["municipality_count"] == 964
    assert land.json["area"] == {"key": "03", "level": "land", "name": "Niedersachsen"}
    rb = competence(client, ags="032")
    assert rb.status_code == 200, rb.json
    assert rb.json["region"]["level"] == "regierungsbezirk"


def test_a_region_where_nobody_is_competent_is_404(client, catalogue):
    assert_problem(competence(client, ags="09"), 404, "no-competent-provider")


@pytest.mark.parametrize("key", ["010", "99", "99999"])
def test_keys_that_name_no_such_area_are_404(client, catalogue, key):
    # Schleswig-Holstein has no Regierungsbezirke: 010 is no area.
    assert_problem(competence(client, ags=key), 404, "unknown-area")


@pytest.mark.parametrize("key", ["0", "0105", "010544", "0105407"])
def test_other_key_lengths_are_400(client, catalogue, key):
    r = competence(client, ags=key)
    assert_problem(r, 400, "validation-error")
    assert r.json["errors"][0]["name"] == "ags"


def test_a_batch_takes_region_keys_too(client, catalogue, login):
    routing = login("routing")
    r = client.post(f"{API}/competence/batch", headers=routing, json={
        "evidence_type": MELDE, "lookups": [{"ags": "03241"}, {"ags": "01054"}]})
    assert [item["status"] for item in r.json["items"]] == [200, 409]


ANMELDUNG, PASS = "99115005104000", "99089001001000"


@pytest.fixture
def services(client, catalogue):
    evidence_type(client, catalogue, "ausweis", registers=("idnrg-21",))
    create(client, catalogue, "services", {
        "leistungsschluessel": ANMELDUNG, "name": {"de": "Anmeldung einer Wohnung"},
        "requirements": [{"name": "Wohnsitz", "evidence_type_lists": [[MELDE]]}]})
    create(client, catalogue, "services", {
        "leistungsschluessel": PASS, "name": {"de": "Reisepass"},
        "requirements": [{"name": "Identität", "evidence_type_lists": [["ausweis"]]},
                         {"name": "Wohnsitz", "evidence_type_lists": [[MELDE]]}]})


def by_leika(client, **params):
    return client.get(f"{API}/competence", query_string=params)


def test_a_leistungsschluessel_resolves_through_its_services_evidence_type(client, services):
    r = by_leika(client, leika=ANMELDUNG, ags="03241001")
    assert r.status_code == 200, r.json
    assert r.json["evidence_type"] == MELDE
    assert r.json["provider"]["code"] == "region-hannover"
    assert r.json["service"] == {"code": ANMELDUNG, "leistungsschluessel": ANMELDUNG}
    # Any area input works with it, a Kreis too.
    assert by_leika(client, leika=ANMELDUNG, ags="03241").json["region"]["key"] == "03241"


def test_a_service_needing_several_evidence_types_is_409_listing_them(client, services):
    r = by_leika(client, leika=PASS, ags="03241001")
    assert_problem(r, 409, "needs-more-information")
    assert r.json["errors"][0]["name"] == "evidence_type"
    assert r.json["candidates"] == [{"evidence_type": "ausweis"}, {"evidence_type": MELDE}]
    chosen = by_leika(client, leika=PASS, evidence_type=MELDE, ags="03241001")
    assert chosen.status_code == 200 and chosen.json["service"]["code"] == PASS
    # An evidence type the service does not need is not quietly answered.
    assert_problem(by_leika(client, leika=ANMELDUNG, evidence_type="ausweis",
                            ags="03241001"), 409, "needs-more-information")


def test_unknown_and_malformed_leistungsschluessel(client, services):
    assert_problem(by_leika(client, leika="99999999999999", ags="03241001"), 404,
                   "unknown-service")
    r = by_leika(client, leika="9911500510400", ags="03241001")
    assert_problem(r, 400, "validation-error")
    assert r.json["errors"][0]["name"] == "leika"
    r = by_leika(client, ags="03241001")
    assert_problem(r, 400, "validation-error")
    assert {e["name"] for e in r.json["errors"]} == {"evidence_type", "leika"}


def test_a_batch_takes_leistungsschluessel_too(client, services, login):
    r = client.post(f"{API}/competence/batch", headers=login("routing"), json={
        "lookups": [{"leika": ANMELDUNG, "ags": "03241001"}, {"leika": PASS, "ags": "03"}]})
    assert [item["status"] for item in r.json["items"]] == [200, 409]
