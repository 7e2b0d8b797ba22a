"""The web pages through Flask's test client: sign-in and cookies, CSRF, roles, German
validation that keeps what was typed, the review queue and its four-eyes rule, the
competence lookup's ambiguous postcodes. The browser tests (tests/e2e) walk the same pages
in chromium; these pin down the rules behind them."""
import html
import re
from urllib.parse import quote

import pytest

from app.access.actor import system_actor
from app.governance import queries as governance_queries
from app.governance.users import issue_token
from app.values.dates import berlin_today

from . import catalog_helpers as ch
from .web_helpers import PASSWORD, csrf_of, post_form, post_review, sign_in, text, web_user

REGISTRATION_FORM = {
    "org_name": "Amt Musterland", "org_kind": "Amt", "org_seat": "01054018",
    "contact_email": "post@amt.example", "role": "provider_admin",
    "user_email": "leitung@amt.example", "user_name": "A. Leitung",
    "password": "ein langes Passwort", "password2": "ein langes Passwort"}


@pytest.fixture
def flensburg_type(client, dm):
    ch.evidence_type(client, dm, "web-nachweis")
    return "web-nachweis"


def provider(client, dm, conn, code="amt-web"):
    ch.organisation(client, dm, code, name="Amt Web")
    return web_user(conn, "provider_admin", org=code)


class TestSignIn:
    def test_session_cookie_is_secure_httponly_lax_and_logout_ends_it(self, client, conn):
        email = web_user(conn, "data_manager")
        response = sign_in(client, email)
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        raw = re.search(r"regmap_session=([^;]+)", cookie).group(1)
        stored = conn.execute("SELECT session_hash FROM web_session").fetchall()
        assert raw not in str(stored)  # only the hash is kept
        assert "Angemeldet als" in text(client.get("/konto"))
        post_form(client, "/abmelden", {}, page="/konto")
        assert conn.execute("SELECT count(*) AS n FROM web_session").fetchone()["n"] == 0
        # The old cookie is worthless now, even if a browser kept it.
        client.set_cookie("regmap_session", raw)
        assert client.get("/konto").status_code == 303

    def test_wrong_password_is_a_german_message_and_nothing_typed_but_it_is_kept(
            self, client, conn):
        email = web_user(conn, "data_manager")
        r = post_form(client, "/anmelden", {"email": email, "password": "falsch"})
        assert r.status_code == 401
        body = text(r)
        assert "E-Mail-Adresse oder Passwort stimmen nicht" in body
        assert f'value="{email}"' in body
        assert "falsch" not in body

    def test_sessions_expire_and_dead_ones_are_cleared(self, app, client, conn):
        email = web_user(conn, "data_manager")
        sign_in(client, email)
        conn.execute("UPDATE web_session SET expires_at = now() - interval '1 second'")
        assert client.get("/konto").status_code == 303
        sign_in(app.test_client(), email)
        assert conn.execute("SELECT count(*) AS n FROM web_session").fetchone()["n"] == 1

    def test_a_deactivated_user_is_signed_out(self, client, conn):
        email = web_user(conn, "data_manager")
        sign_in(client, email)
        conn.execute("UPDATE app_user SET status = 'deactivated' WHERE email = %s", (email,))
        assert client.get("/konto").status_code == 303

    # A tab or newline after the first slash (browsers drop them from a
    # Location: "/\t/evil.example/" became "//evil.example/"), and a newline broke the header
    # (500, after the session row was written).
    @pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                        "/\\evil.example", "/\t/evil.example/",
                                        "/\n/evil.example/", "/konto\r\nSet-Cookie: x=1",
                                        "/\u2028/evil.example", " //evil.example"])
    def test_no_open_redirect_after_sign_in(self, client, conn, target):
        email = web_user(conn, "data_manager")
        r = post_form(client, "/anmelden", {"email": email, "password": PASSWORD,
                                            "weiter": target})
        assert r.status_code == 303 and r.headers["Location"] == "/konto"

    def test_a_local_path_is_kept_after_sign_in(self, client, conn):
        email = web_user(conn, "data_manager")
        target = "/katalog/offers?evidence_type=melde&seite=2"
        r = post_form(client, "/anmelden", {"email": email, "password": PASSWORD,
                                            "weiter": target})
        assert r.headers["Location"] == target

    def test_the_tab_in_a_sign_in_link_is_not_followed(self, client, conn):
        """The reported link, as a browser sends it: /anmelden?weiter=/%09/evil.example/"""
        page = client.get("/anmelden?weiter=/%09/evil.example/")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        weiter = re.search(r'name="weiter" value="([^"]*)"', page.get_data(as_text=True))
        r = client.post("/anmelden", data={"csrf_token": token.group(1),
                                           "email": web_user(conn, "data_manager"),
                                           "password": PASSWORD,
                                           "weiter": html.unescape(weiter.group(1))})
        assert r.status_code == 303 and r.headers["Location"] == "/konto"

    def test_pages_that_need_a_user_send_anonymous_visitors_to_sign_in(self, client):
        r = client.get("/pruefung")
        assert r.status_code == 303
        assert r.headers["Location"].startswith("/anmelden?weiter=/pruefung")

    def test_the_json_api_ignores_the_session_cookie(self, client, conn):
        sign_in(client, web_user(conn, "admin"))
        r = client.get("/api/v1/users")
        assert r.status_code == 401
        assert r.mimetype == "application/problem+json"


