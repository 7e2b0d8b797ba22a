"""Competence resolution against the real reference data: most specific offer wins, postcodes
never guess, dates are half-open, retired keys follow their successors."""
from datetime import date, timedelta

import pytest

from .catalog_helpers import API, change, create, evidence_type, offer, organisation
from .helpers import assert_problem

MELDE = "melde"
KFZ = "kfz"


def competence(client, headers=None, **params):
    return client.get(f"{API}/competence", query_string=params, headers=headers or {})


def provider_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["provider"]["code"]


@pytest.fixture
def catalogue(client, dm):
    evidence_type(client, dm, MELDE)
    evidence_type(client, dm, KFZ, registers=("idnrg-15",))
    offer(client, dm, KFZ, ["DE"], provider="kba")
    return dm


def org_offer(client, dm, code, areas, evidence=MELDE, **extra):
    """An offer of a new organisation; valid since 2020 unless the test says otherwise (an
    offer created without a start would start today)."""
    organisation(client, dm, code)
    return offer(client, dm, evidence, areas, provider=code,
                 **{"valid_from": "2020-01-01", **extra})


def test_kreisfreie_stadt_and_city_state(client, catalogue):
    org_offer(client, catalogue, "muenchen", ["09162000"])
    org_offer(client, catalogue, "berlin", ["11000000"])
    r = competence(client, evidence_type=MELDE, ags="09162000")
    assert provider_of(r) == "muenchen"
    assert r.json["area"] == {"key": "09162000", "level": "municipality",
                              "name": "München, Landeshauptstadt"}
    assert provider_of(competence(client, evidence_type=MELDE, ags="11000000")) == "berlin"
    assert provider_of(competence(client, evidence_type=MELDE, ars="110000000000")) == "berlin"


def test_kreisangehoerige_city_resolves_to_the_kreis_level_offer(client, catalogue):
    org_offer(client, catalogue, "region-hannover", ["03241"])
    r = competence(client, evidence_type=MELDE, ags="03241001")
    assert provider_of(r) == "region-hannover"
    assert r.json["area"]["level"] == "kreis"
    assert r.json["municipality"]["name"] == "Hannover, Landeshauptstadt"


def test_most_specific_offer_wins(client, catalogue):
    org_offer(client, catalogue, "land-sh", ["01"])
    org_offer(client, catalogue, "amt-suedtondern", ["010545489"])
    org_offer(client, catalogue, "ladelund", ["01054073"])
    assert provider_of(competence(client, evidence_type=MELDE, ags="01054073")) == "ladelund"
    assert provider_of(competence(client, evidence_type=MELDE, ags="01054018")) == \
        "amt-suedtondern"
    assert provider_of(competence(client, evidence_type=MELDE, ags="01001000")) == "land-sh"


def test_postcode_of_an_amt_is_unambiguous_when_the_amt_is_competent(client, catalogue):
    org_offer(client, catalogue, "amt-suedtondern", ["010545489"])
    r = competence(client, evidence_type=MELDE, plz="25926")
    assert provider_of(r) == "amt-suedtondern"
    assert {m["ags"] for m in r.json["municipalities"]} == {
        "01054018", "01054062", "01054073", "01054154"}


@pytest.fixture
def each_municipality_its_own(client, catalogue):
    for ags in ("01054018", "01054062", "01054073", "01054154"):
        org_offer(client, catalogue, f"gemeinde-{ags}", [ags])


def test_postcode_spanning_four_providers_asks_for_more(client, each_municipality_its_own):
    r = competence(client, evidence_type=MELDE, plz="25926")
    body = assert_problem(r, 409, "needs-more-information")
    assert {c["ags"] for c in body["candidates"]} == {
        "01054018", "01054062", "01054073", "01054154"}
    assert {c["provider"]["code"] for c in body["candidates"]} == {
        "gemeinde-01054018", "gemeinde-01054062", "gemeinde-01054073", "gemeinde-01054154"}
    assert body["errors"][0]["name"] == "plz"
    # `ags` with `plz` is a 400, so the way out it names is `place`.
    assert "add place" in body["errors"][0]["detail"] and "ags" not in \
        body["errors"][0]["detail"]


