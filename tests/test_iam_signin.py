"""Signing in to the web pages through IAM-B: the OpenID Connect code flow with PKCE against
a real provider (npm oidc-provider, its own login and consent pages walked over HTTP), state
and nonce checked, the subject's user record made and audited, a subject without a regmap
role shown a German page, RP-initiated logout. The browser test (tests/e2e) walks the same
flow in chromium."""
import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from app import create_app
from app.access import iam as iam_errors

from . import iam
from .conftest import app_config

ACCOUNTS = {"anna": {"roles": ["data_manager"], "name": "Anna Berg",
                     "email": "anna.berg@fks.example"},
            "otto": {"roles": ["Sachbearbeitung"], "name": "Otto Normal"}}
CALLBACK = "http://localhost/anmelden/iam/zurueck"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = iam.start_or_skip(tmp_path_factory.mktemp("iam-web"),
                                [iam.web_client("http://localhost")], ACCOUNTS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def web_app(database_url, test_pool, provider):
    return create_app(app_config(
        database_url, test_pool, IAM_ISSUER=provider.issuer, IAM_AUDIENCE=iam.AUDIENCE,
        IAM_WEB_CLIENT_ID="regmap-web", IAM_WEB_CLIENT_SECRET=iam.SECRET,
        IAM_WEB_SCOPES="openid profile email regmap", WEB_COOKIE_SECURE=False))


@pytest.fixture
def browser(web_app, test_pool, conn, tmp_path):
    test_pool.conn = conn
    web_app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "search")
    yield web_app.test_client()
    test_pool.conn = None


def start(browser, weiter=None):
    r = browser.get("/anmelden/iam", query_string={"weiter": weiter} if weiter else None)
    assert r.status_code == 303
    return r.headers["Location"]


def sign_in(browser, provider, login, weiter=None):
    back = provider.sign_in(start(browser, weiter), login, CALLBACK)
    return browser.get(back.removeprefix("http://localhost"))


def test_the_sign_in_page_offers_iam_b_beside_the_password(browser):
    page = browser.get("/anmelden").get_data(as_text=True)
    assert "Mit IAM-B anmelden" in page and 'type="password"' in page


def test_the_request_carries_pkce_state_and_nonce(browser, provider):
    query = parse_qs(urlsplit(start(browser)).query)
    flow = json.loads(base64.urlsafe_b64decode(
        browser.get_cookie("regmap_iam_flow", path="/anmelden/iam").value))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(flow["verifier"].encode()).digest())
    assert query["code_challenge"] == [challenge.rstrip(b"=").decode()]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == [flow["state"]] and query["nonce"] == [flow["nonce"]]
    assert query["redirect_uri"] == [CALLBACK] and query["response_type"] == ["code"]
    assert len(flow["verifier"]) >= 43  # RFC 7636 § 4.1


def test_a_data_manager_signs_in_and_the_audit_names_the_subject(browser, provider, conn):
    r = sign_in(browser, provider, "anna", weiter="/pruefung")
    assert r.status_code == 303 and r.headers["Location"] == "/pruefung"
    assert browser.get("/pruefung").status_code == 200
    user = conn.execute("SELECT * FROM app_user WHERE iam_subject = 'anna'").fetchone()
    assert (user["role"], user["name"], user["password_hash"]) == (
        "data_manager", "Anna Berg", None)
    actions = [row["action"] for row in conn.execute(
        "SELECT action FROM audit_log WHERE actor = %s ORDER BY id",
        [f"iam:{provider.issuer}#anna"])]
    assert actions == ["user.iam-provision", "user.sign-in"]
    # The flow's cookie is spent: the same answer of the provider signs nobody in twice.
    assert browser.get_cookie("regmap_iam_flow", path="/anmelden/iam") is None


def test_a_person_signed_in_through_iam_b_gets_no_regmap_token(browser, provider):
    sign_in(browser, provider, "anna")
    page = browser.get("/konto").get_data(as_text=True)
    assert "Zugriffstokens von IAM-B" in page and "Token erstellen</button>" not in page
    from .web_helpers import post_form
    r = post_form(browser, "/konto/tokens", {"token_name": "Umweg", "expires_days": "30"},
                  page="/konto")
    assert r.status_code == 403 and "rmt_" not in r.get_data(as_text=True)


