"""Area changes are data and postcodes never guess, on the real
reference data and the shipped, sourced succession table
(catalog_seed/areas/nachfolgen_2022-12-31_bis_2025-11-30.csv)."""
import pytest

from .catalog_helpers import API, offer, organisation
from .helpers import assert_problem

MELDE = "meldebescheinigung"
OSTRAU, ZSCHAITZ, JAHNATAL = "14522450", "14522620", "14522275"
TASTRUP, HUERUP, FLENSBURG = "01059101", "01059126", "01001000"
BREEST, GEMEINDEFREI_MV = "13071017", "13000998"


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
    """An undated succession (the change lists only say "between 31.12.2022 and 30.11.2025");
    the pair is made up for the test: Breest has no sourced successor."""
    providers("land-mv", ["13"])
    _record(conn, BREEST, GEMEINDEFREI_MV)
    for asked in (BREEST, GEMEINDEFREI_MV):
        body = assert_problem(ask(client, ags=asked, at="2024-06-01"), 409,
                              "needs-more-information")
        assert [c["ags"] for c in body["candidates"]] == [BREEST, GEMEINDEFREI_MV]
    # Outside the window both answer: Breest itself before, its successor after.
    assert ask(client, ags=BREEST, at="2022-12-31").status_code == 200
    after = ask(client, ags=BREEST, at="2025-12-01")
    assert after.json["municipality"]["ags"] == GEMEINDEFREI_MV
    assert after.json["resolved_via_successor"]["effective_on"] is None


def test_a_split_is_a_409_with_the_candidates(client, conn, providers):
    providers("land-mv", ["13"])
    _record(conn, BREEST, GEMEINDEFREI_MV, "2023-01-01")
    _record(conn, BREEST, "13071001", "2023-01-01")
    body = assert_problem(ask(client, ags=BREEST), 409, "needs-more-information")
    assert {c["ags"] for c in body["candidates"]} == {GEMEINDEFREI_MV, "13071001"}
    doc = client.get(f"{API}/municipalities/{BREEST}").json
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
    unsucceeded = {m["ags"] for m in report["retired_without_successor"]}
    assert BREEST in unsucceeded and TASTRUP not in unsucceeded and OSTRAU not in unsucceeded
    postcodes = {p["plz"]: p for p in report["postcodes_with_retired_members"]}
    assert postcodes["24943"]["retired"] == [TASTRUP]
    assert postcodes["24943"]["successors"] == [HUERUP]
    assert report["summary"]["retired_without_successor"] == len(unsucceeded)