def test_a_batch_item_problem_points_at_the_item(client, each_municipality_its_own, login):
    """Inside a batch the 409 said `"in": "query"`."""
    r = client.post(f"{API}/competence/batch", headers=login("routing"), json={
        "evidence_type": MELDE, "lookups": [{"ags": "01054018"}, {"plz": "25926"}]})
    problem = r.json["items"][1]["problem"]
    assert problem["status"] == 409
    assert problem["errors"][0]["in"] == "body"
    assert problem["errors"][0]["name"] == "lookups[1].plz"
    # The cached answer of a single lookup keeps pointing at its query parameter.
    body = assert_problem(competence(client, evidence_type=MELDE, plz="25926"), 409)
    assert body["errors"][0] == {**body["errors"][0], "in": "query", "name": "plz"}


def test_place_narrows_an_ambiguous_postcode(client, each_municipality_its_own):
    r = competence(client, evidence_type=MELDE, plz="25926", place="ladelund")
    assert provider_of(r) == "gemeinde-01054073"
    assert_problem(competence(client, evidence_type=MELDE, plz="25926", place="Hamburg"),
                   404, "unknown-area")


def test_postcode_across_two_kreise(client, catalogue):
    org_offer(client, catalogue, "trier-saarburg", ["07235"])
    org_offer(client, catalogue, "eifelkreis", ["07232"])
    body = assert_problem(competence(client, evidence_type=MELDE, plz="54298"), 409,
                          "needs-more-information")
    providers = {c["provider"]["code"] for c in body["candidates"]}
    assert providers == {"trier-saarburg", "eifelkreis"}
    # The federal register answers once for all of them.
    r = competence(client, evidence_type=KFZ, plz="54298")
    assert provider_of(r) == "kba" and len(r.json["municipalities"]) == len(body["candidates"])


def test_federal_register_has_one_provider_everywhere(client, catalogue):
    for ags in ("09162000", "11000000", "01054018", "13073088"):
        r = competence(client, evidence_type=KFZ, ags=ags)
        assert provider_of(r) == "kba" and r.json["area"]["key"] == "DE"


@pytest.mark.parametrize("day, expected", [
    ("2026-03-31", "alt"), ("2026-04-01", "neu"), ("2026-04-02", "neu"),
    ("2027-03-31", "neu"), ("2027-04-01", "land"), ("2027-04-02", "land")])
def test_validity_is_half_open(client, catalogue, day, expected):
    org_offer(client, catalogue, "land", ["03"])
    org_offer(client, catalogue, "alt", ["03241001"], valid_to="2026-04-01")
    org_offer(client, catalogue, "neu", ["03241001"], valid_from="2026-04-01",
              valid_to="2027-04-01")
    assert provider_of(competence(client, evidence_type=MELDE, ags="03241001", at=day)) == \
        expected


def test_before_any_offer_is_valid_there_is_no_provider(client, catalogue):
    org_offer(client, catalogue, "spaeter", ["03241001"], valid_from="2030-01-01")
    assert_problem(competence(client, evidence_type=MELDE, ags="03241001", at="2029-12-31"),
                   404, "no-competent-provider")


def test_suspended_provider_stops_routing(client, catalogue):
    org_offer(client, catalogue, "region-hannover", ["03241"])
    org_offer(client, catalogue, "hannover", ["03241001"])
    assert provider_of(competence(client, evidence_type=MELDE, ags="03241001")) == "hannover"
    change(client, catalogue, "organisations", "hannover", {"status": "suspended"})
    assert provider_of(competence(client, evidence_type=MELDE, ags="03241001")) == \
        "region-hannover"


def test_retired_key_without_successor_is_410_with_its_reason(client, catalogue):
    # Rodeberg was dissolved on 1.1.2024: Eigenrieden went to Mühlhausen, where Struth went
    # no source says, so no municipality is named (catalog_seed/areas/ohne_nachfolge_...).
    org_offer(client, catalogue, "land-th", ["16"])
    body = assert_problem(competence(client, evidence_type=MELDE, ags="16064055"), 410,
                          "area-retired")
    assert body["retired_key"] == "16064055"
    assert "Struth" in body["reason"] and body["reason"] in body["detail"]
    # ...but as of a date when it was still current, it resolves.
    r = competence(client, evidence_type=MELDE, ags="16064055", at="2022-12-31")
    assert provider_of(r) == "land-th"


