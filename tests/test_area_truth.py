"""Area changes are data and postcodes never guess, on the real
reference data and the shipped, sourced succession table
(catalog_seed/areas/nachfolgen_2022-12-31_bis_2025-11-30.csv)."""
import csv

import pytest

from app.areas import seed

from .catalog_helpers import API, offer, organisation
from .conftest import SEED_DIR
from .helpers import assert_problem

MELDE = "meldebescheinigung"
OSTRAU, ZSCHAITZ, JAHNATAL = "14522450", "14522620", "14522275"
TASTRUP, HUERUP, FLENSBURG = "01059101", "01059126", "01001000"
BREEST, BARTOW, GEMEINDEFREI_MV = "13071017", "13071006", "13000998"
# Weißenstadter Forst-Nord: gone by 30.11.2025, no source names the receiving municipality.
FORST_NORD, WEISSENSTADT = "09479462", "09479166"
GELLNHAUSEN, BAD_RODACH = "09473453", "09473158"


def ask(client, **params):
    return client.get(f"{API}/competence", query_string={"evidence_type": MELDE, **params})


@pytest.fixture
def providers(client, dm):
    def make(code, areas):
        organisation(client, dm, code)
        return offer(client, dm, MELDE, areas, provider=code, valid_from="2000-01-01")
    return make


def test_the_seed_applies_the_shipped_successions(client, providers):
    """Ostrau merged with Zschaitz-Ottewig into Jahnatal on 1.1.2023: no longer a 410."""
    providers("jahnatal", [JAHNATAL])
    providers("ostrau", [OSTRAU])
    r = ask(client, ags=OSTRAU)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["provider"]["code"] == "jahnatal"
    assert r.json["resolved_via_successor"] == {"requested": OSTRAU, "successor": JAHNATAL,
                                                "effective_on": "2023-01-01"}
    # On a day Ostrau itself existed, Ostrau's own offer answers.
    assert ask(client, ags=OSTRAU, at="2022-12-31").json["provider"]["code"] == "ostrau"


def test_a_successor_is_never_answered_before_it_existed(client, providers):
    providers("jahnatal", [JAHNATAL])
    body = assert_problem(ask(client, ags=JAHNATAL, at="2022-12-31"), 409,
                          "needs-more-information")
    # Two predecessors merged: both are the candidates of that day.
    assert [c["ags"] for c in body["candidates"]] == [OSTRAU, ZSCHAITZ]
    assert "2023-01-01" in body["detail"]
    assert ask(client, ags=JAHNATAL, at="2023-01-01").status_code == 200


@pytest.mark.parametrize("ags, day", [
    ("06437016", "2015-01-01"),   # Oberzent, formed 2018: the data does not know that
    ("16064076", "2012-01-01"),   # Unstrut-Hainich, formed 2019
    ("12073032", "2021-06-01"),   # Berkholz-Meyenburg, merged into Schwedt/Oder in 2022
    (FLENSBURG, "2022-12-30"),    # the day before the earliest shipped edition
])
def test_no_day_before_the_area_data_is_answered(client, dm, providers, ags, day):
    """The shipped area history starts with the Gemeindeverzeichnis of 31.12.2022: a day
    before it is a 409 that says so and what is needed, never an answer about keys the data
    cannot place."""
    providers("land-weit", ["DE"])
    body = assert_problem(ask(client, ags=ags, at=day), 409, "needs-more-information")
    assert body["area_data_starts"] == "2022-12-31"
    assert body["errors"] == [{"name": "at", "in": "query",
                               "detail": "must be 2022-12-31 or later"}]
    # The same for a postcode and for the snapshot.
    assert_problem(ask(client, plz="24937", at=day), 409)
    assert_problem(client.get(f"{API}/competence/snapshot", headers=dm,
                              query_string={"evidence_type": MELDE, "at": day}), 409)
    assert ask(client, ags=FLENSBURG, at="2022-12-31").status_code == 200


def test_a_new_key_without_a_dated_source_starts_with_the_edition_listing_it(client,
                                                                             providers):
    # The gemeindefreie Gebiet of M-V is new in the 30.11.2025 edition; no predecessor known.
    providers("land-mv", ["13"])
    assert ask(client, ags=GEMEINDEFREI_MV).status_code == 200
    body = assert_problem(ask(client, ags=GEMEINDEFREI_MV, at="2024-06-01"), 404,
                          "unknown-area")
    assert "2025-11-30" in body["errors"][0]["detail"]


