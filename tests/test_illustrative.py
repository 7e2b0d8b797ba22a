"""Demo versus real: answers say whether they are
illustrative; `illustrative=false` filters before resolution; a real offer displaces the
illustrative ones on its key and below, audited; `regmap demo retire` retires the demo in one
change; an offer activated without a start starts on the Berlin day of its activation."""
from datetime import timedelta

import pytest

from app.access.actor import system_actor
from app.catalog.offers import offers
from app.catalog.organisations import organisations
from app.cli import main
from app.values.dates import berlin_today

from .catalog_helpers import API, change, create, offer, organisation, review
from .helpers import assert_problem

MELDE = "meldebescheinigung"  # shipped by the plain seed as a real entry
SEEDER = system_actor("tests:demo")
# Amt Südtondern (Gemeindeverband 010545489) and two of its villages; Flensburg elsewhere.
LADELUND, KARLUM, FLENSBURG = "01054073", "01054062", "01001000"


def demo_offer(conn, provider, areas, **extra):
    """An illustrative offer as the demo seed writes it (no API body sets the flag)."""
    return offers.submit(conn, SEEDER, {
        "provider": provider, "evidence_type": MELDE, "areas": areas,
        "service_id": f"urn:demo:{provider}", "endpoint_url": f"https://{provider}.example/dp",
        "status": "active", "illustrative": True, **extra})


def demo_organisation(conn, code):
    return organisations.submit(conn, SEEDER, {"code": code, "name": code, "kind": "Amt",
                                               "status": "active", "illustrative": True})


def ask(client, headers=None, **params):
    return client.get(f"{API}/competence", query_string={"evidence_type": MELDE, **params},
                      headers=headers or {})


def status_of(conn, code):
    return conn.execute("SELECT status, valid_from, valid_to, "
                        "ARRAY(SELECT area_key FROM offer_area a JOIN offer o2 "
                        "ON o2.id = a.offer_id WHERE o2.code = %(c)s ORDER BY 1) AS areas "
                        "FROM offer WHERE code = %(c)s", {"c": code}).fetchone()


@pytest.fixture
def demo(client, dm, conn):
    """Illustrative offers on two villages of Amt Südtondern and on Flensburg."""
    for code in ("demo-ladelund", "demo-karlum", "demo-flensburg"):
        demo_organisation(conn, code)
    return {"ladelund": demo_offer(conn, "demo-ladelund", [LADELUND],
                                   valid_from="2020-01-01")["code"],
            "karlum": demo_offer(conn, "demo-karlum", [KARLUM, FLENSBURG],
                                 valid_from="2020-01-01")["code"]}


def test_answers_say_whether_they_are_illustrative(client, dm, demo):
    r = ask(client, ags=LADELUND)
    assert r.status_code == 200
    assert r.json["illustrative"] is True and r.json["environment"] == "production"
    organisation(client, dm, "kreis-nf")
    offer(client, dm, MELDE, ["01054"], provider="kreis-nf", valid_from="2020-01-01")
    # Ladelund's demo offer is displaced by the real Kreis offer: the answer is real now.
    r = ask(client, ags=LADELUND)
    assert r.json["provider"]["code"] == "kreis-nf" and r.json["illustrative"] is False


def test_illustrative_false_filters_before_resolution(client, dm, conn):
    """A real Kreis offer answers where only an illustrative municipality offer exists."""
    organisation(client, dm, "kreis-nf")
    offer(client, dm, MELDE, ["01054"], provider="kreis-nf", valid_from="2020-01-01")
    demo_organisation(conn, "demo-ladelund")
    demo_offer(conn, "demo-ladelund", [LADELUND])  # created after the real one: nested
    assert ask(client, ags=LADELUND).json["provider"]["code"] == "demo-ladelund"
    real = ask(client, ags=LADELUND, illustrative="false")
    assert real.json["provider"]["code"] == "kreis-nf" and real.json["illustrative"] is False
    assert_problem(ask(client, ags=LADELUND, illustrative="maybe"), 400, "validation-error")
    # The same in a batch item, whose problem points at the item.
    batch = client.post(f"{API}/competence/batch", headers=dm, json={
        "evidence_type": MELDE, "lookups": [
            {"ags": LADELUND, "illustrative": False}, {"ags": LADELUND},
            {"ags": LADELUND, "illustrative": "ja"}]}).json["items"]
    assert [i["result"]["provider"]["code"] for i in batch[:2]] == ["kreis-nf",
                                                                   "demo-ladelund"]
    assert batch[2]["problem"]["errors"][0]["name"] == "lookups[2].illustrative"
    # Snapshot rows say it as well, and take the same filter.
    rows = client.get(f"{API}/competence/snapshot?evidence_type={MELDE}&illustrative=false",
                      headers=dm).get_data(as_text=True)
    assert f'"ags":"{LADELUND}"' in rows and '"provider":"demo-ladelund"' not in rows
    assert '"illustrative":false,"environment":"production"' in rows