def test_a_subject_without_a_regmap_role_sees_a_german_page(browser, provider, conn,
                                                            nothing_written):
    with nothing_written():
        r = sign_in(browser, provider, "otto")
    assert r.status_code == 403
    page = r.get_data(as_text=True)
    assert "hat aber keine Rolle in regmap" in page and "Administration Ihrer Behörde" in page
    assert browser.get_cookie("regmap_session") is None


def test_an_answer_for_another_browser_or_a_spent_flow_is_refused(browser, provider,
                                                                  nothing_written):
    back = provider.sign_in(start(browser), "anna", CALLBACK)
    code = parse_qs(urlsplit(back).query)["code"][0]
    with nothing_written():
        forged = browser.get("/anmelden/iam/zurueck", query_string={"code": code,
                                                                    "state": "nicht-meiner"})
    assert forged.status_code == 400 and "gehört nicht zu diesem Browser" in forged.get_data(
        as_text=True)
    # The flow ended with that answer: even the right state is refused now.
    again = browser.get(back.removeprefix("http://localhost"))
    assert again.status_code == 400


def test_a_refusal_at_the_provider_comes_back_as_a_german_page(browser):
    start(browser)
    r = browser.get("/anmelden/iam/zurueck", query_string={"error": "access_denied"})
    assert r.status_code == 401 and "abgebrochen oder abgelehnt" in r.get_data(as_text=True)


def test_id_tokens_are_checked_for_nonce_audience_and_type(web_app, provider):
    checker = web_app.extensions["regmap.iam"]
    good = provider.claims(aud="regmap-web", nonce="n-1")
    del good["client_id"]

    def id_token(claims, typ="JWT"):
        return provider.sign(claims, header={"typ": typ})
    assert checker.verify_id_token(id_token(good), "regmap-web", "n-1")["sub"] == "rdn"
    for token, detail in [
            (id_token({**good, "nonce": "n-2"}), "does not belong to this sign-in"),
            (id_token({**good, "aud": "another-client"}), "not meant for regmap-web"),
            (id_token({**good, "aud": ["regmap-web", "x"], "azp": "x"}), "another client"),
            (id_token(good, typ="at+jwt"), "an access token is not an ID token")]:
        with pytest.raises(iam_errors.InvalidAccessToken, match=detail):
            checker.verify_id_token(token, "regmap-web", "n-1")


def test_sign_out_ends_the_session_at_the_provider_too(browser, provider, conn):
    sign_in(browser, provider, "anna")
    csrf = conn.execute("SELECT csrf_token FROM web_session ORDER BY created_at DESC LIMIT 1"
                        ).fetchone()["csrf_token"]
    r = browser.post("/abmelden", data={"csrf_token": csrf})
    assert r.status_code == 303
    target = urlsplit(r.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/session/end"
    assert parse_qs(target.query) == {"client_id": ["regmap-web"],
                                      "post_logout_redirect_uri": ["http://localhost/"]}
    assert conn.execute("SELECT count(*) AS n FROM web_session").fetchone()["n"] == 0


def test_with_iam_web_only_there_is_no_password_form(browser, web_app):
    browser.get("/anmelden")  # a form's CSRF cookie, from before the switch
    csrf = browser.get_cookie("regmap_csrf").value
    web_app.config["IAM_WEB_ONLY"] = True
    try:
        page = browser.get("/anmelden").get_data(as_text=True)
        assert "Mit IAM-B anmelden" in page and 'type="password"' not in page
        r = browser.post("/anmelden", data={"email": "a@b.example", "password": "x" * 12,
                                            "csrf_token": csrf})
        assert r.status_code == 403 and "mit IAM-B anmelden" in r.get_data(as_text=True)
    finally:
        web_app.config["IAM_WEB_ONLY"] = False


def test_without_a_web_client_there_is_no_iam_b_sign_in(client):
    assert "Mit IAM-B anmelden" not in client.get("/anmelden").get_data(as_text=True)
    assert client.get("/anmelden/iam").status_code == 404
