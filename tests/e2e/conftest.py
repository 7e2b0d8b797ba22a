"""Browser tests: headless Debian chromium driven by Playwright for Python against a real
`regmap serve` (granian) and a database of their own; axe-core checks every page they open.

Playwright cannot download browsers here: it drives the system's chromium
(`executable_path`). scripts/test.sh installs chromium and axe-core when they are missing;
where that is impossible the tests skip, and the run ends with a banner saying why.
"""
import shutil

import psycopg
import pytest
from psycopg.rows import dict_row

from app.access.actor import system_actor
from app.governance.users import create_user

from ..live import live_server
from .browser import ARTIFACTS, AXE, AXE_TAGS, CHROMIUM_ARGS, DM_EMAIL, DM_PASSWORD, chromium_path


@pytest.fixture(scope="session")
def live(server_url, tmp_path_factory):
    """`regmap serve` (2 workers) on a fresh, seeded database, with a data manager who signs in
    with a password."""
    tmp = tmp_path_factory.mktemp("e2e")
    with live_server(server_url, tmp, workers=2) as server:
        with psycopg.connect(server["database_url"], autocommit=True,
                             row_factory=dict_row) as conn:
            create_user(conn, system_actor("tests"), {
                "email": DM_EMAIL, "role": "data_manager", "password": DM_PASSWORD})
        # No demo catalogue (it would already cover Flensburg): the plain seed ships the
        # evidence type meldebescheinigung the pages use.
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts():
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def new_page(browser, live):
    """new_page(viewport=…) -> a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(**options):
        # bypass_csp: axe-core is injected as an inline script, which the pages' CSP forbids.
        options.setdefault("bypass_csp", True)
        context = browser.new_context(base_url=live["base"], locale="de-DE", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def check(artifacts):
    """check(page, name): axe-core finds nothing serious or critical, and a full-page
    screenshot is kept as an artefact."""
    def run(page, name, screenshot=True):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        if screenshot:
            page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        bad = [f"{v['id']} ({v['impact']}): {v['help']} — "
               + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                           else str(n["target"]) for n in v["nodes"][:5])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe-core on {name} ({page.url}):\n" + "\n".join(bad)
        return result
    return run