def test_routing_tokens_follow_the_operators_default(app, client, dm, login, conn, demo):
    organisation(client, dm, "kreis-nf")
    routing = login("routing")
    assert ask(client, routing, ags=FLENSBURG).json["illustrative"] is True
    app.config["REGMAP_ROUTING_ILLUSTRATIVE"] = False
    try:
        assert_problem(ask(client, routing, ags=FLENSBURG), 404, "no-competent-provider")
        # Asking explicitly still works, and other callers keep seeing the demo.
        assert ask(client, routing, ags=FLENSBURG, illustrative="true").status_code == 200
        assert ask(client, ags=FLENSBURG).status_code == 200
    finally:
        app.config["REGMAP_ROUTING_ILLUSTRATIVE"] = True


def test_a_real_offer_displaces_illustrative_ones_on_its_key_and_below(client, dm, conn,
                                                                       demo):
    organisation(client, dm, "amt-suedtondern")
    # Not refused although illustrative offers cover keys below it (once a 409).
    real = offer(client, dm, MELDE, ["010545489"], provider="amt-suedtondern",
                 valid_from="2020-01-01")
    # Ladelund's offer covered only a key below: retired. Karlum's loses Karlum and keeps
    # Flensburg, which lies elsewhere.
    assert status_of(conn, demo["ladelund"])["status"] == "retired"
    karlum = status_of(conn, demo["karlum"])
    assert karlum["status"] == "active" and karlum["areas"] == [FLENSBURG]
    entries = conn.execute("SELECT object_code, reason FROM audit_log "
                           "WHERE action = 'offer.displace' ORDER BY object_code").fetchall()
    assert [e["object_code"] for e in entries] == sorted([demo["ladelund"], demo["karlum"]])
    assert all(real["code"] in e["reason"] for e in entries), entries
    for ags in (LADELUND, KARLUM):
        assert ask(client, ags=ags).json["provider"]["code"] == "amt-suedtondern"
    assert ask(client, ags=FLENSBURG).json["provider"]["code"] == "demo-karlum"


def test_an_illustrative_offer_ends_where_a_later_real_one_starts(client, dm, conn, demo):
    organisation(client, dm, "ladelund")
    starts = (berlin_today() + timedelta(days=30)).isoformat()
    offer(client, dm, MELDE, [LADELUND], provider="ladelund", valid_from=starts)
    trimmed = status_of(conn, demo["ladelund"])
    assert trimmed["status"] == "active" and trimmed["valid_to"].isoformat() == starts
    assert ask(client, ags=LADELUND).json["provider"]["code"] == "demo-ladelund"
    assert ask(client, ags=LADELUND, at=starts).json["provider"]["code"] == "ladelund"


def test_an_illustrative_offer_cannot_cover_a_real_ones_key(client, dm, conn):
    organisation(client, dm, "ladelund")
    demo_organisation(conn, "demo-ladelund")
    offer(client, dm, MELDE, [LADELUND], provider="ladelund", valid_from="2020-01-01")
    with pytest.raises(Exception) as refused:
        with conn.transaction():
            demo_offer(conn, "demo-ladelund", [LADELUND])
    assert getattr(refused.value, "slug", None) == "overlapping-offer"