def test_retired_key_with_a_shipped_successor(client, catalogue):
    # Uder (16061097) and ten more merged into the new Uder (16061119) on 1.1.2024: a row of
    # the shipped, sourced succession table.
    org_offer(client, catalogue, "uder-neu", ["16061119"])
    r = competence(client, evidence_type=MELDE, ags="16061097")
    assert provider_of(r) == "uder-neu"
    assert r.json["resolved_via_successor"] == {"requested": "16061097",
                                                "successor": "16061119",
                                                "effective_on": "2024-01-01"}
    assert r.json["municipality"]["ags"] == "16061119"


def test_former_ars_resolves_to_the_municipality(client, catalogue):
    org_offer(client, catalogue, "blumenthal", ["01058018"])
    assert provider_of(competence(client, evidence_type=MELDE, ars="010585859018")) == \
        "blumenthal"


def test_postcode_rows_of_retired_keys_are_never_resolved_as_current(client, catalogue):
    # 16306 lists Berkholz-Meyenburg and Passow (part of Schwedt/Oder since 19.4.2022) and
    # current municipalities: each retired row answers through its successor, and the
    # postcode is never narrowed to the part that has a provider.
    org_offer(client, catalogue, "schwedt", ["12073532"])
    body = assert_problem(competence(client, evidence_type=MELDE, plz="16306"), 409,
                          "needs-more-information")
    schwedt = [c for c in body["candidates"] if c["ags"] == "12073532"]
    assert len(schwedt) == 1 and schwedt[0]["provider"]["code"] == "schwedt"
    assert schwedt[0]["resolved_via_successor"]["requested"] in {"12073032", "12073603"}
    assert schwedt[0]["resolved_via_successor"]["effective_on"] == "2022-04-19"
    assert not [c for c in body["candidates"] if c["status"] == "unresolved"]
    assert any(c["provider"] is None for c in body["candidates"])
    # A provider for all of them: one answer.
    org_offer(client, catalogue, "uckermark", ["12073"])
    assert competence(client, evidence_type=MELDE, plz="16306").status_code == 409
    rest = next(c for c in body["candidates"] if c["provider"] is None)
    assert provider_of(competence(client, evidence_type=MELDE, plz="16306",
                                  place=rest["place"])) == "uckermark"


def test_connection_parameters_only_for_routing(client, catalogue, login):
    org_offer(client, catalogue, "hannover", ["03241001"],
              connection_parameters={"dvdv": "hannover-melde"})
    public = competence(client, evidence_type=MELDE, ags="03241001")
    assert "connection_parameters" not in public.json["offer"]
    routed = competence(client, login("routing"), evidence_type=MELDE, ags="03241001")
    assert routed.json["offer"]["connection_parameters"] == {"dvdv": "hannover-melde"}
    assert "private" in routed.headers["Cache-Control"]