def _record(conn, predecessor, successor, effective_on=None):
    """A succession as people or a later edition would record it (the index rebuilds)."""
    conn.execute("INSERT INTO area_succession (predecessor_key, successor_key, effective_on, "
                 "recorded_by) VALUES (%s, %s, %s, 'tests')",
                 (predecessor, successor, effective_on))
    conn.execute("UPDATE area SET updated_at = now() WHERE key = %s", (predecessor,))


def test_between_two_editions_the_answer_names_predecessor_and_successor(client, conn,
                                                                        providers):
    """An undated succession into a key new in the later edition (the change lists only say
    "between 31.12.2022 and 30.11.2025"); the pair is made up for the test."""
    providers("land-weit", ["DE"])
    _record(conn, FORST_NORD, GEMEINDEFREI_MV)
    for asked in (FORST_NORD, GEMEINDEFREI_MV):
        body = assert_problem(ask(client, ags=asked, at="2024-06-01"), 409,
                              "needs-more-information")
        assert [c["ags"] for c in body["candidates"]] == [FORST_NORD, GEMEINDEFREI_MV]
    # Outside the window both answer: the key itself before, its successor after.
    assert ask(client, ags=FORST_NORD, at="2022-12-31").status_code == 200
    after = ask(client, ags=FORST_NORD, at="2025-12-01")
    assert after.json["municipality"]["ags"] == GEMEINDEFREI_MV
    assert after.json["resolved_via_successor"]["effective_on"] is None


def test_an_undated_succession_into_an_older_key_is_not_placed_inside_the_window(
        client, providers):
    """Gellnhausen (gemeindefrei) went to Bad Rodach on a day no source names, between the
    editions: a day inside the window is a 409 with both, never Bad Rodach's answer."""
    providers("rodach", [BAD_RODACH])
    providers("landkreis-coburg", ["09473"])
    body = assert_problem(ask(client, ags=GELLNHAUSEN, at="2024-06-01"), 409,
                          "needs-more-information")
    assert [c["ags"] for c in body["candidates"]] == [GELLNHAUSEN, BAD_RODACH]
    assert "2025-11-30" in body["detail"]
    assert ask(client, ags=GELLNHAUSEN, at="2022-12-31").json["provider"]["code"] == \
        "landkreis-coburg"
    after = ask(client, ags=GELLNHAUSEN, at="2025-11-30")
    assert after.json["provider"]["code"] == "rodach"
    assert after.json["resolved_via_successor"] == {
        "requested": GELLNHAUSEN, "successor": BAD_RODACH, "effective_on": None}


def test_a_split_is_a_409_with_the_candidates(client, conn, providers):
    providers("land-by", ["09"])
    _record(conn, FORST_NORD, WEISSENSTADT, "2023-01-01")
    _record(conn, FORST_NORD, "09479169", "2023-01-01")
    body = assert_problem(ask(client, ags=FORST_NORD), 409, "needs-more-information")
    assert {c["ags"] for c in body["candidates"]} == {WEISSENSTADT, "09479169"}
    doc = client.get(f"{API}/municipalities/{FORST_NORD}").json
    assert doc["successor"] is None and len(doc["successors"]) == 2


def test_a_postcode_is_never_narrowed_to_the_part_that_resolves(client, providers):
    """24943 lists Flensburg and the former Tastrup, now part of Hürup: the postcode answers
    only when both lead to the same offer."""
    providers("flensburg", [FLENSBURG])
    body = assert_problem(ask(client, plz="24943"), 409, "needs-more-information")
    by_ags = {c["ags"]: c for c in body["candidates"]}
    assert by_ags[FLENSBURG]["provider"]["code"] == "flensburg"
    assert by_ags[HUERUP]["provider"] is None
    assert by_ags[HUERUP]["resolved_via_successor"]["requested"] == TASTRUP
    # A provider for Hürup's part that is another one: still candidates, never a guess.
    providers("kreis-sl-fl", ["01059"])  # Kreis Schleswig-Flensburg covers Hürup
    body = assert_problem(ask(client, plz="24943"), 409, "needs-more-information")
    assert {c["provider"]["code"] for c in body["candidates"]} == {"flensburg", "kreis-sl-fl"}