def test_approving_a_real_proposal_displaces_the_demo(client, dm, conn, login, demo):
    organisation(client, dm, "ladelund")
    provider = login("provider_admin", org="ladelund")
    proposed = offer(client, provider, MELDE, [LADELUND])  # overlaps only a demo offer
    assert proposed["status"] == "pending" and proposed["valid_from"] is None
    assert status_of(conn, demo["ladelund"])["status"] == "active"
    assert review(client, dm, f"{API}/offers/{proposed['code']}").status_code == 200
    approved = client.get(f"{API}/offers/{proposed['code']}", headers=dm).json
    # Activated without a start: it starts on the day of approval, where the demo offer,
    # valid since 2020, now ends.
    assert approved["valid_from"] == berlin_today().isoformat()
    assert status_of(conn, demo["ladelund"])["valid_to"] == berlin_today()
    assert ask(client, ags=LADELUND).json["provider"]["code"] == "ladelund"


def test_an_offer_activated_without_a_start_starts_today(client, dm, conn):
    organisation(client, dm, "ladelund")
    created = offer(client, dm, MELDE, [LADELUND], provider="ladelund")
    assert created["valid_from"] == berlin_today().isoformat()
    assert_problem(ask(client, ags=LADELUND, at="2023-01-01"), 404, "no-competent-provider")
    # Rows from before keep what they have: an open start stays open through an edit.
    conn.execute("UPDATE offer SET valid_from = NULL WHERE code = %s", (created["code"],))
    r = change(client, dm, "offers", created["code"], {"endpoint_url": "https://neu.example/"})
    assert r.status_code == 200 and r.json["valid_from"] is None
    # An end before today needs an explicit start.
    organisation(client, dm, "karlum")
    body = create(client, dm, "offers", {
        "provider": "karlum", "evidence_type": MELDE, "areas": [KARLUM],
        "service_id": "urn:x", "endpoint_url": "https://karlum.example/",
        "valid_to": "2021-01-01"}, status=422)
    assert body["errors"][0]["name"] == "valid_from"


def test_demo_retire_retires_the_demo_in_one_audited_change(app, client, dm, conn, demo):
    organisation(client, dm, "kreis-nf")
    offer(client, dm, MELDE, ["01054"], provider="kreis-nf", valid_from="2020-01-01")
    before = conn.execute("SELECT max(id) AS n FROM audit_log").fetchone()["n"]
    result = app.test_cli_runner().invoke(main, ["demo", "retire"])
    assert result.exit_code == 0, result.output
    assert "1 offers" in result.output and "3 organisations" in result.output
    assert conn.execute("SELECT count(*) AS n FROM offer WHERE illustrative "
                        "AND status <> 'retired'").fetchone()["n"] == 0
    # The shipped evidence type is real and stays; the real offer answers.
    assert client.get(f"{API}/evidence-types/{MELDE}").json["status"] == "active"
    assert ask(client, ags=LADELUND).json["provider"]["code"] == "kreis-nf"
    assert_problem(ask(client, ags=FLENSBURG), 404, "no-competent-provider")
    entries = conn.execute("SELECT DISTINCT txid, reason FROM audit_log WHERE id > %s",
                           (before,)).fetchall()
    assert len(entries) == 1 and "demo retire" in entries[0]["reason"]
    # A second run finds nothing left.
    again = app.test_cli_runner().invoke(main, ["demo", "retire"])
    assert "0 offers" in again.output


def test_the_web_lookup_marks_an_illustrative_answer(client, dm, demo):
    body = client.get("/zustaendigkeit", query_string={
        "nachweistyp": MELDE, "ort": LADELUND}).get_data(as_text=True)
    assert "Zuständig: demo-ladelund" in body and "Beispieldaten" in body
    organisation(client, dm, "kreis-nf", name="Kreis Nordfriesland")
    offer(client, dm, MELDE, ["01054"], provider="kreis-nf", valid_from="2020-01-01")
    body = client.get("/zustaendigkeit", query_string={
        "nachweistyp": MELDE, "ort": LADELUND}).get_data(as_text=True)
    assert "Zuständig: Kreis Nordfriesland" in body and "Beispieldaten" not in body
