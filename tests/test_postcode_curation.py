"""The curated layer over the shipped postcode table: data managers add and
remove pairs and place names, a second data manager reviews, lookups follow at once, re-seeds
keep them. The example is real: the 2023 table lists 03058 for Neuhausen/Spree only, but
Cottbus's Ortsteile Gallinchen and Kiekebusch carry it too."""
import pytest

from app.areas.seed import seed_areas

from .catalog_helpers import API, offer, organisation
from .conftest import SEED_DIR
from .helpers import assert_problem
from .web_helpers import post_form, post_review, sign_in, text, web_user

MELDE = "meldebescheinigung"
PLZ, COTTBUS, NEUHAUSEN = "03058", "12052000", "12071301"
PAIRS = f"{API}/postcodes/{PLZ}/pairs"


@pytest.fixture
def two_managers(login):
    return login("data_manager", email="dm1@test.example"), \
        login("data_manager", email="dm2@test.example")


@pytest.fixture
def providers(client, dm):
    for code, key in (("cottbus", COTTBUS), ("spree-neisse", "12071")):
        organisation(client, dm, code)
        offer(client, dm, MELDE, [key], provider=code, valid_from="2000-01-01")


def ask(client, **params):
    return client.get(f"{API}/competence", query_string={"evidence_type": MELDE, **params})


def propose(client, headers, body, status=201):
    r = client.post(PAIRS, json=body, headers=headers)
    assert r.status_code == status, r.get_data(as_text=True)
    return r


def approve(client, headers, code, etag=None):
    etag = etag or client.get(f"{PAIRS}/{code}", headers=headers).headers["ETag"]
    return client.post(f"{PAIRS}/{code}/approve", headers={**headers, "If-Match": etag})


GALLINCHEN = {"ags": COTTBUS, "place": "Gallinchen",
              "reason": "Ortsteil von Cottbus mit PLZ 03058 (Deutsche Post)"}


def test_an_approved_place_name_makes_a_border_postcode_honest(client, two_managers,
                                                               providers):
    first, second = two_managers
    # Before: the table lists one side only, and the answer is confidently one-sided.
    assert ask(client, plz=PLZ).json["provider"]["code"] == "spree-neisse"
    assert_problem(ask(client, plz=PLZ, place="Gallinchen"), 404, "unknown-area")
    proposed = propose(client, first, GALLINCHEN).json
    assert proposed["status"] == "pending" and proposed["municipality"].startswith("Cottbus")
    # Pending changes nothing that routing sees.
    assert ask(client, plz=PLZ).json["provider"]["code"] == "spree-neisse"
    r = approve(client, second, proposed["code"])
    assert r.status_code == 200 and r.json["status"] == "active"
    body = assert_problem(ask(client, plz=PLZ), 409, "needs-more-information")
    by_ags = {c["ags"]: c for c in body["candidates"]}
    assert by_ags[COTTBUS]["sources"] == [f"curated:{proposed['code']}"]
    assert by_ags[NEUHAUSEN]["sources"] == ["suche-postleitzahl-osm-2023"]
    chosen = ask(client, plz=PLZ, place="Gallinchen")
    assert chosen.json["provider"]["code"] == "cottbus"
    table = client.get(f"{API}/postcodes/{PLZ}").json
    assert {m["ags"]: m["source"] for m in table["municipalities"]} == {
        NEUHAUSEN: "suche-postleitzahl-osm-2023", COTTBUS: f"curated:{proposed['code']}"}
    assert table["municipality_count"] == 2


def test_four_eyes_and_the_reviewed_version(client, two_managers):
    first, second = two_managers
    proposed = propose(client, first, GALLINCHEN).json
    assert_problem(approve(client, first, proposed["code"]), 403)
    assert_problem(client.post(f"{PAIRS}/{proposed['code']}/approve", headers=second), 428)
    assert_problem(approve(client, second, proposed["code"], etag='"v9.p1"'), 412)
    # The same curation twice is refused while the first is open.
    assert_problem(propose(client, second, GALLINCHEN, status=409), 409)
    rejected = client.post(f"{PAIRS}/{proposed['code']}/reject", json={"reason": "Quelle?"},
                           headers={**second, "If-Match": client.get(
                               f"{PAIRS}/{proposed['code']}", headers=second).headers["ETag"]})
    assert rejected.json["status"] == "rejected"


def test_a_removed_pair_leaves_lookups_and_reseeds_keep_curations(client, conn, two_managers,
                                                                  providers):
    first, second = two_managers
    added = propose(client, first, GALLINCHEN).json
    approve(client, second, added["code"])
    removed = propose(client, second, {"ags": NEUHAUSEN, "change": "remove",
                                       "reason": "test: Neuhausen taken off"}).json
    assert approve(client, first, removed["code"]).status_code == 200
    assert ask(client, plz=PLZ).json["provider"]["code"] == "cottbus"
    # The seed never overwrites a curated row: after a re-seed the curations still apply.
    seed_areas(conn, SEED_DIR)
    assert ask(client, plz=PLZ).json["provider"]["code"] == "cottbus"
    assert {c["status"] for c in client.get(PAIRS, headers=first).json} == {"active"}


