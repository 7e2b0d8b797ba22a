"""Hostile input answered with a problem saying what is wrong, never a
500, and nothing written. Other items have their tests next to their features (review,
export, web sign-in, competence)."""
import csv
import io
import json

import pytest

from .catalog_helpers import API, evidence_type, organisation
from .helpers import assert_problem


def post_raw(client, path, text, headers=None, content_type="application/json"):
    return client.post(path, data=text.encode("utf-8"),
                       headers={**(headers or {}), "Content-Type": content_type})


@pytest.fixture
def melde(client, dm):
    evidence_type(client, dm, "melde")
    organisation(client, dm, "amt-a")


def offer_text(parameters_json):
    return ('{"provider": "amt-a", "evidence_type": "melde", "areas": ["010545489"], '
            '"service_id": "s", "endpoint_url": "https://a.example", '
            f'"connection_parameters": {parameters_json}}}')


class TestMalformedJson:
    """Item 8: each of these answered 500 before."""

    @pytest.mark.parametrize("path", ["/registrations", "/sign-in"])
    def test_a_lone_surrogate_anonymously(self, client, path, nothing_written):
        with nothing_written():
            r = post_raw(client, f"{API}{path}",
                         '{"email": "a\\ud800@example.org", "password": "x"}')
        body = assert_problem(r, 400)
        assert "surrogate" in json.dumps(body)

    @pytest.mark.parametrize("parameters, reason", [
        ('{"a\\u0000b": 1}', "NUL"), ('{"x": NaN}', "NaN"), ('{"x": 1e400}', "too large"),
        ('{"x": Infinity}', "Infinity"), ('{"x": "\\udfff"}', "surrogate")])
    def test_bad_values_inside_connection_parameters(self, client, dm, melde, parameters,
                                                     reason, nothing_written):
        with nothing_written():
            r = post_raw(client, f"{API}/offers", offer_text(parameters), dm)
        assert reason in json.dumps(assert_problem(r, 400))

    @pytest.mark.parametrize("path", ["/offers", "/competence/batch", "/registrations"])
    def test_deep_nesting(self, client, dm, path, nothing_written):
        with nothing_written():
            r = post_raw(client, f"{API}{path}", "[" * 970 + "]" * 970, dm)
        assert "nested" in json.dumps(assert_problem(r, 400))

    def test_moderate_nesting_is_still_read(self, client, dm, melde):
        nested = "{}"
        for _ in range(20):
            nested = f'{{"n": {nested}}}'
        r = post_raw(client, f"{API}/offers", offer_text(nested), dm)
        assert r.status_code == 201

    def test_the_csv_import_refuses_such_parameters_per_row(self, client, dm, melde,
                                                           nothing_written):
        text = ("provider,evidence_type,areas,service_id,endpoint_url,connection_parameters\n"
                'amt-a,melde,010545489,s,https://a.example,"{""x"": NaN}"\n')
        with nothing_written():
            r = post_raw(client, f"{API}/offers/import", text, dm, "text/csv")
        assert r.status_code == 422
        assert "connection_parameters" in json.dumps(r.json)


def test_csv_answers_neutralise_formulas(client, dm, melde, login):
    """Item 11: a service_id of =HYPERLINK(...) appeared raw in the snapshot CSV."""
    formula = '=HYPERLINK("https://evil.example","klick")'
    assert post_raw(client, f"{API}/offers", json.dumps({
        "provider": "amt-a", "evidence_type": "melde", "areas": ["01054"],
        "service_id": formula, "endpoint_url": "https://a.example"}), dm).status_code == 201
    r = client.get(f"{API}/competence/snapshot", query_string={"evidence_type": "melde"},
                   headers={**login("routing"), "Accept": "text/csv"})
    assert r.status_code == 200
    lines = r.get_data(as_text=True).splitlines()
    cells = [line for line in lines if "HYPERLINK" in line]
    assert cells and all("'=HYPERLINK" in line and ",=HYPERLINK" not in line
                         for line in cells)
    # Booleans as the JSON answers write them.
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {row["illustrative"] for row in rows if row["offer"]} == {"false"}