class TestCsrf:
    def test_a_form_without_the_token_changes_nothing(self, client, conn, nothing_written):
        with nothing_written():
            r = client.post("/registrierung", data=REGISTRATION_FORM)
        assert r.status_code == 403
        assert "Formular war veraltet" in text(r)

    def test_a_token_of_another_visitor_is_refused(self, app, client, conn, nothing_written):
        other = app.test_client()
        foreign = csrf_of(other, "/registrierung")
        csrf_of(client, "/registrierung")  # this browser has a token of its own
        with nothing_written():
            r = client.post("/registrierung", data={**REGISTRATION_FORM,
                                                    "csrf_token": foreign})
        assert r.status_code == 403

    def test_signed_in_forms_need_the_sessions_token(self, client, conn, nothing_written):
        sign_in(client, web_user(conn, "data_manager"))
        anonymous_token = client.get_cookie("regmap_csrf").value
        with nothing_written():
            r = client.post("/konto/tokens", data={"csrf_token": anonymous_token,
                                                   "token_name": "x"})
        assert r.status_code == 403


class TestRegistration:
    def test_errors_are_german_tied_to_fields_and_keep_the_input(self, client,
                                                                 nothing_written):
        form = {**REGISTRATION_FORM, "user_email": "keine-adresse", "password": "kurz",
                "password2": "kurz", "org_seat": "Gibtsnichtheim"}
        with nothing_written():
            r = post_form(client, "/registrierung", form)
        assert r.status_code == 422
        body = text(r)
        assert "Bitte eine gültige E-Mail-Adresse angeben." in body
        assert "Mindestens 12 und höchstens 200 Zeichen." in body
        assert "Keine Gemeinde heißt „Gibtsnichtheim“." in body
        assert 'id="f-user_email" name="user_email" type="email" value="keine-adresse"' in body
        assert 'aria-describedby="f-user_email-error" aria-invalid="true"' in body
        assert 'href="#f-password"' in body  # the summary links to the field
        assert 'value="Amt Musterland"' in body
        assert "kurz" not in re.sub(r"<label.*?</label>", "", body)  # passwords not echoed

    def test_an_ambiguous_seat_offers_the_municipalities(self, client, nothing_written):
        with nothing_written():
            r = post_form(client, "/registrierung", {**REGISTRATION_FORM,
                                                     "org_seat": "25926"})
        body = text(r)
        assert r.status_code == 422
        assert "Mehrere Gemeinden passen" in body
        assert 'name="org_seat_choice" value="Bramstedtlund (01054018)"' in body

    def test_register_see_status_withdraw(self, client, conn):
        r = post_form(client, "/registrierung", REGISTRATION_FORM)
        assert r.status_code == 201
        code = re.search(r'id="registration-code">([^<]+)<', text(r)).group(1)
        secret = re.search(r'id="claim-secret">([^<]+)<', text(r)).group(1)
        status = text(client.get("/registrierung/status"))
        assert code in status and "wartet auf Prüfung" in status
        assert secret not in status  # shown once, at submission
        post_form(client, "/registrierung/zurueckziehen", {}, page="/registrierung/status")
        assert "zurückgezogen" in text(client.get("/registrierung/status"))

    def test_status_from_another_browser_with_code_and_secret(self, app, client):
        r = post_form(client, "/registrierung", REGISTRATION_FORM)
        code = re.search(r'id="registration-code">([^<]+)<', text(r)).group(1)
        secret = re.search(r'id="claim-secret">([^<]+)<', text(r)).group(1)
        other = app.test_client()
        wrong = post_form(other, "/registrierung/status", {"code": code, "secret": "x" * 20})
        assert wrong.status_code == 401
        assert "Zugangscode stimmen nicht" in text(wrong)
        post_form(other, "/registrierung/status", {"code": code, "secret": secret})
        assert code in text(other.get("/registrierung/status"))

    def test_rejected_then_corrected_and_resubmitted(self, client, app, conn):
        post_form(client, "/registrierung", REGISTRATION_FORM)
        code = conn.execute("SELECT code FROM registration").fetchone()["code"]
        manager = app.test_client()
        sign_in(manager, web_user(conn, "data_manager"))
        r = post_form(manager, f"/pruefung/registrierungen/{code}",
                      {"decision": "reject", "reason": ""})
        assert r.status_code == 422 and "Bitte begründen Sie die Ablehnung" in text(r)
        r = post_form(manager, f"/pruefung/registrierungen/{code}",
                      {"decision": "reject", "reason": "Sitz stimmt nicht"})
        assert f"{code} ist abgelehnt" in text(manager.get(r.headers["Location"]))
        status = text(client.get("/registrierung/status"))
        assert "Sitz stimmt nicht" in status and "erneut einreichen" in status
        page = text(client.get("/registrierung/erneut"))
        assert 'value="Amt Musterland"' in page  # the form comes back filled in
        r = post_form(client, "/registrierung/erneut",
                      {**REGISTRATION_FORM, "org_seat": "Bramstedtlund"})
        assert r.status_code == 303
        row = conn.execute("SELECT r.status, o.seat_ags FROM registration r JOIN organisation"
                           " o ON o.id = r.organisation_id").fetchone()
        assert (row["status"], row["seat_ags"]) == ("pending", "01054018")

    def test_resubmission_keeps_the_password_and_offers_the_kinds(self, client, app, conn):
        """The kind is chosen from a list ("Sonstige" with a text), and a
        resubmission needs no password again."""
        page = text(client.get("/registrierung"))
        assert '<option value="Meldebehörde">' in page and '<option value="Sonstige">' in page
        post_form(client, "/registrierung", {**REGISTRATION_FORM, "org_kind": "Sonstige",
                                             "org_kind_other": "Zweckverband"})
        row = conn.execute("SELECT r.code, u.password_hash FROM registration r "
                           "JOIN app_user u ON u.id = r.user_id").fetchone()
        manager = app.test_client()
        sign_in(manager, web_user(conn, "data_manager"))
        post_form(manager, f"/pruefung/registrierungen/{row['code']}",
                  {"decision": "reject", "reason": "Sitz stimmt nicht"})
        page = text(client.get("/registrierung/erneut"))
        assert '<option value="Sonstige" selected>' in page
        assert 'value="Zweckverband"' in page and "Leer lassen" in page
        r = post_form(client, "/registrierung/erneut",
                      {**REGISTRATION_FORM, "org_kind": "Sonstige",
                       "org_kind_other": "Zweckverband", "password": "", "password2": ""})
        assert r.status_code == 303, text(r)
        after = conn.execute("SELECT o.kind, u.password_hash, r.status FROM registration r "
                             "JOIN app_user u ON u.id = r.user_id "
                             "JOIN organisation o ON o.id = r.organisation_id").fetchone()
        assert after == {"kind": "Sonstige (Zweckverband)",
                         "password_hash": row["password_hash"], "status": "pending"}


