"""Environments: every offer and permission belongs to `reference`, `test`
or `production`; answers are for one environment (default production), filtered before
resolution with no fallback; a token bound to an environment sees only it; a provider
publishes test offers itself and proposes their promotion, which is reviewed."""
import pytest

from app.access.actor import system_actor
from app.governance.users import ensure_user_with_role, issue_token

from .catalog_helpers import API, change, create, offer, organisation, review
from .helpers import assert_problem

MELDE = "meldebescheinigung"          # shipped by the plain seed
KARLUM, KREIS = "01054062", "01054"   # a municipality of Kreis Nordfriesland


def competence(client, headers, **params):
    return client.get(f"{API}/competence", query_string={"evidence_type": MELDE,
                                                         "ags": KARLUM, **params},
                      headers=headers)


@pytest.fixture
def providers(client, dm):
    organisation(client, dm, "amt-test")
    organisation(client, dm, "kreis-nf")


def bound_token(conn, role, environment, org=None):
    user = ensure_user_with_role(conn, system_actor("tests"),
                                 email=f"{role}.{environment}@test.example", role=role,
                                 organisation_code=org)
    token = issue_token(conn, system_actor("tests"), user, environment=environment)
    return {"Authorization": f"Bearer {token['token']}"}


def test_existing_and_new_offers_are_production_unless_said(client, dm, providers):
    made = offer(client, dm, MELDE, [KREIS], provider="kreis-nf")
    assert made["environment"] == "production"
    test = offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test")
    assert test["environment"] == "test"
    listed = client.get(f"{API}/offers", query_string={"environment": "test"}, headers=dm)
    assert [o["code"] for o in listed.json["items"]] == [test["code"]]
    assert_problem(client.get(f"{API}/offers", query_string={"environment": "prod"},
                              headers=dm), 400)


def test_the_overlap_rule_holds_within_an_environment(client, dm, providers):
    offer(client, dm, MELDE, [KARLUM], provider="kreis-nf")
    # The same key in test does not collide with production ...
    offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test")
    # ... but two test offers on it do.
    body = offer(client, dm, MELDE, [KARLUM], provider="kreis-nf", environment="test",
                 status=409)
    assert body["type"].endswith("/overlapping-offer")


def test_answers_are_for_one_environment_filtered_before_resolution(client, dm, login,
                                                                    providers):
    kreis = offer(client, dm, MELDE, [KREIS], provider="kreis-nf", valid_from="2020-01-01")
    local = offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test",
                  valid_from="2020-01-01")
    routing = login("routing")
    # Production: the Kreis offer, though a more specific test offer exists.
    r = competence(client, routing)
    assert r.status_code == 200, r.json
    assert r.json["offer"]["code"] == kreis["code"] and r.json["environment"] == "production"
    r = competence(client, routing, environment="test")
    assert r.json["offer"]["code"] == local["code"] and r.json["environment"] == "test"
    # No fallback: nothing in reference is not production's answer.
    body = assert_problem(competence(client, routing, environment="reference"), 404)
    assert body["type"].endswith("/no-competent-provider")
    assert_problem(competence(client, routing, environment="staging"), 400)


def test_a_bound_token_sees_only_its_environment(client, conn, dm, login, providers):
    offer(client, dm, MELDE, [KREIS], provider="kreis-nf", valid_from="2020-01-01")
    local = offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test",
                  valid_from="2020-01-01")
    # An unbound token has the production answer cached (the fast path serves it next).
    assert competence(client, login("routing")).status_code == 200
    assert competence(client, login("routing")).status_code == 200
    tester = bound_token(conn, "routing", "test")
    r = competence(client, tester)
    assert r.status_code == 200 and r.json["offer"]["code"] == local["code"]
    body = assert_problem(competence(client, tester, environment="production"), 403)
    assert "test" in body["detail"]
    assert competence(client, tester, environment="test").json["environment"] == "test"
    # The batch says so per item, the snapshot as a whole.
    r = client.post(f"{API}/competence/batch", headers=tester, json={
        "evidence_type": MELDE, "lookups": [{"ags": KARLUM},
                                            {"ags": KARLUM, "environment": "production"}]})
    assert [i["status"] for i in r.json["items"]] == [200, 403]
    assert_problem(client.get(f"{API}/competence/snapshot", headers=tester, query_string={
        "evidence_type": MELDE, "environment": "production"}), 403)


def test_batch_and_snapshot_take_the_environment(client, dm, login, providers):
    offer(client, dm, MELDE, [KREIS], provider="kreis-nf", valid_from="2020-01-01")
    local = offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test",
                  valid_from="2020-01-01")
    routing = login("routing")
    r = client.post(f"{API}/competence/batch", headers=routing, json={
        "evidence_type": MELDE, "environment": "test",
        "lookups": [{"ags": KARLUM}, {"ags": KARLUM, "environment": "production"}]})
    first, second = (i["result"] for i in r.json["items"])
    assert first["offer"]["code"] == local["code"] and first["environment"] == "test"
    assert second["environment"] == "production"
    assert_problem(client.post(f"{API}/competence/batch", headers=routing, json={
        "environment": "live", "lookups": []}), 422)
    r = client.get(f"{API}/competence/snapshot", headers=routing, query_string={
        "evidence_type": MELDE, "environment": "test"})
    rows = [line for line in r.get_data(as_text=True).splitlines() if f'"{KARLUM}"' in line]
    assert local["code"] in rows[0] and '"environment":"test"' in rows[0]