def test_a_postcode_whose_members_share_one_offer_answers_with_all_of_them(client, providers):
    providers("land-sh", ["01"])
    r = ask(client, plz="24943")
    assert r.status_code == 200
    members = {m["ags"]: m for m in r.json["municipalities"]}
    assert set(members) >= {FLENSBURG, HUERUP}
    assert members[HUERUP]["resolved_via_successor"]["requested"] == TASTRUP


def test_coverage_lists_what_the_geography_cannot_answer(client, dm, providers):
    providers("land-mv", ["13"])
    report = client.get(f"{API}/coverage", query_string={"evidence_type": MELDE},
                        headers=dm).json
    unsucceeded = {m["ags"]: m for m in report["retired_without_successor"]}
    assert FORST_NORD in unsucceeded and "Quelle belegt" in unsucceeded[FORST_NORD]["reason"]
    assert unsucceeded[FORST_NORD]["last_seen"] == "2022-12-31"   # ISO, not an HTTP date
    assert not {BREEST, TASTRUP, OSTRAU} & set(unsucceeded)
    postcodes = {p["plz"]: p for p in report["postcodes_with_retired_members"]}
    assert postcodes["24943"]["retired"] == [TASTRUP]
    assert postcodes["24943"]["successors"] == [HUERUP]
    assert report["summary"]["retired_without_successor"] == len(unsucceeded)


def _removed_keys():
    """Every key the shipped editions removed, and those only the 2023 postcode table
    still names (in neither edition): read from the shipped files themselves."""
    with open(SEED_DIR / seed.KEY_CHANGES, encoding="utf-8") as f:
        removed = [r["ags"] for r in csv.DictReader(f) if r["aenderung"] == "removed"]
    return removed + ["12073032", "12073386", "12073603"]


def test_no_removed_key_answers_410_without_a_recorded_reason(client, providers):
    providers("bund-weit", ["DE"])
    keys = _removed_keys()
    assert len(keys) == 48
    for day in (None, "2025-11-30"):
        for ags in keys:
            r = ask(client, ags=ags, **({"at": day} if day else {}))
            assert r.status_code in (200, 409, 410), (ags, r.status_code)
            if r.status_code == 410:
                assert r.json["reason"] and r.json["retired_key"] == ags, ags


@pytest.mark.parametrize("ags, successors, day", [
    ("06635005", ["06635001"], "2023-01-01"),               # Bromskirchen -> Allendorf (Eder)
    ("16064072", ["16064071"], "2023-01-01"),               # Menteroda -> Unstruttal
    ("16064073", ["16061118", "16064046", "16064071"], "2023-01-01"),  # Anrode, split
    ("16064014", ["16061118", "16064071"], "2023-01-01"),   # Dünwald, split
    ("16064058", ["16064076"], "2024-01-01"),               # Schönstedt -> Unstrut-Hainich
    ("16066073", ["16066042"], "2024-01-01"),               # Sülzfeld -> Meiningen
    ("12073032", ["12073532"], "2022-04-19"),               # Berkholz-Meyenburg -> Schwedt
    ("12073386", ["12073532"], "2022-04-19"),               # Mark Landin -> Schwedt/Oder
    ("12073603", ["12073532"], "2022-04-19"),               # Passow -> Schwedt/Oder
])
def test_a_sourced_retirement_answers_with_its_successor(client, providers, ags, successors,
                                                         day):
    providers("bund-weit", ["DE"])
    doc = client.get(f"{API}/municipalities/{ags}").json
    assert [(s["ags"], s["effective_on"]) for s in doc["successors"]] == \
        [(s, day) for s in successors]
    r = ask(client, ags=ags)
    if len(successors) == 1:
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.json["resolved_via_successor"] == {"requested": ags,
                                                    "successor": successors[0],
                                                    "effective_on": day}
    else:
        body = assert_problem(r, 409, "needs-more-information")
        assert sorted(c["ags"] for c in body["candidates"]) == successors


def test_menteroda_between_the_editions_is_unstruttal(client, providers):
    """Dissolved on 1.1.2023 into Unstruttal: half a year later the answer is Unstruttal's,
    not the 410 of a key without successor nor a "between editions" 409."""
    providers("unstruttal", ["16064071"])
    r = ask(client, ags="16064072", at="2023-06-01")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["provider"]["code"] == "unstruttal"
