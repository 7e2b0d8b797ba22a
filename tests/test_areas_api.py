"""The public read API for reference areas, against the real GV100AD and PLZ data."""
import pytest

from .helpers import assert_problem

API = "/api/v1"


def get(client, path, **params):
    return client.get(API + path, query_string=params)


@pytest.mark.parametrize("ags, name, kreis", [
    ("09162000", "München, Landeshauptstadt", "09162"),   # kreisfreie Stadt
    ("11000000", "Berlin, Stadt", "11000"),               # city state
    ("02000000", "Hamburg, Freie und Hansestadt", "02000"),
    ("03241001", "Hannover, Landeshauptstadt", "03241"),  # kreisangehörig, Region Hannover
    ("13073088", "Stralsund, Hansestadt", "13073"),
])
def test_municipality_by_ags(client, ags, name, kreis):
    r = get(client, f"/municipalities/{ags}")
    assert r.status_code == 200
    assert r.json["name"] == name
    assert r.json["status"] == "current"
    assert r.json["kreis"]["key"] == kreis
    assert r.json["land"]["key"] == ags[:2]


def test_municipality_by_ars_names_its_verband(client):
    r = get(client, "/municipalities/010545489018")
    assert r.status_code == 200
    assert r.json["ags"] == "01054018"
    assert r.json["name"] == "Bramstedtlund"
    assert r.json["gemeindeverband"] == {"key": "010545489", "name": "Südtondern", "type": "Amt"}
    assert r.json["regierungsbezirk"] is None  # Schleswig-Holstein has none


def test_retired_ags_answers_with_status_never_as_current(client):
    # Weißenstadter Forst-Nord (a gemeindefreies Gebiet in Bavaria) is in the 2022 directory,
    # gone by 2025-11-30; no source names where its land went, and the key says so.
    r = get(client, "/municipalities/09479462")
    assert r.status_code == 200
    assert r.json["status"] == "retired"
    assert r.json["retired_by"] == "2025-11-30"
    assert r.json["last_seen"] == "2022-12-31"
    assert r.json["successor"] is None and r.json["successors"] == []
    assert "in keiner hier verfügbaren Quelle belegt" in r.json["retirement"]["reason"]
    assert r.json["retirement"]["source"].startswith("official: Gemeindeverzeichnis")
    # A key with a successor has no retirement reason.
    assert get(client, "/municipalities/13071017").json["retirement"] is None


def test_a_shipped_succession_dates_both_keys(client):
    # Tastrup was incorporated into Hürup on 1.3.2023 (catalog_seed/areas/nachfolgen_...).
    r = get(client, "/municipalities/01059101").json
    assert r["status"] == "retired" and r["valid_to"] == "2023-03-01"
    assert r["successor"] == {"ags": "01059126", "name": "Hürup", "status": "current",
                              "effective_on": "2023-03-01"}
    # Jahnatal, new in 2023, names both predecessors and starts the day they merged.
    jahnatal = get(client, "/municipalities/14522275").json
    assert jahnatal["valid_from"] == "2023-01-01"
    assert [p["ags"] for p in jahnatal["predecessors"]] == ["14522450", "14522620"]


def test_former_ars_points_to_the_current_one(client):
    # Blumenthal kept its AGS but moved Amt: ARS 010585859018 -> 010585896018.
    r = get(client, "/municipalities/010585859018")
    assert r.status_code == 200
    assert r.json["status"] == "retired"
    assert r.json["requested_key"] == "010585859018"
    assert r.json["successor"]["ags"] == "01058018"
    current = get(client, "/municipalities/010585896018")
    assert current.json["status"] == "current"
    assert current.json["ags"] == "01058018"


def test_ags_only_the_postcode_table_knows_is_kept_but_retired(client):
    # The 2023 PLZ table still names 12073032 (Berkholz-Meyenburg), in neither GV100AD list.
    r = get(client, "/municipalities/12073032")
    assert r.status_code == 200
    assert r.json["status"] == "retired"
    assert r.json["source"] == "suche-postleitzahl-osm-2023"


@pytest.mark.parametrize("key", ["1100000", "11000000x", "ABCDE", "110000000", "0916200O"])
def test_malformed_municipality_key_is_400_naming_the_parameter(client, key):
    body = assert_problem(get(client, f"/municipalities/{key}"), 400, "validation-error")
    assert body["errors"] == [{"name": "key", "in": "path", "detail": body["errors"][0]["detail"]}]


def test_unknown_municipality_is_404(client):
    assert_problem(get(client, "/municipalities/09999999"), 404, "unknown-area")


@pytest.mark.parametrize("typed", ["muenchen", "munchen", "MÜNCHEN", "München"])
def test_name_filter_folds_case_and_umlauts(client, typed):
    r = get(client, "/municipalities", name=typed, land="09")
    assert r.status_code == 200
    assert "09162000" in [m["ags"] for m in r.json["items"]]


def test_name_filter_folds_sharp_s(client):
    # "Weißenfels" typed as "weissenfels"
    names = {m["name"] for m in get(client, "/municipalities", name="weissenfels").json["items"]}
    assert "Weißenfels, Stadt" in names


