"""The whole life of an offer, through the HTTP API only: an authority registers, is approved,
signs in, proposes an offer, gets it approved, and finds it in the catalogue with its
history. The first data manager's token comes from `regmap token create`, as in the README."""
from app.cli import main

API = "/api/v1"


def test_register_approve_propose_approve_and_find(app, client):
    dm_token = app.test_cli_runner().invoke(main, [
        "token", "create", "--email", "kuratorin@fitko.example", "--role", "data_manager"
    ]).output.strip()
    dm = {"Authorization": f"Bearer {dm_token}"}

    # 1. An authority registers itself (no token).
    submitted = client.post(f"{API}/registrations", json={
        "organisation": {"name": "Amt Südtondern", "kind": "Amt",
                         "seat_ags": "01054018",
                         "contact": {"name": "Bürgerbüro", "email": "buergerbuero@amt.example"}},
        "user": {"email": "it@amt-suedtondern.example", "name": "IT-Leitung",
                 "password": "Südtondern ist schön 2026"},
        "role": "provider_admin"})
    assert submitted.status_code == 201
    code, secret = submitted.json["code"], submitted.json["claim_secret"]

    # 2. A data manager finds it in the queue and approves it.
    queue = client.get(f"{API}/registrations?status=pending", headers=dm).json["items"]
    assert code in [r["code"] for r in queue]
    assert client.post(f"{API}/registrations/{code}/approve", headers=dm,
                       json={"reason": "Amt geprüft"}).json["status"] == "approved"
    status = client.get(f"{API}/registrations/{code}", headers={"X-Claim-Secret": secret}).json
    assert status["status"] == "approved"
    org = status["organisation"]

    # 3. The authority signs in and proposes an offer for its Amt.
    token = client.post(f"{API}/sign-in", json={
        "email": "it@amt-suedtondern.example", "password": "Südtondern ist schön 2026"}).json
    me = {"Authorization": f"Bearer {token['token']}"}
    # (meldebescheinigung is an evidence type the plain seed ships.)
    proposed = client.post(f"{API}/offers", headers=me, json={
        "evidence_type": "meldebescheinigung", "areas": ["010545489"],
        "service_id": "urn:amt-suedtondern:melde", "endpoint_url": "https://dp.amt.example/melde",
        "connection_parameters": {"protocol": "XTA2"}})
    assert proposed.status_code == 201 and proposed.json["status"] == "pending"
    offer_code = proposed.json["code"]
    assert client.get(f"{API}/offers?provider={org}").json["total"] == 0

    # 4. The data manager approves it.
    pending = client.get(f"{API}/proposals", headers=dm).json["items"]
    assert {"collection": "offers", "object": offer_code} == {
        k: pending[0][k] for k in ("collection", "object")}
    # The reviewer approves what they looked at: its ETag goes back in If-Match.
    seen = client.get(f"{API}/offers/{offer_code}", headers=dm).headers["ETag"]
    assert client.post(f"{API}/offers/{offer_code}/approve",
                       headers={**dm, "If-Match": seen}).json["status"] == "active"

    # 5. Anyone finds it in the catalogue; the authority sees its history.
    public = client.get(f"{API}/offers?provider={org}").json["items"]
    assert [o["code"] for o in public] == [offer_code]
    assert public[0]["areas"] == ["010545489"] and "connection_parameters" not in public[0]
    history = client.get(f"{API}/offers/{offer_code}/history", headers=me).json["items"]
    assert [(h["action"], h["actor"]) for h in history] == [
        ("offer.create", "it@amt-suedtondern.example"),
        ("offer.approve-create", "kuratorin@fitko.example")]