def test_etag_and_cache_control(client, catalogue):
    first = competence(client, evidence_type=KFZ, ags="09162000")
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get(f"{API}/competence", query_string={"evidence_type": KFZ,
                                                          "ags": "09162000"},
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_change_is_answered_at_once(client, catalogue):
    org_offer(client, catalogue, "land", ["03"])
    assert provider_of(competence(client, evidence_type=MELDE, ags="03241001")) == "land"
    org_offer(client, catalogue, "hannover", ["03241001"])
    assert provider_of(competence(client, evidence_type=MELDE, ags="03241001")) == "hannover"


@pytest.mark.parametrize("params, names", [
    ({"evidence_type": MELDE}, {"ags", "ars", "plz"}),
    ({"evidence_type": MELDE, "ags": "09162000", "plz": "80331"}, {"ags", "plz"}),
    ({"evidence_type": MELDE, "ags": "0916200"}, {"ags"}),
    ({"evidence_type": MELDE, "ars": "09162000"}, {"ars"}),
    ({"evidence_type": MELDE, "plz": "8033"}, {"plz"}),
    ({"evidence_type": MELDE, "ags": "09162000", "place": "x"}, {"place"}),
    ({"evidence_type": MELDE, "ags": "09162000", "at": "1.1.2026"}, {"at"}),
    ({"ags": "09162000"}, {"evidence_type", "leika"}),
    ({"evidence_type": MELDE, "ags": "09162000", "areaId": "x"}, {"areaId"}),
])
def test_bad_lookups_are_400_naming_the_parameters(client, catalogue, params, names):
    body = assert_problem(competence(client, **params), 400, "validation-error")
    assert {e["name"] for e in body["errors"]} == names


def test_distinct_not_found_types(client, catalogue):
    assert_problem(competence(client, evidence_type="unbekannt", ags="09162000"), 404,
                   "unknown-evidence-type")
    assert_problem(competence(client, evidence_type=MELDE, ags="09999999"), 404,
                   "unknown-area")
    assert_problem(competence(client, evidence_type=MELDE, plz="00000"), 404, "unknown-area")
    assert_problem(competence(client, evidence_type=MELDE, ags="09162000"), 404,
                   "no-competent-provider")


class TestBatch:
    def test_per_item_answers(self, client, catalogue, login):
        org_offer(client, catalogue, "amt-suedtondern", ["010545489"])
        r = client.post(f"{API}/competence/batch", headers=login("routing"), json={
            "evidence_type": MELDE, "lookups": [
                {"ags": "01054018"}, {"plz": "25926"}, {"ags": "09162000"},
                {"ags": "0916"}, {"evidence_type": KFZ, "ars": "110000000000"},
                {"ags": "09479462"}]})
        assert r.status_code == 200
        statuses = [i["status"] for i in r.json["items"]]
        assert statuses == [200, 200, 404, 400, 200, 410]
        assert r.json["items"][0]["result"]["provider"]["code"] == "amt-suedtondern"
        assert r.json["items"][2]["problem"]["type"].endswith("/no-competent-provider")
        assert r.json["items"][4]["result"]["offer"]["connection_parameters"] == {}

    def test_every_municipality_in_one_batch(self, client, catalogue, login):
        lookups = [{"ags": r["ags"]} for r in client.get(
            f"{API}/municipalities", query_string={"page_size": 500, "land": "02"}).json["items"]]
        r = client.post(f"{API}/competence/batch", headers=login("routing"),
                        json={"evidence_type": KFZ, "lookups": lookups})
        assert [i["status"] for i in r.json["items"]] == [200] * len(lookups)

    def test_too_many_lookups_is_413(self, client, catalogue, login):
        r = client.post(f"{API}/competence/batch", headers=login("routing"),
                        json={"evidence_type": KFZ, "lookups": [{"ags": "09162000"}] * 20001})
        assert_problem(r, 413, "payload-too-large")

    def test_bad_bodies_and_roles(self, client, catalogue, login):
        routing = login("routing")
        assert_problem(client.post(f"{API}/competence/batch", headers=routing,
                                   json=[1, 2]), 422)
        # Malformed evidence types are per-item 400s, never a failure of the whole batch.
        r = client.post(f"{API}/competence/batch", headers=routing, json={
            "evidence_type": [MELDE], "lookups": [{"ags": "01054018"},
                                                  {"evidence_type": {"x": 1}, "ags": "01"}]})
        assert [i["status"] for i in r.json["items"]] == [400, 400]
        assert_problem(client.post(f"{API}/competence/batch", json={"lookups": []}), 401)
        assert_problem(client.post(f"{API}/competence/batch",
                                   headers=login("provider_admin", "kba"),
                                   json={"lookups": []}), 403)


class TestSnapshot:
    def test_ndjson_covers_every_current_municipality(self, client, catalogue, login):
        import json
        r = client.get(f"{API}/competence/snapshot", query_string={"evidence_type": KFZ},
                       headers=login("routing"))
        assert r.mimetype == "application/x-ndjson"
        rows = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
        assert len(rows) == 10953
        assert {row["provider"] for row in rows} == {"kba"}
        assert rows[0]["connection_parameters"] == {}

    def test_csv(self, client, catalogue, login):
        r = client.get(f"{API}/competence/snapshot", query_string={"evidence_type": MELDE},
                       headers={**login("data_manager"), "Accept": "text/csv"})
        lines = r.get_data(as_text=True).splitlines()
        assert lines[0].startswith("ags,ars,name,area_key,provider")
        assert len(lines) == 10954


class TestPermissionCheck:
    @pytest.fixture
    def permitted(self, client, catalogue):
        organisation(client, catalogue, "parkamt")
        create(client, catalogue, "services", {"code": "parken", "name": {"de": "Parken"}})
        return create(client, catalogue, "permissions", {
            "consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
            "provider": "kba", "legal_basis": "§ 45 Abs. 1b StVO",
            "may_use_identification_number": True, "valid_to": "2099-01-01"})

    def check(self, client, headers, **params):
        return client.get(f"{API}/permissions/check", query_string=params, headers=headers)

    def test_allowed_with_the_deciding_permission(self, client, login, permitted):
        r = self.check(client, login("routing"), consumer="parkamt", service="parken",
                       evidence_type=KFZ, provider="kba")
        assert r.json["allowed"] is True
        assert r.json["permission"] == permitted["code"]
        assert r.json["legal_basis"] == "§ 45 Abs. 1b StVO"
        assert r.json["may_use_identification_number"] is True

    def test_not_allowed_for_another_provider_evidence_or_date(self, client, login, permitted):
        routing = login("routing")
        organisation(client, login("data_manager"), "anderer")
        for params in ({"provider": "anderer"}, {"evidence_type": MELDE},
                       {"at": "2099-01-01"}, {}):
            query = {"consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
                     "provider": "kba", **params}
            if not params:
                query.pop("provider")  # a provider-specific permission needs the provider
            r = self.check(client, routing, **query)
            assert r.json["allowed"] is False and r.json["permission"] is None, params

    def test_unknown_codes_are_404_and_roles(self, client, login, permitted):
        body = assert_problem(self.check(client, login("routing"), consumer="niemand",
                                         service="parken", evidence_type=KFZ), 404)
        assert body["errors"][0]["name"] == "consumer"
        assert_problem(self.check(client, {}, consumer="parkamt", service="parken",
                                  evidence_type=KFZ), 401)


class TestCoverage:
    def test_a_date_at_the_end_of_the_calendar_is_answered(self, client, catalogue):
        r = client.get(f"{API}/coverage", headers=catalogue,
                       query_string={"evidence_type": MELDE, "at": "9999-12-31"})
        assert r.status_code == 200 and r.json["summary"]["without_provider"] >= 0

    def test_report(self, client, catalogue, login):
        org_offer(client, catalogue, "region-hannover", ["03241"])
        org_offer(client, catalogue, "hannover", ["03241001"],
                  valid_to=(date.today() + timedelta(days=30)).isoformat())
        org_offer(client, catalogue, "tastrup", ["01059101"])
        change(client, catalogue, "organisations", "tastrup", {"status": "suspended"})
        r = client.get(f"{API}/coverage", query_string={"evidence_type": MELDE},
                       headers=catalogue)
        report = r.json
        assert report["summary"]["covered"] == 21
        assert report["summary"]["without_provider"] == 10953 - 21
        assert [n["ags"] for n in report["nested_offers"]] == ["03241001"]
        assert [o["provider"] for o in report["expiring_offers"]] == ["hannover"]
        assert [o["area_key"] for o in report["offers_on_retired_areas"]] == ["01059101"]
        assert [o["provider"] for o in report["offers_of_inactive_organisations"]] == \
            ["tastrup"]
        as_csv = client.get(f"{API}/coverage", query_string={"evidence_type": MELDE},
                            headers={**catalogue, "Accept": "text/csv"})
        assert as_csv.mimetype == "text/csv"
        assert "nested,03241001" in as_csv.get_data(as_text=True)
        assert_problem(client.get(f"{API}/coverage", query_string={"evidence_type": MELDE},
                                  headers=login("routing")), 403)


def test_batch_items_repeat_their_index_and_input(client, each_municipality_its_own, login):
    """A caller need not rely on the order of the answers."""
    lookups = [{"ags": "01054018", "ref": "case-7"}, {"plz": "25926"}, "not an object",
               {"ags": "0105401"}]
    r = client.post(f"{API}/competence/batch", headers=login("routing"), json={
        "evidence_type": MELDE, "lookups": lookups})
    items = r.json["items"]
    assert [(i["index"], i["input"]) for i in items] == list(enumerate(lookups))
    assert [i["status"] for i in items] == [200, 409, 400, 400]
