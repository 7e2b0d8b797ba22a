"""The whole job in a real browser: an authority registers, a data manager approves it, the
authority signs in and proposes an offer, the data manager approves that, and anyone finds
it in the catalogue and through the competence lookup. axe-core checks every page on the
way; screenshots are kept in var/test-artifacts/screenshots."""
import re
import time
from datetime import date

from playwright.sync_api import expect

from ..gv100ad_file import edition
from .browser import DM_EMAIL, DM_PASSWORD

AUTHORITY = "Bürgeramt Flensburg (Browsertest)"
AUTHORITY_EMAIL = "meldewesen@flensburg.example"
AUTHORITY_PASSWORD = "Passwort-fuer-Flensburg-24937"
PHONE = {"width": 390, "height": 844}


def sign_in(page, email, password):
    page.goto("/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text(f"Angemeldet als {email}")).to_be_visible()


def test_register_approve_propose_approve_find(new_page, check):
    authority, manager, visitor = new_page(), new_page(), new_page()

    # Anyone: nobody is competent for Meldebescheinigungen in Flensburg yet.
    visitor.goto("/zustaendigkeit")
    visitor.get_by_label("Nachweistyp").select_option("meldebescheinigung")
    visitor.get_by_label(re.compile("^Ort")).fill("Flensburg")
    visitor.get_by_role("button", name="Zuständigkeit ermitteln").click()
    expect(visitor.get_by_role("heading", name=re.compile("kein Datenbereitsteller"))) \
        .to_be_visible()

    # The authority registers; a form with errors keeps what was typed.
    authority.goto("/")
    check(authority, "01-start")
    authority.get_by_role("link", name="Behörde registrieren").click()
    check(authority, "02-registrierung")
    authority.get_by_label("Name der Behörde").fill(AUTHORITY)
    authority.locator("#f-org_kind").select_option("Meldebehörde")
    authority.get_by_label(re.compile("^Sitz")).fill("Flensburg")
    authority.get_by_label("E-Mail-Adresse (Funktionspostfach)") \
        .fill("buergeramt@flensburg.example")
    authority.get_by_label("Nachweise bereitstellen").check()
    authority.get_by_label("Ihr Name").fill("Frieda Petersen")
    authority.get_by_label("Ihre E-Mail-Adresse").fill(AUTHORITY_EMAIL)
    authority.locator("#f-password").fill("zu kurz")
    authority.get_by_label("Passwort wiederholen").fill("anders")
    authority.get_by_role("button", name="Registrierung einreichen").click()
    summary = authority.get_by_role("alert")
    expect(summary).to_contain_text("Mindestens 12")
    expect(summary).to_contain_text("stimmen nicht überein")
    expect(summary).to_be_focused()
    expect(authority.get_by_label("Name der Behörde")).to_have_value(AUTHORITY)
    expect(authority.get_by_label(re.compile("^Sitz"))).to_have_value("Flensburg, Stadt (01001000)")
    expect(authority.locator("#f-password")).to_have_attribute("aria-invalid", "true")
    check(authority, "03-registrierung-fehler")
    authority.locator("#f-password").fill(AUTHORITY_PASSWORD)
    authority.get_by_label("Passwort wiederholen").fill(AUTHORITY_PASSWORD)
    authority.get_by_role("button", name="Registrierung einreichen").click()
    expect(authority.get_by_role("heading", name="Registrierung eingereicht")).to_be_visible()
    registration = authority.locator("#registration-code").inner_text()
    check(authority, "04-registriert")
    authority.get_by_role("link", name="Zum Stand der Registrierung").click()
    expect(authority.get_by_text("wartet auf Prüfung").first).to_be_visible()
    check(authority, "05-registrierung-status")

    # The data manager approves the registration.
    sign_in(manager, DM_EMAIL, DM_PASSWORD)
    manager.get_by_role("link", name="Prüfung").click()
    check(manager, "06-pruefliste")
    manager.get_by_role("link", name=registration).click()
    expect(manager.get_by_text(AUTHORITY)).to_be_visible()
    check(manager, "07-registrierung-pruefen")
    manager.get_by_role("button", name="Freigeben").click()
    expect(manager.get_by_text(f"{registration} ist freigegeben")).to_be_visible()

    # The authority sees the approval, signs in and proposes an offer for Flensburg.
    authority.goto("/registrierung/status")
    expect(authority.get_by_text("Ihre Behörde ist freigegeben")).to_be_visible()
    sign_in(authority, AUTHORITY_EMAIL, AUTHORITY_PASSWORD)
    check(authority, "08-konto")
    authority.get_by_role("link", name="Neues Angebot vorschlagen").click()
    authority.get_by_label("Nachweistyp").select_option("meldebescheinigung")
    authority.get_by_label(re.compile("^Gebiet suchen")).fill("Flensburg")
    authority.get_by_role("button", name="Suchen", exact=True).click()
    authority.get_by_role("button", name="Flensburg, Stadt (01001000) hinzufügen").click()
    expect(authority.get_by_text("Damit zuständig für 1 Gemeinde.")).to_be_visible()
    authority.get_by_label(re.compile("^Dienst-ID")).fill("urn:de:fim:flensburg:meldewesen")
    authority.get_by_label(re.compile("^Endpunkt")).fill("https://meldewesen.flensburg.example/noots")
    authority.get_by_label("gültig bis (ausschließlich)").fill("01.01.2020")
    authority.get_by_label("gültig ab").fill("01.01.2024")
    authority.get_by_role("button", name="Vorschlag einreichen").click()
    expect(authority.get_by_role("alert")).to_contain_text("Das Ende muss nach dem Beginn")
    expect(authority.get_by_label("Gewählte Gebiete")).to_have_value("Flensburg, Stadt (01001000)")
    check(authority, "09-angebot-formular")
    authority.get_by_label("gültig bis (ausschließlich)").fill("")
    authority.get_by_role("button", name="Vorschlag einreichen").click()
    expect(authority.get_by_text("Ihr Vorschlag ist eingereicht")).to_be_visible()
    offer = authority.url.split("/katalog/offers/")[1].split("?")[0]
    check(authority, "10-angebot-eingereicht")

    # The data manager reviews the diff and approves.
    manager.goto("/pruefung")
    manager.get_by_role("link", name=f"Angebot {offer}").click()
    # Names beside the codes: the area and the provider, as the data manager knows them.
    expect(manager.get_by_role("table")).to_contain_text("Flensburg, Stadt (01001000)")
    expect(manager.get_by_role("table")).to_contain_text(AUTHORITY)
    check(manager, "11-angebot-pruefen")
    manager.get_by_role("button", name="Freigeben").click()
    expect(manager.get_by_text(f"{offer} ist freigegeben")).to_be_visible()
    manager.goto("/abdeckung?nachweistyp=meldebescheinigung")
    expect(manager.get_by_text("Gemeinden ohne Datenbereitsteller")).to_be_visible()
    check(manager, "12-abdeckung")

    # Anyone finds it: competence by name and by postcode, the catalogue, the search.
    visitor.goto("/zustaendigkeit")
    visitor.get_by_label("Nachweistyp").select_option("meldebescheinigung")
    visitor.get_by_label(re.compile("^Ort")).fill("24937")
    visitor.get_by_role("button", name="Zuständigkeit ermitteln").click()
    expect(visitor.get_by_role("heading", name=f"Zuständig: {AUTHORITY}")).to_be_visible()
    check(visitor, "13-zustaendigkeit")
    visitor.get_by_role("link", name=offer).click()
    expect(visitor.get_by_text("https://meldewesen.flensburg.example/noots")).to_be_visible()
    check(visitor, "14-angebot")
    visitor.get_by_role("link", name="Meldebescheinigung").first.click()
    expect(visitor.get_by_role("link", name=offer)).to_be_visible()
    check(visitor, "15-nachweistyp")
    # The search index follows the change feed within about a second.
    deadline = time.monotonic() + 15
    while True:
        visitor.goto("/suche?q=Flensburg+Browsertest")
        if visitor.get_by_role("link", name=AUTHORITY, exact=True).count() \
                or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(visitor.get_by_role("link", name=AUTHORITY, exact=True)).to_be_visible()
    expect(visitor.locator(f"a[href='/katalog/offers/{offer}']")).to_be_visible()
    check(visitor, "16-suche")


def test_tokens_and_colleagues_in_the_account(new_page, check):
    page = new_page()
    sign_in(page, DM_EMAIL, DM_PASSWORD)
    page.goto("/konto")
    page.get_by_label(re.compile("^Wofür")).fill("Prüfskript")
    page.get_by_role("button", name="Token erstellen").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("rmt_")
    check(page, "17-token")
    page.goto("/konto")
    expect(page.locator("#new-token")).to_have_count(0)  # shown once only
    assert token not in page.content()
    page.get_by_role("button", name="Token Prüfskript widerrufen").click()
    expect(page.get_by_text("widerrufen").first).to_be_visible()


def test_keyboard_alone_signs_in(new_page):
    page = new_page()
    page.goto("/anmelden")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-Mail-Adresse")).to_be_focused()
    page.keyboard.type(DM_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Passwort")).to_be_focused()
    page.keyboard.type(DM_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Angemeldet als {DM_EMAIL}")).to_be_visible()


def test_pages_fit_a_phone(new_page, check):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    for path, name in (("/", "phone-start"), ("/katalog/registers", "phone-register"),
                       ("/zustaendigkeit?nachweistyp=meldebescheinigung&ort=M%C3%BCnchen",
                        "phone-zustaendigkeit"),
                       ("/registrierung", "phone-registrierung"),
                       ("/suche?q=Fahrzeug", "phone-suche")):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        check(page, name)


def test_forms_without_their_csrf_token_are_refused(new_page):
    page = new_page()
    page.goto("/anmelden")
    response = page.request.post("/anmelden", form={"email": DM_EMAIL,
                                                    "password": DM_PASSWORD})
    assert response.status == 403
    assert "Formular war veraltet" in response.text()


def test_type_ahead_works_under_the_pages_own_csp(new_page):
    page = new_page(bypass_csp=False)
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto("/zustaendigkeit")
    page.get_by_label(re.compile("^Ort")).press_sequentially("Flensb", delay=30)
    options = page.locator("#f-ort-list option")
    expect(options.first).to_have_attribute("value", "Flensburg, Stadt (01001000)")
    assert not refused


def test_curation_pages(new_page, check):
    page = new_page()
    sign_in(page, DM_EMAIL, DM_PASSWORD)
    page.goto("/katalog/evidence-types")
    page.get_by_role("link", name="Nachweistyp anlegen").click()
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte ausfüllen.")
    check(page, "18-nachweistyp-anlegen-fehler")
    page.goto("/katalog/registers/idnrg-1")
    page.get_by_role("link", name="Bearbeiten").click()
    expect(page.get_by_label(re.compile("^Bezeichnung"))).not_to_have_value("")
    check(page, "19-register-bearbeiten")
    page.goto("/berechtigungen/neu")
    check(page, "20-berechtigung")
    page.goto("/katalog/permissions")
    check(page, "21-berechtigungen")


# Every HTML page the app serves (GET), with a URL that opens it. The test below checks that
# this list covers the app's routes, so a new page cannot escape axe-core.
# Not pages: assets, suggestions, downloads, and the two legs of the IAM-B sign-in (redirects
# to and from the provider; its pages are checked in test_iam_browser.py).
NOT_PAGES = {"web.static", "web.suggest_search", "web.suggest_places", "web.coverage_csv",
             "web.suggest_organisations", "web.onboarding_csv", "web.favicon",
             "web.iam_sign_in", "web.iam_callback"}


def every_page(offer, registration, permission, curation, area_import):
    return {
        "web.home": "/", "web.catalogue_list": "/katalog/registers",
        "web.catalogue_item": "/katalog/registers/idnrg-1",
        "web.search_page": "/suche?q=Melderegister",
        "web.competence_page": "/zustaendigkeit?nachweistyp=meldebescheinigung&ort=25926",
        "web.register": "/registrierung", "web.registration_status": "/registrierung/status",
        "web.registration_resubmit": "/registrierung/erneut",
        "web.sign_in": "/anmelden", "web.account": "/konto",
        "web.propose_offer": "/angebote/neu", "web.edit_offer": f"/angebote/{offer}/bearbeiten",
        "web.review_queue": "/pruefung",
        "web.review_registration": f"/pruefung/registrierungen/{registration}",
        "web.review_proposal": f"/pruefung/offers/{offer}",
        "web.coverage_page": "/abdeckung", "web.request_permission": "/berechtigungen/neu",
        "web.onboarding_page": "/anbindungen",
        "web.create_object": "/katalog/services/neu",
        "eu requirement form": "/katalog/eu-requirements/neu",
        "web.edit_object": "/katalog/organisations/kba/bearbeiten",
        "permissions": f"/katalog/permissions/{permission}",
        "web.postcode_search": "/postleitzahlen",
        "web.postcode_page": "/postleitzahlen/03058",
        "web.review_postcode": f"/pruefung/postleitzahlen/{curation}",
        "web.area_import_list": "/gebietsstaende",
        "web.area_import_page": f"/gebietsstaende/{area_import}",
        "web.code_lists_page": "/codelisten",
        "web.code_list_page": "/codelisten/procedures/2.0",
        "not found": "/katalog/registers/gibt-es-nicht",
    }


def test_axe_on_every_page(new_page, check, live):
    import requests

    from app import create_app
    base, dm = live["base"], live["dm"]
    registration = requests.post(f"{base}/api/v1/registrations", json={
        "organisation": {"name": "Amt Axe", "kind": "Amt", "contact": {}},
        "user": {"email": "axe@amt.example", "password": "ein langes Passwort"},
        "role": "consumer_admin"}, timeout=10).json()["code"]
    offer = requests.post(f"{base}/api/v1/offers", headers=dm, json={
        "provider": "kba", "evidence_type": "meldebescheinigung", "areas": ["09162000"],
        "service_id": "urn:axe", "endpoint_url": "https://axe.example", "status": "pending"},
        timeout=10).json()["code"]
    service = requests.post(f"{base}/api/v1/services", headers=dm, json={
        "code": "axe-leistung", "name": {"de": "Axe-Leistung"}}, timeout=10).json()["code"]
    permission = requests.post(f"{base}/api/v1/permissions", headers=dm, json={
        "consumer": "kba", "service": service, "evidence_type": "meldebescheinigung",
        "legal_basis": "§ 1", "may_use_identification_number": False},
        timeout=10).json()["code"]
    # Data for every part of the onboarding page (chart, progress, Länder).
    requests.post(f"{base}/api/v1/onboarding", headers=dm, json={
        "organisation": "kba", "role": "provider", "state": "running", "environment": "test",
        "register": "idnrg-15", "first_contact_on": "2025-06-10",
        "connected_on": "2025-09-01"}, timeout=10).raise_for_status()
    curation = requests.post(f"{base}/api/v1/postcodes/03058/pairs", headers=dm, json={
        "ags": "12052000", "place": "Gallinchen", "reason": "Ortsteil von Cottbus"},
        timeout=10).json()["code"]
    area_import = requests.post(
        f"{base}/api/v1/area-imports", data=edition(date(2026, 12, 31), drop={"01054073"},
                                                    add=[("01054999", "010545489999", "Neu")]
                                                    ).encode(),
        headers={**dm, "Content-Type": "text/plain"}, timeout=30).json()["code"]
    pages = every_page(offer, registration, permission, curation, area_import)
    app = create_app({"DATABASE_URL": live["database_url"]})
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("web.") and "GET" in rule.methods}
    assert routes - NOT_PAGES <= set(pages), "pages without an axe-core check"

    page = new_page()
    sign_in(page, DM_EMAIL, DM_PASSWORD)
    for name, path in pages.items():
        if name == "web.registration_resubmit":
            continue  # the registration form again (register.html), checked as web.register
        page.goto(path)
        check(page, name, screenshot=False)  # the main pages' screenshots are taken above


def test_a_provider_goes_from_a_test_endpoint_to_a_reviewed_production_offer(
        new_page, check, live):
    """The provider publishes a test offer itself, proposes its move to production,
    and a data manager's approval makes it the production answer."""
    import psycopg
    import requests
    from psycopg.rows import dict_row

    from app.access.actor import system_actor
    from app.governance.users import create_user

    base, dm = live["base"], live["dm"]
    requests.post(f"{base}/api/v1/organisations", headers=dm, json={
        "code": "amt-husum-e2e", "name": "Bürgeramt Husum (Browsertest)",
        "kind": "Meldebehörde"}, timeout=10).raise_for_status()
    email, password = "meldewesen@husum.example", "Passwort-fuer-Husum-25813"
    with psycopg.connect(live["database_url"], autocommit=True, row_factory=dict_row) as conn:
        create_user(conn, system_actor("tests"), {
            "email": email, "role": "provider_admin", "organisation": "amt-husum-e2e",
            "password": password})
    provider, manager = new_page(), new_page()
    sign_in(provider, email, password)

    # A test offer: in force at once, no review.
    provider.goto("/angebote/neu")
    provider.get_by_label("Nachweistyp").select_option("meldebescheinigung")
    provider.get_by_label(re.compile("^Umgebung")).select_option("test")
    provider.get_by_label(re.compile("^Gebiet suchen")).fill("01054056")
    provider.get_by_role("button", name="Suchen", exact=True).click()
    provider.get_by_role("button", name=re.compile(r"\(01054056\) hinzufügen")).click()
    provider.get_by_label(re.compile("^Dienst-ID")).fill("urn:de:fim:husum:meldewesen")
    provider.get_by_label(re.compile("^Endpunkt")).fill("https://test.husum.example/noots")
    check(provider, "14-testangebot-formular")
    provider.get_by_role("button", name="Vorschlag einreichen").click()
    offer = provider.url.split("/katalog/offers/")[1].split("?")[0]
    expect(provider.get_by_role("main")).to_contain_text("Umgebung")
    lookup = {"evidence_type": "meldebescheinigung", "ags": "01054056"}

    def competence(**params):
        """The answer once every worker has caught up (within a second)."""
        for _ in range(30):
            r = requests.get(f"{base}/api/v1/competence", params={**lookup, **params},
                             headers=dm, timeout=10)
            if r.status_code == 200 and r.json()["offer"]["code"] == offer:
                return r.json()
            time.sleep(0.1)
        return r.json()

    answer = competence(environment="test")
    assert answer["offer"]["code"] == offer and answer["environment"] == "test"

    # The move to production is a proposal the data manager reviews.
    provider.goto(f"/angebote/{offer}/bearbeiten")
    provider.get_by_label(re.compile("^Umgebung")).select_option("production")
    provider.get_by_label(re.compile("^Endpunkt")).fill("https://husum.example/noots")
    provider.get_by_role("button", name="Änderung einreichen").click()
    expect(provider.get_by_role("main")).to_contain_text("wartet auf Prüfung")
    check(provider, "15-wechsel-vorgeschlagen")
    assert requests.get(f"{base}/api/v1/competence", params=lookup, headers=dm,
                        timeout=10).status_code == 404  # nothing in production yet
    sign_in(manager, DM_EMAIL, DM_PASSWORD)
    manager.goto("/pruefung")
    manager.get_by_role("link", name=f"Angebot {offer}").click()
    expect(manager.get_by_role("main")).to_contain_text("Produktivumgebung")
    # Only what the proposal changes is marked as changed.
    expect(manager.locator("tr.changed th")).to_have_text(["Endpunkt (geändert)",
                                                           "Umgebung (geändert)"])
    manager.get_by_role("button", name="Freigeben").click()
    expect(manager.get_by_text(f"{offer} ist freigegeben")).to_be_visible()
    answer = competence()
    assert answer["offer"]["code"] == offer and answer["environment"] == "production"
    assert answer["offer"]["endpoint_url"] == "https://husum.example/noots"


def test_the_demo_shows_the_status_report_on_the_onboarding_page(browser, check, demo_database,
                                                                 tmp_path):
    """`regmap seed --demo` reproduces the status report's September 2025 table, and
    a data manager sees it on the page (6 DC and 7 DP completed in the reference environment,
    2 DC and 1 DP in preparation and 1 DP running in the test environment)."""
    import psycopg
    from psycopg.rows import dict_row

    from app.access.actor import system_actor
    from app.governance.users import create_user

    from ..live import serving

    email = "demo-dm@browser.example"
    with psycopg.connect(demo_database, autocommit=True, row_factory=dict_row) as conn:
        create_user(conn, system_actor("tests"), {"email": email, "role": "data_manager",
                                                  "password": DM_PASSWORD})
    with serving(demo_database, tmp_path / "demo", workers=1) as base:
        context = browser.new_context(base_url=base, locale="de-DE", bypass_csp=True)
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            sign_in(page, email, DM_PASSWORD)
            page.goto("/anbindungen")
            table = page.get_by_role("table", name="Anbindungen je Stand und Umgebung")
            for state, environment, dc, dp in (("abgeschlossen", "Referenzumgebung", 6, 7),
                                               ("in Vorbereitung", "Testumgebung", 2, 1),
                                               ("laufend", "Testumgebung", 0, 1)):
                row = table.get_by_role("row").filter(has_text=state).filter(
                    has_text=environment)
                expect(row).to_have_text(re.compile(rf"{state}\s*{environment}\s*{dc}\s*{dp}"))
            check(page, "16-anbindungen-demo")
        finally:
            context.close()