def test_filters_by_land_and_kreis_and_pages_in_key_order(client):
    r = get(client, "/municipalities", kreis="01054", page_size=50)
    assert r.status_code == 200
    assert r.json["total"] == 133  # Nordfriesland
    keys = [m["ags"] for m in r.json["items"]]
    assert keys == sorted(keys) and len(keys) == 50
    assert 'rel="next"' in r.headers["Link"]
    last = get(client, "/municipalities", kreis="01054", page_size=50, page=3)
    assert len(last.json["items"]) == 33
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]
    assert get(client, "/municipalities", land="11").json["total"] == 1


def test_every_municipality_is_listed(client):
    assert get(client, "/municipalities", page_size=1).json["total"] == 10953
    assert get(client, "/municipalities", status="retired", page_size=1).json["total"] == 48


@pytest.mark.parametrize("params, name", [
    ({"foo": "1"}, "foo"),
    ({"page_size": "501"}, "page_size"),
    ({"page": "0"}, "page"),
    ({"land": "9"}, "land"),
    ({"kreis": "0916"}, "kreis"),
    ({"status": "gone"}, "status"),
])
def test_bad_query_is_400_naming_the_parameter(client, params, name):
    body = assert_problem(get(client, "/municipalities", **params), 400, "validation-error")
    assert [e["name"] for e in body["errors"]] == [name]
    assert body["errors"][0]["in"] == "query"


def test_repeated_parameter_is_400(client):
    r = client.get(API + "/municipalities?land=09&land=08")
    body = assert_problem(r, 400, "validation-error")
    assert body["errors"][0]["name"] == "land"


def test_unknown_parameter_on_item_is_400(client):
    assert_problem(get(client, "/municipalities/09162000", at="2024-01-01"), 400)


def test_etag_revalidates_with_304(client):
    first = get(client, "/municipalities/09162000")
    etag = first.headers["ETag"]
    again = client.get(API + "/municipalities/09162000", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(API + "/municipalities/11000000", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_area_kreis_with_parent_and_counts(client):
    r = get(client, "/areas/03241")
    assert r.status_code == 200
    assert r.json["level"] == "kreis"
    assert r.json["name"] == "Region Hannover"
    assert r.json["parent"]["key"] == "032"
    assert r.json["municipality_count"] == 21


def test_area_amt_suedtondern(client):
    r = get(client, "/areas/010545489")
    assert r.json["level"] == "gemeindeverband"
    assert r.json["type"] == "Amt"
    assert r.json["parent"]["key"] == "01054"
    assert r.json["municipality_count"] == r.json["children_count"]["municipality"] == 30


def test_area_federation_and_land(client):
    de = get(client, "/areas/DE").json
    assert de["level"] == "federation"
    assert de["children_count"] == {"land": 16}
    assert de["municipality_count"] == 10953
    sh = get(client, "/areas/01").json
    assert sh["parent"]["key"] == "DE"
    assert sh["municipality_count"] == 1106


def test_area_list_by_level_and_name(client):
    r = get(client, "/areas", level="gemeindeverband", name="suedtondern")
    assert [a["key"] for a in r.json["items"]] == ["010545489"]
    assert get(client, "/areas", level="regierungsbezirk", page_size=1).json["total"] == 29
    assert get(client, "/areas", level="kreis", page_size=1).json["total"] == 400


@pytest.mark.parametrize("key", ["D", "1", "1234", "123456", "ABCDE", "de"])
def test_malformed_area_key_is_400(client, key):
    assert_problem(get(client, f"/areas/{key}"), 400, "validation-error")


def test_unknown_area_is_404(client):
    assert_problem(get(client, "/areas/99"), 404, "unknown-area")


def test_postcode_spanning_four_municipalities(client):
    r = get(client, "/postcodes/25926")
    assert r.status_code == 200
    assert {m["ags"] for m in r.json["municipalities"]} == {
        "01054018", "01054062", "01054073", "01054154"}
    assert {m["gemeindeverband"]["key"] for m in r.json["municipalities"]} == {"010545489"}


def test_postcode_across_two_kreise(client):
    r = get(client, "/postcodes/54298")
    kreise = {m["kreis"]["key"] for m in r.json["municipalities"]}
    assert len(kreise) == 2


def test_postcode_of_a_city(client):
    r = get(client, "/postcodes/10115")
    assert [m["ags"] for m in r.json["municipalities"]] == ["11000000"]
    assert r.json["municipalities"][0]["place_name"] == "Berlin"


def test_postcode_flags_municipalities_that_retired(client):
    # 16306 still lists Berkholz-Meyenburg and Passow (merged into Schwedt/Oder).
    r = get(client, "/postcodes/16306")
    status = {m["ags"]: m["status"] for m in r.json["municipalities"]}
    assert status["12073032"] == "retired"
    assert status["12073603"] == "retired"
    assert "current" in status.values()


def test_malformed_and_unknown_postcode(client):
    assert_problem(get(client, "/postcodes/1011"), 400, "validation-error")
    assert_problem(get(client, "/postcodes/00000"), 404, "not-found")
