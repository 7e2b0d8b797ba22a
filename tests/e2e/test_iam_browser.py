"""A data manager signs in through IAM-B in a real browser: regmap's sign-in page, the
provider's own login and consent pages (npm oidc-provider on loopback), back to regmap,
approves a registration, and the audit entry names the provider's subject. Then signs out
at the provider too."""
import re

import psycopg
import pytest
import requests
from playwright.sync_api import expect

from .. import iam
from ..live import free_port, live_server

ACCOUNTS = {"anna": {"roles": ["data_manager"], "name": "Anna Berg",
                     "email": "anna.berg@fks.example"}}


@pytest.fixture(scope="module")
def iam_live(server_url, tmp_path_factory):
    """`regmap serve` with IAM-B sign-in, and the provider it trusts (the server's port chosen
    first: the provider registers regmap's redirect URI)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    provider = iam.start_or_skip(tmp_path_factory.mktemp("iam-e2e"),
                                 [iam.web_client(base)], ACCOUNTS)
    try:
        env = {"IAM_ISSUER": provider.issuer, "IAM_AUDIENCE": iam.AUDIENCE,
               "IAM_WEB_CLIENT_ID": "regmap-web", "IAM_WEB_CLIENT_SECRET": iam.SECRET,
               "IAM_WEB_SCOPES": "openid profile email regmap", "WEB_COOKIE_SECURE": "0"}
        with live_server(server_url, tmp_path_factory.mktemp("iam-live"), workers=2,
                         env=env, port=port) as server:
            yield {**server, "provider": provider}
    finally:
        provider.stop()


@pytest.fixture
def page(browser, iam_live):
    # bypass_csp: axe-core is injected as an inline script (as in conftest.new_page).
    context = browser.new_context(base_url=iam_live["base"], locale="de-DE", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_data_manager_signs_in_through_iam_b_and_approves_a_registration(page, iam_live,
                                                                          check):
    base, provider = iam_live["base"], iam_live["provider"]
    registration = requests.post(f"{base}/api/v1/registrations", json={
        "organisation": {"name": "Standesamt Husum (IAM-B-Test)", "kind": "Standesamt",
                         "contact": {"name": "Hanna Jensen"}},
        "user": {"email": "standesamt@husum.example", "password": "ein langes Passwort"},
        "role": "provider_admin"}, timeout=10).json()["code"]

    page.goto("/anmelden")
    check(page, "iam-anmelden")
    page.get_by_role("link", name="Mit IAM-B anmelden").click()
    # The provider's own pages: login (its dev interactions take any password), consent.
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.locator("input[name=login]").fill("anna")
    page.locator("input[name=password]").fill("beliebig")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("Angemeldet als Anna Berg (IAM-B)")).to_be_visible()
    check(page, "iam-konto")
    page.get_by_role("link", name="Prüfung").click()
    page.get_by_role("link", name=registration).click()
    page.get_by_role("button", name="Freigeben").click()
    expect(page.get_by_text(f"{registration} ist freigegeben")).to_be_visible()

    with psycopg.connect(iam_live["database_url"]) as conn:
        actor, subject = conn.execute(
            "SELECT a.actor, u.iam_subject FROM audit_log a JOIN app_user u "
            "ON u.id = a.actor_user_id WHERE a.action = 'registration.approve' "
            "AND a.object_code = %s", [registration]).fetchone()
    assert (actor, subject) == (f"iam:{provider.issuer}#anna", "anna")

    # Signing out ends the provider's session too (RP-initiated logout: it asks first).
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/session/end"))