class TestOffers:
    def test_propose_then_a_data_manager_sees_the_diff_and_approves(
            self, client, app, conn, dm, flensburg_type):
        email = provider(client, dm, conn)
        sign_in(client, email)
        page = text(post_form(client, "/angebote/neu", {"area_search": "Flensburg",
                                                       "action": "suchen"}))
        assert 'value="Flensburg, Stadt (01001000)"' in page
        page = text(post_form(client, "/angebote/neu", {
            "evidence_type": flensburg_type, "add": "Flensburg, Stadt (01001000)",
            "areas": "Schleswig-Flensburg (01059)"}))
        assert "Damit zuständig für <strong>" in page
        covered = int(re.search(r"zuständig für <strong>(\d+)</strong>", page).group(1))
        assert covered > 30  # the Kreis's municipalities and Flensburg
        r = post_form(client, "/angebote/neu", {
            "evidence_type": flensburg_type, "areas": "Flensburg, Stadt (01001000)",
            "service_id": "urn:test:flensburg", "endpoint_url": "https://fl.example/api",
            "valid_from": "1.1.2024"}, page="/angebote/neu")
        assert r.status_code == 303
        code = r.headers["Location"].split("/katalog/offers/")[1].split("?")[0]
        row = conn.execute("SELECT status, valid_from::text FROM offer WHERE code = %s",
                           (code,)).fetchone()
        assert (row["status"], row["valid_from"]) == ("pending", "2024-01-01")

        manager = app.test_client()
        sign_in(manager, web_user(conn, "data_manager", email="zweite@fks.example"))
        queue = text(manager.get("/pruefung"))
        assert f"Angebot {code}" in queue
        review = text(manager.get(f"/pruefung/offers/{code}"))
        assert "01001000" in review and "urn:test:flensburg" in review
        r = post_review(manager, f"/pruefung/offers/{code}", {"decision": "approve"})
        assert r.status_code == 303
        assert conn.execute("SELECT status FROM offer WHERE code = %s",
                            (code,)).fetchone()["status"] == "active"

    def test_an_edit_proposal_shows_what_changes(self, client, app, conn, dm, flensburg_type):
        ch.organisation(client, dm, "amt-edit")
        offer = ch.offer(client, dm, flensburg_type, ["01001000"], provider="amt-edit")
        sign_in(client, web_user(conn, "provider_admin", org="amt-edit"))
        form = text(client.get(f"/angebote/{offer['code']}/bearbeiten"))
        assert "Flensburg, Stadt (01001000)" in form
        # The form shows the start the offer got when it was activated (today).
        starts = offer["valid_from"]
        assert starts == berlin_today().isoformat() and f'value="{starts}"' in form
        r = post_form(client, f"/angebote/{offer['code']}/bearbeiten", {
            "evidence_type": flensburg_type, "areas": "01001000",
            "service_id": offer["service_id"], "endpoint_url": "https://neu.example/api",
            "valid_from": starts, "version": str(offer["version"])})
        assert r.status_code == 303
        # Routing keeps the active version until review.
        assert conn.execute("SELECT endpoint_url FROM offer WHERE code = %s",
                            (offer["code"],)).fetchone()["endpoint_url"] \
            == "https://dp.test.example/api"
        manager = app.test_client()
        sign_in(manager, web_user(conn, "data_manager"))
        review = text(manager.get(f"/pruefung/offers/{offer['code']}"))
        changed = [c.strip() for c in
                   re.findall(r'<tr class="changed"><th scope="row">([^<]+)<', review)]
        assert changed == ["Endpunkt"]

    def test_a_decision_on_a_page_that_became_stale_is_refused(self, client, app, conn, dm,
                                                               flensburg_type):
        """The review page sends the ETag it showed; a proposal changed
        since is shown again, not approved."""
        ch.organisation(client, dm, "amt-stale")
        offer = ch.offer(client, dm, flensburg_type, ["01001000"], provider="amt-stale")
        email = web_user(conn, "provider_admin", org="amt-stale")
        token = issue_token(conn, system_actor("tests"),
                            governance_queries.get_user(conn, email=email))["token"]
        provider = {"Authorization": f"Bearer {token}"}
        assert ch.change(client, provider, "offers", offer["code"],
                         {"endpoint_url": "https://gesehen.example"}).status_code == 200
        manager = app.test_client()
        sign_in(manager, web_user(conn, "data_manager"))
        path = f"/pruefung/offers/{offer['code']}"
        page = text(manager.get(path))
        seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
        assert ch.change(client, provider, "offers", offer["code"],
                         {"endpoint_url": "https://untergeschoben.example"}).status_code == 200
        r = post_form(manager, path, {"decision": "approve", "seen": seen}, page=path)
        assert r.status_code == 412
        assert "seit Sie ihn geöffnet haben" in text(r)
        assert "https://untergeschoben.example" in text(r)  # the current proposal, shown
        assert conn.execute("SELECT endpoint_url FROM offer WHERE code = %s",
                            (offer["code"],)).fetchone()["endpoint_url"] \
            == "https://dp.test.example/api"
        assert post_form(manager, path, {"decision": "approve"}, page=path).status_code == 428

    def test_a_stale_edit_is_refused_in_german(self, client, conn, dm, flensburg_type):
        offer = ch.offer(client, dm, flensburg_type, ["01001000"], provider="kba")
        sign_in(client, web_user(conn, "data_manager"))
        r = post_form(client, f"/angebote/{offer['code']}/bearbeiten", {
            "provider": "kba", "evidence_type": flensburg_type, "areas": "01001000",
            "service_id": "s", "endpoint_url": "https://x.example", "version": "99"})
        assert r.status_code == 412
        assert "inzwischen geändert" in text(r)

    def test_overlap_is_explained_on_the_areas_field(self, client, conn, dm, flensburg_type):
        ch.offer(client, dm, flensburg_type, ["01001000"], provider="kba")
        sign_in(client, web_user(conn, "data_manager"))
        r = post_form(client, "/angebote/neu", {
            "provider": "kba", "evidence_type": flensburg_type, "areas": "01001000",
            "service_id": "s", "endpoint_url": "https://x.example", "action": "einreichen"})
        assert r.status_code == 409
        assert "schon durch Angebot" in text(r)
        assert 'value="kba"' in text(r)

    def test_providers_cannot_open_the_review_queue(self, client, conn, dm):
        sign_in(client, provider(client, dm, conn))
        assert client.get("/pruefung").status_code == 403