def test_a_provider_publishes_test_offers_itself_and_promotion_is_reviewed(
        client, dm, login, providers):
    provider = login("provider_admin", "amt-test")
    test = offer(client, provider, MELDE, [KARLUM], environment="test",
                 valid_from="2020-01-01")
    assert test["status"] == "active"  # no review in test
    r = change(client, provider, "offers", test["code"],
               {"endpoint_url": "https://dp.test.example/v2"})
    assert r.status_code == 200 and r.json["endpoint_url"].endswith("/v2")
    # A production offer of its own still waits for review.
    assert offer(client, provider, MELDE, ["01054073"])["status"] == "pending"
    # Promotion: proposed; test keeps answering until a data manager approves.
    r = change(client, provider, "offers", test["code"], {"environment": "production"})
    assert r.status_code == 200 and r.json["environment"] == "test"
    routing = login("routing")
    assert_problem(competence(client, routing), 404)
    r = review(client, dm, f"{API}/offers/{test['code']}")
    assert r.status_code == 200 and r.json["environment"] == "production"
    assert competence(client, routing).json["offer"]["code"] == test["code"]
    assert_problem(competence(client, routing, environment="test"), 404)


def test_permission_checks_and_their_log_are_per_environment(client, dm, login):
    organisation(client, dm, "parkamt")
    create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
    made = create(client, dm, "permissions", {
        "consumer": "parkamt", "service": "parken", "evidence_type": MELDE,
        "legal_basis": "Test", "may_use_identification_number": False,
        "environment": "test"})
    assert made["environment"] == "test"
    routing = login("routing")
    query = {"consumer": "parkamt", "service": "parken", "evidence_type": MELDE}

    def check(**extra):
        return client.get(f"{API}/permissions/check", query_string={**query, **extra},
                          headers=routing).json

    assert check()["allowed"] is False and check()["environment"] == "production"
    assert check(environment="test")["allowed"] is True
    log = client.get(f"{API}/permission-checks", query_string={"environment": "test"},
                     headers=login("auditor")).json
    assert log["total"] == 1 and log["items"][0]["allowed"] is True


def test_the_export_is_production_unless_asked_for_another(client, dm, providers):
    kreis = offer(client, dm, MELDE, [KREIS], provider="kreis-nf")
    test = offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test")
    text = client.get(f"{API}/catalog.nt").get_data(as_text=True)
    assert kreis["code"] in text and test["code"] not in text
    assert_problem(client.get(f"/id/offer/{test['code']}"), 404)
    r = client.get(f"{API}/catalog.nt", query_string={"environment": "test", "page_size": 2})
    text = r.get_data(as_text=True)
    assert kreis["code"] not in text and "environment=test" in text  # the next page's link
    every = client.get(f"{API}/catalog.nt", query_string={"environment": "test",
                                                          "page_size": 500})
    assert test["code"] in every.get_data(as_text=True)
    assert_problem(client.get(f"{API}/catalog.nt", query_string={"environment": "prod"}), 400)


def test_tokens_can_be_bound_through_the_api(client, dm, login):
    r = client.post(f"{API}/tokens", json={"name": "test only", "environment": "test"},
                    headers=dm)
    assert r.status_code == 201 and r.json["environment"] == "test"
    assert_problem(client.post(f"{API}/tokens", json={"environment": "prod"},
                               headers=dm), 422)


def test_the_csv_import_takes_an_environment_column(client, dm, providers):
    text = ("provider,evidence_type,areas,service_id,endpoint_url,environment\n"
            f"amt-test,{MELDE},{KARLUM},s1,https://dp.test.example/a,test\n"
            f"kreis-nf,{MELDE},{KARLUM},s2,https://dp.test.example/b,\n")
    r = client.post(f"{API}/offers/import", data=text,
                    headers={**dm, "Content-Type": "text/csv"})
    assert r.status_code in (200, 201), r.get_data(as_text=True)
    listed = client.get(f"{API}/offers", query_string={"area": KARLUM}, headers=dm).json
    assert sorted((o["provider"], o["environment"]) for o in listed["items"]) == [
        ("amt-test", "test"), ("kreis-nf", "production")]


def test_a_bound_token_lists_and_reads_only_its_environments_offers(client, conn, dm,
                                                                    providers):
    production = offer(client, dm, MELDE, [KREIS], provider="kreis-nf")
    test = offer(client, dm, MELDE, [KARLUM], provider="amt-test", environment="test")
    tester = bound_token(conn, "routing", "test")
    listed = client.get(f"{API}/offers", headers=tester).json
    assert [o["code"] for o in listed["items"]] == [test["code"]]
    assert client.get(f"{API}/offers/{test['code']}", headers=tester).status_code == 200
    assert_problem(client.get(f"{API}/offers/{production['code']}", headers=tester), 404)
    assert_problem(client.get(f"{API}/offers", query_string={"environment": "production"},
                              headers=tester), 403)
    # Connection parameters of production never reach it: production is not answered.
    assert_problem(competence(client, tester, environment="production"), 403)