def test_metrics_labels_come_from_a_closed_set(client):
    """Item 12: every invented method name became a label value."""
    for n in range(20):
        client.open("/healthz", method=f"INVENT{n}")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "INVENT" not in metrics
    assert 'method="other"' in metrics


def test_a_csv_import_in_latin_1_is_refused_naming_the_line(client, dm, melde,
                                                          nothing_written):
    """Item 15: Latin-1 bytes were stored as U+FFFD silently."""
    text = ("provider,evidence_type,areas,service_id,endpoint_url\n"
            "amt-a,melde,010545489,Stra\xdfenverkehr,https://a.example\n").encode("latin-1")
    with nothing_written():
        r = client.post(f"{API}/offers/import", data=text,
                        headers={**dm, "Content-Type": "text/csv"})
    body = assert_problem(r, 400)
    assert "line 2 is not UTF-8" in body["detail"]


def test_users_of_a_suspended_organisation_are_told_at_sign_in(client, conn, dm):
    """Item 14: sign-in gave them a token that then answered 401, and the web sign-in looped
    back to itself."""
    from .web_helpers import PASSWORD, post_form, web_user
    organisation(client, dm, "amt-gesperrt")
    email = web_user(conn, "provider_admin", org="amt-gesperrt")
    conn.execute("UPDATE organisation SET status = 'suspended' WHERE code = 'amt-gesperrt'")
    r = client.post(f"{API}/sign-in", json={"email": email, "password": PASSWORD})
    body = assert_problem(r, 403)
    assert "amt-gesperrt is suspended" in body["detail"] and "token" not in r.json
    page = post_form(client, "/anmelden", {"email": email, "password": PASSWORD})
    assert page.status_code == 403
    assert "ist gesperrt" in page.get_data(as_text=True)
    assert conn.execute("SELECT count(*) AS n FROM web_session").fetchone()["n"] == 0
    # The wrong password says nothing about the organisation.
    wrong = client.post(f"{API}/sign-in", json={"email": email, "password": "falsch-123456"})
    assert "suspended" not in assert_problem(wrong, 401)["detail"]


@pytest.mark.parametrize("path", ["/municipalities", "/areas"])
def test_a_name_filter_without_letters_is_refused(client, path):
    """Item 17: `municipalities?name=%` matched everything (names are compared folded, and
    "%" folds to nothing)."""
    for name in ("%", "_", " "):
        r = client.get(f"{API}{path}", query_string={"name": name})
        assert assert_problem(r, 400)["errors"][0]["name"] == "name"
    assert client.get(f"{API}{path}", query_string={"name": "Flensburg"}).json["total"] >= 1


def test_like_wildcards_in_a_catalogue_name_filter_are_plain_characters(client, dm):
    organisation(client, dm, "amt-a")
    for name in ("%", "_", "a%"):
        r = client.get(f"{API}/organisations", query_string={"name": name})
        assert r.status_code == 200 and r.json["total"] == 0, name