class TestReview:
    def test_four_eyes_nobody_approves_their_own_proposal(self, client, conn, dm,
                                                          flensburg_type, nothing_written):
        email = web_user(conn, "data_manager")
        sign_in(client, email)
        # A data manager's own offers apply at once, unless staged for a colleague's review.
        token = issue_token(conn, system_actor("tests"),
                            governance_queries.get_user(conn, email=email))["token"]
        code = ch.create(client, {"Authorization": f"Bearer {token}"}, "offers", {
            "provider": "kba", "evidence_type": flensburg_type, "areas": ["01001000"],
            "service_id": "s", "endpoint_url": "https://x.example", "status": "pending"})["code"]
        with nothing_written():
            r = post_review(client, f"/pruefung/offers/{code}", {"decision": "approve"})
        assert r.status_code == 403
        assert "Vier-Augen-Prinzip" in text(r)

    def test_auditors_see_the_queue_but_cannot_decide(self, client, conn, nothing_written):
        post_form(client, "/registrierung", REGISTRATION_FORM)
        code = conn.execute("SELECT code FROM registration").fetchone()["code"]
        auditor = client.application.test_client()
        sign_in(auditor, web_user(conn, "auditor"))
        page = text(auditor.get(f"/pruefung/registrierungen/{code}"))
        assert "Amt Musterland" in page and "Freigeben" not in page
        with nothing_written():
            r = post_form(auditor, f"/pruefung/registrierungen/{code}",
                          {"decision": "approve"})
        assert r.status_code == 403


class TestCompetencePage:
    def test_an_ambiguous_postcode_lists_the_candidates(self, client, dm, flensburg_type):
        ch.offer(client, dm, flensburg_type, ["01054018"], provider="kba")
        body = text(client.get("/zustaendigkeit", query_string={
            "nachweistyp": flensburg_type, "ort": "25926"}))
        assert "Wir raten nicht" in body
        rows = re.findall(r"<tr><td><a [^>]+>([^<]+)</a></td><td>[^<]*</td><td>(\d{8})</td>"
                          r"<td>([^<]+)</td></tr>", body)
        assert ("Bramstedtlund", "01054018", "Kraftfahrt-Bundesamt") in rows
        assert len(rows) == 4

    def test_a_name_finds_the_provider(self, client, dm, flensburg_type):
        ch.offer(client, dm, flensburg_type, ["01"], provider="kba")
        body = text(client.get("/zustaendigkeit", query_string={
            "nachweistyp": flensburg_type, "ort": "Bramstedtlund"}))
        assert "Zuständig: Kraftfahrt-Bundesamt" in body
        assert "Bramstedtlund (AGS 01054018)" in body

    def test_a_dissolved_municipality_says_why_no_successor_is_named(self, client, dm,
                                                                     flensburg_type):
        ch.offer(client, dm, flensburg_type, ["16"], provider="kba")
        body = text(client.get("/zustaendigkeit", query_string={
            "nachweistyp": flensburg_type, "ort": "16064055"}))   # Rodeberg
        assert "Diese Gemeinde gibt es nicht mehr" in body
        assert "Warum:" in body and "Eigenrieden" in body

    def test_nonsense_is_a_message_not_an_error(self, client, flensburg_type):
        r = client.get("/zustaendigkeit", query_string={"nachweistyp": "gibt-es-nicht",
                                                        "ort": "x", "stichtag": "31.02.2026"})
        assert r.status_code == 200
        body = text(r)
        assert "Bitte einen Nachweistyp wählen." in body
        assert "Bitte ein Datum angeben" in body