def test_curations_are_audited_and_in_the_change_feed(client, conn, two_managers):
    first, second = two_managers
    proposed = propose(client, first, GALLINCHEN).json
    approve(client, second, proposed["code"])
    actions = [r["action"] for r in conn.execute(
        "SELECT action FROM audit_log WHERE collection = 'postcodes' AND object_code = %s "
        "ORDER BY id", (proposed["code"],)).fetchall()]
    assert actions == ["postcode.propose", "postcode.approve"]
    feed = client.get(f"{API}/changes", headers=first).json["items"]
    assert any(c["collection"] == "postcodes" and c["object"] == proposed["code"]
               for c in feed)


def test_withdrawing_and_what_is_refused(client, two_managers, login):
    first, _ = two_managers
    proposed = propose(client, first, GALLINCHEN).json
    withdrawn = client.delete(f"{PAIRS}/{proposed['code']}", headers=first)
    assert withdrawn.json["status"] == "withdrawn"
    assert_problem(client.delete(f"{PAIRS}/{proposed['code']}", headers=first), 409)
    # Removing a pair that is not there, adding one that is, unknown keys, no reason.
    assert_problem(propose(client, first, {"ags": COTTBUS, "change": "remove",
                                           "reason": "x"}, status=409), 409)
    assert_problem(propose(client, first, {"ags": NEUHAUSEN, "reason": "x"}, status=409), 409)
    assert_problem(propose(client, first, {"ags": "12999999", "reason": "x"}, status=404),
                   404, "unknown-area")
    assert propose(client, first, {"ags": COTTBUS}, status=422).status_code == 422
    # Only data managers and admins write; providers and anonymous callers do not.
    assert client.post(PAIRS, json=GALLINCHEN).status_code == 401
    assert client.post(PAIRS, json=GALLINCHEN,
                       headers=login("provider_admin", org="kba")).status_code == 403


def test_a_csv_file_proposes_all_rows_or_none(client, conn, two_managers):
    first, _ = two_managers

    def send(text):
        data = text if isinstance(text, bytes) else text.encode()
        return client.post(f"{API}/postcodes/import", data=data,
                           headers={**first, "Content-Type": "text/csv"})

    bad = send("plz,ags,place,change,reason\n"
               f"{PLZ},{COTTBUS},Gallinchen,add,Ortsteil\n"
               f"{PLZ},{COTTBUS},Kiekebusch,move,Ortsteil\n")
    body = assert_problem(bad, 422)
    assert body["errors"][0]["name"].startswith("row 3")
    assert conn.execute("SELECT count(*) AS n FROM postcode_curation").fetchone()["n"] == 0
    good = send("plz,ags,place,change,reason\n"
                f"{PLZ},{COTTBUS},Gallinchen,add,Ortsteil von Cottbus\n"
                f"{PLZ},{COTTBUS},Kiekebusch,add,Ortsteil von Cottbus\n")
    assert good.status_code == 200, good.get_data(as_text=True)
    assert [p["place"] for p in good.json["proposed"]] == ["Gallinchen", "Kiekebusch"]
    assert all(p["status"] == "pending" for p in good.json["proposed"])
    # Not UTF-8: a 400 naming the line.
    assert "line 2" in assert_problem(send(b"plz,ags,reason\n03058,12052000,K\xf6ln\n"),
                                      400)["errors"][0]["detail"]


def test_the_web_pages_propose_and_review(app, client, conn, providers):
    first = client
    sign_in(first, web_user(conn, "data_manager", email="web1@test.example"))
    page = text(first.get(f"/postleitzahlen/{PLZ}"))
    assert "Neuhausen/Spree" in page and "suche-postleitzahl-osm-2023" in page
    r = post_form(first, f"/postleitzahlen/{PLZ}", {
        "ags": COTTBUS, "place": "Kiekebusch", "change": "add",
        "reason": "Ortsteil von Cottbus mit PLZ 03058"})
    assert r.status_code == 303, text(r)[:2000]
    code = r.headers["Location"].rsplit("=", 1)[1]
    # A refused proposal is shown on the form, in German, nothing written.
    refused = post_form(first, f"/postleitzahlen/{PLZ}", {"ags": COTTBUS, "change": "add",
                                                          "reason": ""})
    assert refused.status_code == 422 and "error-summary" in text(refused)
    second = app.test_client()
    sign_in(second, web_user(conn, "data_manager", email="web2@test.example"))
    queue = text(second.get("/pruefung"))
    assert f"/pruefung/postleitzahlen/{code}" in queue
    # The proposer cannot decide; the second data manager can.
    assert post_review(first, f"/pruefung/postleitzahlen/{code}",
                       {"decision": "approve"}).status_code == 403
    assert post_review(second, f"/pruefung/postleitzahlen/{code}",
                       {"decision": "approve"}).status_code == 303
    assert ask(client, plz=PLZ, place="Kiekebusch").json["provider"]["code"] == "cottbus"
    assert "kuratiert" in text(second.get(f"/postleitzahlen/{PLZ}"))