def test_a_throttled_web_sign_in_says_when_to_try_again(client):
    """Item 17: the web 429 page had no Retry-After."""
    from app.governance import throttle

    from .web_helpers import post_form
    address = "gedrosselt@amt.example"
    for _ in range(throttle.MAX_FAILURES):
        post_form(client, "/anmelden", {"email": address, "password": "falsch-123456"})
    r = post_form(client, "/anmelden", {"email": address, "password": "falsch-123456"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_the_api_docs_page_cannot_be_framed(client):
    """Item 17: /docs had no frame or CSP headers."""
    r = client.get("/docs")
    assert r.status_code == 200
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors" not in client.get("/healthz").headers.get(
        "Content-Security-Policy", "")


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_a_chunked_body_is_held_to_the_same_limit_under_either_server(server_url, tmp_path,
                                                                      server):
    """Sent without Content-Length (chunked), an oversized body is a 413 like any other,
    not a 400; a small chunked body is read as usual."""
    import requests

    from .live import live_server

    def chunks(count, size=65536):
        for _ in range(count):
            yield b" " * size

    with live_server(server_url, tmp_path, workers=1, server=server) as live:
        url = f"{live['base']}/api/v1/sign-in"
        big = requests.post(url, data=chunks(200), timeout=30,
                            headers={"Content-Type": "application/json"})
        assert big.status_code == 413, big.text[:500]
        assert big.headers["Content-Type"] == "application/problem+json"
        small = requests.post(url, data=iter([b'{"email": "nobody@test.example", ',
                                              b'"password": "ganz falsches Passwort"}']),
                              timeout=30, headers={"Content-Type": "application/json"})
        assert small.status_code == 401, small.text[:500]


def test_the_sign_in_limit_is_shared_by_every_worker(server_url, tmp_path):
    """Item 17: counted per worker, the limit multiplied by the workers; now it is one."""
    import requests

    from app.governance import throttle

    from .live import live_server
    with live_server(server_url, tmp_path, workers=3) as live:
        url = f"{live['base']}/api/v1/sign-in"
        body = {"email": "geteilt@amt.example", "password": "falsch-falsch-falsch"}
        for _ in range(throttle.MAX_FAILURES):
            # A new connection each time: the kernel hands them to different workers.
            r = requests.post(url, json=body, timeout=30, headers={"Connection": "close"})
            assert r.status_code == 401
        r = requests.post(url, json=body, timeout=30, headers={"Connection": "close"})
        assert r.status_code == 429, r.text[:300]


class TestTheContractIsKept:
    """Item 16: what the OpenAPI document and the README promise, the service does."""

    def test_operations_without_query_parameters_refuse_them(self, client, dm, melde):
        for path in ("/api/v1/registers/idnrg-1?foo=1", "/api/v1/registers/idnrg-1?x=1&x=2",
                     "/api/v1/evidence-types/melde?status=active"):
            body = assert_problem(client.get(path, headers=dm), 400)
            assert body["errors"][0]["in"] == "query"
        # Declared ones still work.
        assert client.get("/api/v1/registers?status=active").status_code == 200

    def test_the_batch_refuses_unknown_fields(self, client, dm):
        body = assert_problem(client.post("/api/v1/competence/batch", headers=dm,
                                          json={"lookups": [], "lookup": []}), 422)
        assert body["errors"][0]["name"] == "lookup"

    def test_an_empty_patch_changes_nothing(self, client, dm, conn):
        before = client.get("/api/v1/registers/idnrg-1").json["version"]
        r = client.patch("/api/v1/registers/idnrg-1", json={},
                         headers={**dm, "If-Match": f'"v{before}"'})
        assert_problem(r, 422)
        assert client.get("/api/v1/registers/idnrg-1").json["version"] == before

    def test_options_names_the_methods_of_the_matching_route(self, client):
        allow = set(client.options("/api/v1/offers/import").headers["Allow"].split(", "))
        assert allow == {"POST", "OPTIONS"}
        allow = set(client.options("/api/v1/permissions/check").headers["Allow"].split(", "))
        assert allow == {"GET", "HEAD", "OPTIONS"}

    def test_the_document_names_if_match_and_optional_bodies(self, client):
        paths = client.get("/openapi.json").json["paths"]
        for path, method in (("/api/v1/offers/{code}", "patch"),
                             ("/api/v1/offers/{code}/approve", "post"),
                             ("/api/v1/area-imports/{code}/approve", "post")):
            names = [p["name"] for p in paths[path][method].get("parameters", [])
                     if p["in"] == "header"]
            assert names == ["If-Match"], (path, method)
        assert paths["/api/v1/tokens"]["post"]["requestBody"]["required"] is False
        assert "security" not in paths["/api/v1/municipalities/{key}"]["get"]

    def test_a_token_without_a_body_uses_the_defaults(self, client, dm):
        r = client.post("/api/v1/tokens", headers=dm)
        assert r.status_code == 201 and r.json["token"]


def test_problems_write_umlauts_as_utf8_like_every_other_answer(client):
    r = client.get("/api/v1/organisations/m%C3%BCnchen")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert "'münchen'".encode() in r.get_data() and b"\\u00fc" not in r.get_data()
    assert r.json["detail"] == "no organisation 'münchen'"