class TestPages:
    @pytest.mark.parametrize("path", ["/", "/katalog/registers", "/katalog/organisations/kba",
                                      "/katalog/registers/idnrg-15", "/suche?q=Fahrzeug",
                                      "/zustaendigkeit", "/registrierung", "/anmelden",
                                      "/registrierung/status"])
    def test_public_pages_are_german_html(self, client, path):
        r = client.get(path)
        assert r.status_code == 200
        assert r.mimetype == "text/html"
        assert '<html lang="de">' in text(r)
        assert r.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]

    def test_every_asset_is_served_by_the_app(self, client):
        for path in ("/", "/registrierung"):
            for url in re.findall(r'(?:href|src)="([^"#]+)"', text(client.get(path))):
                assert url.startswith("/"), f"{path} loads {url} from elsewhere"

    def test_bad_filters_and_unknown_pages_are_german_pages(self, client):
        r = client.get("/katalog/offers", query_string={"provider": "Nicht OK!"})
        assert r.status_code == 200 and "Ungültiger Filter" in text(r)
        r = client.get("/katalog/organisations/gibt-es-nicht")
        assert r.status_code == 404 and "Nicht gefunden" in text(r)
        assert client.get("/katalog/nichts").status_code == 404
        typo = client.get("/katalogg", headers={"Accept": "text/html,*/*;q=0.8"})
        assert typo.status_code == 404 and "Diese Seite gibt es nicht." in text(typo)
        api = client.get("/api/v1/gibts-nicht", headers={"Accept": "text/html"})
        assert api.status_code == 404 and api.mimetype == "application/problem+json"
        assert client.get("/gibts-nicht").mimetype == "application/problem+json"

    def test_history_only_for_those_allowed(self, client, conn):
        assert "Verlauf" not in text(client.get("/katalog/registers/idnrg-15"))
        sign_in(client, web_user(conn, "auditor"))
        assert "Verlauf" in text(client.get("/katalog/registers/idnrg-15"))

    def test_coverage_as_table_chart_and_csv(self, client, conn, dm, flensburg_type):
        ch.offer(client, dm, flensburg_type, ["01"], provider="kba")
        sign_in(client, web_user(conn, "data_manager"))
        body = text(client.get("/abdeckung", query_string={"nachweistyp": flensburg_type}))
        assert '<svg role="img"' in body
        assert re.search(r"<th scope=\"row\">abgedeckt</th><td>1\.\d{3}</td>", body)
        csv = client.get("/abdeckung.csv", query_string={"nachweistyp": flensburg_type})
        assert csv.mimetype == "text/csv"
        assert csv.get_data(as_text=True).startswith("finding,key,name,offer,detail")

    def test_onboarding_report_as_table_chart_csv_and_deadlines(self, client, conn, dm):
        ch.organisation(client, dm, "amt-web")
        ch.create(client, dm, "onboarding", {"organisation": "amt-web", "role": "provider",
                                             "state": "running", "environment": "test",
                                             "evidence_type": "meldebescheinigung",
                                             "first_contact_on": "2025-06-10",
                                             "connected_on": "2025-09-01"})
        ch.create(client, dm, "deadlines", {"evidence_type": "meldebescheinigung",
                                            "due_on": "2020-01-01", "legal_source": "§ 9 X"})
        assert client.get("/anbindungen").status_code in (302, 303, 401, 403)
        sign_in(client, web_user(conn, "auditor"))
        body = text(client.get("/anbindungen"))
        assert '<svg role="img"' in body
        assert re.search(r'<th scope="row">laufend</th><td>Testumgebung</td><td>0</td>'
                         r'<td>1</td>', body)
        assert "Amt-Web" in body and "überfällig" in body  # the deadline has passed
        assert "Fortschritt je Monat" in body and '<th scope="row">2025-09</th>' in body
        csv = client.get("/anbindungen.csv")
        assert csv.mimetype == "text/csv" and "running,test,0,1" in csv.get_data(as_text=True)

    def test_the_fachsynchronisation_overview_lists_every_shipped_actor(self, client, conn):
        import csv as csv_module

        from app.config import REPO_ROOT
        from app.onboarding.fachsynchronisation import SHIPPED, register_numbers
        sign_in(client, web_user(conn, "data_manager"))
        body = html.unescape(text(client.get("/anbindungen")))
        with open(REPO_ROOT / "catalog_seed" / SHIPPED, encoding="utf-8") as f:
            shipped = list(csv_module.DictReader(f))
        assert len(shipped) == 27
        for row in shipped:
            numbers = ", ".join(map(str, sorted(register_numbers(row["register_nrs"]))))
            assert re.search(rf">{re.escape(row['akteur'])}</abbr></th><td>{numbers}</td>",
                             body), row["akteur"]
            assert row["stand_august_2025"][:60] in body
        assert "noch kein Kontakt" in body  # BAMF and others

    def test_tokens_are_shown_once_and_stored_as_hashes(self, client, conn):
        sign_in(client, web_user(conn, "data_manager"))
        r = post_form(client, "/konto/tokens", {"token_name": "Skript",
                                                "expires_days": "30"}, page="/konto")
        assert r.status_code == 201
        token = re.search(r'id="new-token"[^>]*>([^<]+)<', text(r)).group(1)
        assert token.startswith("rmt_")
        assert token not in text(client.get("/konto"))
        stored = conn.execute("SELECT token_hash FROM api_token").fetchall()
        assert token not in str(stored)
        r = post_form(client, "/konto/tokens", {"token_name": "x", "expires_days": "999"},
                      page="/konto")
        assert r.status_code == 422 and "Bitte eine Zahl von 1 bis 366." in text(r)

    def test_organisation_admins_add_colleagues(self, client, conn, dm):
        sign_in(client, provider(client, dm, conn))
        r = post_form(client, "/konto/nutzer", {"email": "kollegin@amt.example",
                                                "name": "Kollegin", "password": "x"},
                      page="/konto")
        assert r.status_code == 422 and "Mindestens 12" in text(r)
        assert 'value="kollegin@amt.example"' in text(r)
        r = post_form(client, "/konto/nutzer", {"email": "kollegin@amt.example",
                                                "password": PASSWORD}, page="/konto")
        assert r.status_code == 303
        row = conn.execute("SELECT u.role, o.code FROM app_user u JOIN organisation o ON "
                           "o.id = u.organisation_id WHERE email = 'kollegin@amt.example'"
                           ).fetchone()
        assert (row["role"], row["code"]) == ("provider_admin", "amt-web")

    def test_admins_create_users_of_any_role(self, client, conn):
        sign_in(client, web_user(conn, "admin"))
        r = post_form(client, "/konto/nutzer", {"email": "routing@rdn.example",
                                                "role": "routing"}, page="/konto")
        assert r.status_code == 303
        r = post_form(client, "/konto/nutzer", {"email": "p@amt.example",
                                                "role": "provider_admin"}, page="/konto")
        assert r.status_code == 422
        assert 'id="f-organisation-error"' in text(r)


class TestPasswordCommand:
    def test_the_first_data_manager_gets_a_password_from_the_command_line(self, app, client,
                                                                          conn):
        from app.cli import main
        runner = app.test_cli_runner()
        result = runner.invoke(main, ["user", "password", "--email", "erste@fks.example",
                                      "--role", "data_manager", "--password-stdin"],
                               input="kurz\n")
        assert result.exit_code == 2 and "12 to 200" in result.output
        result = runner.invoke(main, ["user", "password", "--email", "erste@fks.example",
                                      "--role", "data_manager", "--password-stdin"],
                               input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        sign_in(client, "erste@fks.example")
        # A new password signs the user out of every browser.
        runner.invoke(main, ["user", "password", "--email", "erste@fks.example", "--role",
                             "data_manager", "--password-stdin"], input="noch-ein-Passwort-2\n")
        assert client.get("/konto").status_code == 303
        audit = conn.execute("SELECT before, after FROM audit_log WHERE action = "
                             "'user.set-password'").fetchall()
        assert len(audit) == 2 and all(a["after"] is None for a in audit)


class TestPermissions:
    def test_a_consumer_requests_a_permission_and_a_data_manager_grants_it(
            self, client, app, conn, dm, flensburg_type):
        ch.organisation(client, dm, "kfz-web", name="Kfz-Stelle Web", kind="Zulassungsbehörde")
        service_code = ch.create(client, dm, "services", {
            "code": "web-leistung", "name": {"de": "Web-Leistung"}})["code"]
        sign_in(client, web_user(conn, "consumer_admin", org="kfz-web"))
        assert client.get("/katalog/permissions").status_code == 200
        r = post_form(client, "/berechtigungen/neu", {
            "service": service_code, "evidence_type": flensburg_type, "legal_basis": "",
            "may_use_identification_number": "ja"})
        assert r.status_code == 422 and 'id="f-legal_basis-error"' in text(r)
        r = post_form(client, "/berechtigungen/neu", {
            "service": service_code, "evidence_type": flensburg_type,
            "legal_basis": "§ 6 FZV", "may_use_identification_number": "ja"})
        assert r.status_code == 303
        code = r.headers["Location"].split("/katalog/permissions/")[1].split("?")[0]
        assert code in text(client.get("/konto"))
        manager = app.test_client()
        sign_in(manager, web_user(conn, "data_manager"))
        assert f"Berechtigung {code}" in text(manager.get("/pruefung"))
        post_review(manager, f"/pruefung/permissions/{code}", {"decision": "approve"})
        row = conn.execute("SELECT status, may_use_identification_number FROM permission "
                           "WHERE code = %s", (code,)).fetchone()
        assert (row["status"], row["may_use_identification_number"]) == ("active", True)

    def test_a_consumer_withdraws_a_pending_request(self, client, conn, dm, flensburg_type):
        ch.organisation(client, dm, "kfz-zurueck", kind="Zulassungsbehörde")
        service = ch.create(client, dm, "services", {"code": "zurueck-leistung",
                                                     "name": {"de": "Leistung"}})["code"]
        sign_in(client, web_user(conn, "consumer_admin", org="kfz-zurueck"))
        r = post_form(client, "/berechtigungen/neu", {
            "service": service, "evidence_type": flensburg_type, "legal_basis": "§ 1",
            "may_use_identification_number": "nein"})
        page = r.headers["Location"].split("?")[0]
        code = page.rsplit("/", 1)[1]
        assert "Antrag zurückziehen" in text(client.get(page))
        post_form(client, f"/berechtigungen/{code}/zurueckziehen", {"version": "1"}, page=page)
        assert conn.execute("SELECT status FROM permission WHERE code = %s",
                            (code,)).fetchone()["status"] == "retired"

    def test_permissions_are_not_public(self, client):
        assert client.get("/katalog/permissions").status_code == 303  # to sign-in


class TestCuration:
    def test_a_data_manager_creates_edits_and_retires_an_evidence_type(self, client, conn):
        sign_in(client, web_user(conn, "data_manager"))
        r = post_form(client, "/katalog/evidence-types/neu", {
            "code": "Falsch Geschrieben", "title_de": "", "registers": "idnrg-1\nidnrg-999"})
        assert r.status_code == 422
        body = text(r)
        assert 'id="f-code-error"' in body and 'id="f-title_de-error"' in body
        assert "idnrg-999" in body  # what was typed stays
        r = post_form(client, "/katalog/evidence-types/neu", {
            "code": "geburtsurkunde", "title_de": "Geburtsurkunde",
            "registers": "idnrg-1\nidnrg-999"})
        assert r.status_code == 422 and "„idnrg-999“ kennen wir nicht." in text(r)
        r = post_form(client, "/katalog/evidence-types/neu", {
            "code": "geburtsurkunde", "title_de": "Geburtsurkunde", "title_en": "Birth "
            "certificate", "registers": "idnrg-1", "identity_attributes": "Familienname"})
        assert r.status_code == 303
        page = "/katalog/evidence-types/geburtsurkunde/bearbeiten"
        form = text(client.get(page))
        assert 'value="Birth certificate"' in form
        r = post_form(client, page, {"title_de": "Geburtsurkunde (beglaubigt)", "title_en": "",
                                     "registers": "idnrg-1", "version": "1"})
        assert r.status_code == 303
        row = conn.execute("SELECT title_de, title_en, version FROM evidence_type "
                           "WHERE code = 'geburtsurkunde'").fetchone()
        assert (row["title_de"], row["title_en"], row["version"]) == \
            ("Geburtsurkunde (beglaubigt)", None, 2)
        stale = post_form(client, page, {"title_de": "x", "version": "1"})
        assert stale.status_code == 412
        post_form(client, "/katalog/evidence-types/geburtsurkunde/ausser-kraft",
                  {"version": "2"}, page="/katalog/evidence-types/geburtsurkunde")
        assert conn.execute("SELECT status FROM evidence_type WHERE code = 'geburtsurkunde'"
                            ).fetchone()["status"] == "retired"

    def test_suspending_an_organisation(self, client, conn, dm):
        ch.organisation(client, dm, "amt-sperre", name="Amt Sperre", seat_ags="01054018")
        sign_in(client, web_user(conn, "data_manager"))
        page = "/katalog/organisations/amt-sperre/bearbeiten"
        assert 'value="Bramstedtlund (01054018)"' in text(client.get(page))
        r = post_form(client, page, {"name": "Amt Sperre", "kind": "Meldebehörde",
                                     "seat_ags": "Bramstedtlund (01054018)",
                                     "status": "suspended", "version": "1"})
        assert r.status_code == 303
        assert conn.execute("SELECT status FROM organisation WHERE code = 'amt-sperre'"
                            ).fetchone()["status"] == "suspended"

    def test_only_curators_curate(self, client, conn, dm, nothing_written):
        sign_in(client, provider(client, dm, conn))
        with nothing_written():
            r = post_form(client, "/katalog/registers/idnrg-15/ausser-kraft", {"version": "1"},
                          page="/katalog/registers/idnrg-15")
        assert r.status_code == 403
        assert client.get("/katalog/registers/neu").status_code == 403


def test_organisation_suggestions_and_picked_codes(client, conn, dm, flensburg_type):
    found = client.get("/vorschlaege/organisationen", query_string={"q": "Kraftfahrt"}).json
    assert {"label": "Kraftfahrt-Bundesamt (kba)", "detail": found[0]["detail"]} in found
    sign_in(client, web_user(conn, "data_manager"))
    r = post_form(client, "/angebote/neu", {
        "provider": "Kraftfahrt-Bundesamt (kba)", "evidence_type": flensburg_type,
        "areas": "DE", "service_id": "s", "endpoint_url": "https://kba.example"})
    assert r.status_code == 303
    assert conn.execute("SELECT o.code FROM offer f JOIN organisation o ON o.id = "
                        "f.provider_id").fetchone()["code"] == "kba"


POST_PAGES = ["/anmelden", "/registrierung", "/registrierung/status", "/konto/tokens",
              "/konto/nutzer", "/angebote/neu", "/berechtigungen/neu",
              "/katalog/evidence-types/neu", "/katalog/registers/idnrg-1/bearbeiten",
              "/pruefung/registrierungen/reg-nichts", "/pruefung/offers/off-nichts"]
ODD_VALUES = ["\x00", "ü" * 5000, "'; DROP TABLE area; --", "<script>x</script>", "%s%(x)s"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_input_never_crashes_a_page(client, conn, value, nothing_written):
    """Every form and query of the web pages, with input nobody should send: a German page
    with a 4xx (or the form again), never a 500, and nothing written."""
    sign_in(client, web_user(conn, "data_manager"))
    token = csrf_of(client, "/konto")
    fields = ["email", "password", "org_name", "org_kind", "org_seat", "role", "user_email",
              "code", "secret", "token_name", "expires_days", "name", "evidence_type",
              "areas", "area_search", "add", "remove", "service_id", "endpoint_url",
              "valid_from", "valid_to", "provider", "service", "consumer", "legal_basis",
              "title_de", "registers", "decision", "reason", "version", "action"]
    with nothing_written():
        for path in POST_PAGES:
            for data in ({f: value for f in fields if f != "action"},
                         {"csrf_token": token, **{f: value for f in fields}}):
                r = client.post(path, data=data)
                assert r.status_code < 500, (path, r.status_code)
                assert r.mimetype == "text/html"
        for path in ("/zustaendigkeit?nachweistyp={v}&ort={v}&stichtag={v}",
                     "/suche?q={v}&type={v}&land={v}", "/katalog/offers?area={v}&provider={v}",
                     "/katalog/organisations?name={v}&art={v}", "/vorschlaege/orte?q={v}",
                     "/vorschlaege/suche?q={v}", "/vorschlaege/organisationen?q={v}",
                     "/abdeckung?nachweistyp={v}", "/katalog/registers/{v}"):
            r = client.get(path.format(v=quote(value)))
            assert r.status_code < 500, (path, r.status_code)


def test_organisation_list_pages_through_with_a_kind_filter(client, dm):
    for number in range(60):
        ch.organisation(client, dm, f"amt-{number:02d}", kind="Amt")
    first = text(client.get("/katalog/organisations", query_string={"art": "Amt"}))
    assert "60 Einträge, Seite 1" in first
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "art=Amt" in following and "page=2" in following
    assert "amt-59" in text(client.get(following))


def test_connection_parameters_as_json(client, conn, dm, flensburg_type):
    sign_in(client, provider(client, dm, conn))
    form = {"evidence_type": flensburg_type, "areas": "01001000", "service_id": "s",
            "endpoint_url": "https://x.example"}
    r = post_form(client, "/angebote/neu", {**form, "connection_parameters": "{kaputt"})
    assert r.status_code == 422 and "Bitte gültiges JSON angeben" in text(r)
    assert "{kaputt" in text(r)
    r = post_form(client, "/angebote/neu", {**form, "connection_parameters": "[1]"})
    assert r.status_code == 422 and "Bitte ein JSON-Objekt angeben" in text(r)
    r = post_form(client, "/angebote/neu", {
        **form, "connection_parameters": '{"dvdv_behoerdenkennung": "psw:01001000"}'})
    assert r.status_code == 303
    code = r.headers["Location"].split("/katalog/offers/")[1].split("?")[0]
    assert "psw:01001000" in text(client.get(f"/angebote/{code}/bearbeiten"))
    # An active offer's page shows them to the data manager, not to the public.
    active = ch.offer(client, dm, flensburg_type, ["01002000"], provider="kba",
                      connection_parameters={"dvdv_behoerdenkennung": "psw:01002000"})
    public = client.application.test_client().get(f"/katalog/offers/{active['code']}")
    assert public.status_code == 200 and "psw:01002000" not in text(public)
    manager = client.application.test_client()
    sign_in(manager, web_user(conn, "data_manager"))
    assert "psw:01002000" in text(manager.get(f"/katalog/offers/{active['code']}"))


def test_a_failure_is_a_german_page_with_the_request_id(app, client, monkeypatch, caplog):
    from app.web import catalogue

    def broken(*args, **kwargs):
        raise RuntimeError("kaputt")
    monkeypatch.setattr(catalogue, "active_evidence_types", broken)
    r = client.get("/zustaendigkeit", headers={"X-Request-ID": "abc123"})
    assert r.status_code == 500
    body = text(r)
    assert "Ein unerwarteter Fehler" in body and "abc123" in body and "kaputt" not in body
    assert "unhandled error" in caplog.text


def test_catalogue_pages_name_fields_and_values_in_german(client, conn, dm, flensburg_type):
    """Contact parts, the changed fields of the history and coded values are German words,
    not the API's field names and codes."""
    org = ch.organisation(client, dm, "amt-deutsch", contact={"email": "post@amt.example"})
    assert ch.change(client, dm, "organisations", "amt-deutsch", {"abbreviation": "AD"},
                     version=org["version"]).status_code == 200
    offer_code = ch.offer(client, dm, flensburg_type, ["01001000"],
                          provider="amt-deutsch")["code"]
    manager = client.application.test_client()
    sign_in(manager, web_user(conn, "data_manager"))
    page = html.unescape(text(manager.get("/katalog/organisations/amt-deutsch")))
    assert "E-Mail: post@amt.example" in page and "email:" not in page
    history = page.split("<h2>Verlauf</h2>")[1]
    assert "Kurzbezeichnung" in history and "abbreviation" not in history
    offer_page = text(manager.get(f"/katalog/offers/{offer_code}"))
    assert "<dt>Umgebung</dt>" in offer_page
    assert "Produktivumgebung" in offer_page and ">production<" not in offer_page


def test_the_pages_have_an_icon(client):
    assert 'rel="icon"' in text(client.get("/"))
    r = client.get("/favicon.ico")
    assert r.status_code == 301
    with client.get(r.headers["Location"]) as icon:  # a file response: closed after use
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).startswith("<svg")


def test_the_registration_form_and_the_api_require_the_same_fields():
    """What the form marks as a required field is what the API's schema requires, and the
    other way round (one list of what a registration must say)."""
    from app.config import REPO_ROOT
    from app.governance.schemas import RegistrationCreateSchema
    from app.web.registration import REGISTRATION_FIELDS

    def required(schema, prefix=""):
        """The required leaf fields (a nested schema stands for its own fields)."""
        paths = set()
        for name, field in schema.fields.items():
            if field.required:
                paths |= required(field.schema, f"{prefix}{name}.") \
                    if hasattr(field, "schema") else {prefix + name}
        return paths

    # Every required field has its form field: an unmapped one fails here.
    api = {REGISTRATION_FIELDS[path] for path in required(RegistrationCreateSchema())}
    template = (REPO_ROOT / "app/web/templates/web/register.html").read_text()
    form = set(re.findall(r'(?:input|select)\(form, "(\w+)"[^)]*required=true', template))
    role_at = template.index('name="role"')
    if "(Pflichtfeld)" in template[template.rindex("<fieldset", 0, role_at):role_at]:
        form.add("role")  # a group of radio buttons, marked in its legend
    # The form asks for the password twice (password2 only checks the typing).
    assert api == form - {"password2"}
    assert "contact_email" not in api  # optional on both (tested by the README example too)
