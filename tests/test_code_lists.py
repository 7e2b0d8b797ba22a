"""The OOTS code lists as data (catalog/code_lists.py): shipped per TDD line with the edition
they come from, checked on every write, read per line by every answer, and changed only by
curators — a value added moves the list's revision on and reaches the answers of its line; a
value an active object still uses cannot be removed."""
import csv
from pathlib import Path

import pytest
from lxml import etree

from app.catalog import code_lists
from app.catalog.seed import CODE_LISTS

from .catalog_helpers import API, create, evidence_type, organisation

CODELISTS = Path(__file__).parent / "oots" / "codelists"
SHIPPED = Path(__file__).parents[1] / "catalog_seed" / CODE_LISTS
SR_1X = "https://sr.oots.tech.europa.eu/"
EB_REQUIREMENTS = \
    "urn:fdc:oots:eb:ebxml-regrep:queries:requirements-by-procedure-and-jurisdiction"
RS = "{urn:oasis:names:tc:ebxml-regrep:xsd:rs:4.0}"
AM1 = "Recognition of foreign professional qualification"


def genericode(name):
    """(Version, codes in file order) of one of the Commission's genericode files."""
    root = etree.parse(str(CODELISTS / f"{name}-CodeList.gc")).getroot()
    codes = [row.findtext("Value[@ColumnRef='code']/SimpleValue").strip()
             for row in root.iter("Row")]
    return root.findtext("Identification/Version"), list(dict.fromkeys(codes))


def lists(client, line):
    r = client.get(f"{API}/code-lists", query_string={"line": line})
    assert r.status_code == 200
    return {lst["list"]: lst for lst in r.json}


def codes_of(client, name, line):
    return [v["code"] for v in lists(client, line)[name]["values"]]


def requirement(client, dm, code, procedure, n):
    return create(client, dm, "eu-requirements", {
        "code": code, "identifier": f"{SR_1X}requirements/00000000-0000-4000-8000-0000000000{n}",
        "name": {"en": f"Requirement {code}"},
        "reference_frameworks": [{
            "identifier": f"00000000-0000-4000-8000-0000000001{n}", "title": {"en": "A law"},
            "procedure": procedure, "jurisdiction": "DE"}]})


def eb_code(client, procedure):
    """The RegRep exception code of a 1.x requirements query (None: answered)."""
    r = client.get("/rest/search", query_string={
        "queryId": EB_REQUIREMENTS, "procedure-id": procedure, "country-code": "DE"})
    exception = etree.fromstring(r.data).find(f"{RS}Exception")
    return None if exception is None else exception.get("code")


@pytest.mark.parametrize("name, file", [
    ("procedures", "Procedures"), ("levels-of-assurance", "LevelsOfAssurance"),
    ("jurisdiction-levels", "JurisdictionLevel"), ("media-types", "OOTSMediaTypes")])
def test_the_1x_lists_are_the_commissions_files_with_their_edition(client, name, file):
    version, official = genericode(file)
    shipped = lists(client, "1.x")[name]
    assert shipped["edition"] == version == "2022-12"
    assert shipped["revision"] == 1
    codes = [v["code"] for v in shipped["values"]]
    # Procedure 00 came with TDD 1.1.2, after the 2022-12 file.
    assert set(codes) == set(official) | ({"00"} if name == "procedures" else set())
    assert all(v["label"] and v["source"] for v in shipped["values"])


def test_the_2_0_lists_add_what_the_commissions_2_0_answers_name(client):
    in_1x, in_2_0 = lists(client, "1.x"), lists(client, "2.0")
    assert set(in_1x) == set(in_2_0) == set(code_lists.LISTS)
    assert set(codes_of(client, "procedures", "2.0")) - set(codes_of(client, "procedures",
                                                                     "1.x")) == \
        {"AM1", "X10", "X11"}
    assert "oots-edm:v2.0" in codes_of(client, "edm-versions", "2.0")
    assert "oots-edm:v2.0" not in codes_of(client, "edm-versions", "1.x")
    with open(SHIPPED, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sum(len(lst["values"]) for lst in (*in_1x.values(), *in_2_0.values())) == len(rows)


def test_a_value_added_moves_the_revision_on_and_reaches_the_answers_of_its_line(client, dm):
    requirement(client, dm, "recognition", "AM1", 11)
    assert eb_code(client, "AM1") == "EB:ERR:0005"     # 1.x does not know AM1
    url = f"{API}/code-lists/procedures/1.x"
    first = client.get(url)
    assert first.headers["ETag"] == '"v1"'
    assert client.get(url, headers={"If-None-Match": '"v1"'}).status_code == 304
    r = client.post(f"{url}/values", headers={**dm, "If-Match": '"v1"'}, json={
        "code": "AM1", "label": AM1, "source": "TDD 1.2.4 backports 2.0 code-list updates"})
    assert r.status_code == 201, r.json
    assert r.headers["ETag"] == '"v2"' and r.json["revision"] == 2
    assert r.json["values"][-1] == {"code": "AM1", "label": AM1,
                                    "source": "TDD 1.2.4 backports 2.0 code-list updates"}
    assert eb_code(client, "AM1") is None                # the cached refusal is gone
    assert codes_of(client, "procedures", "2.0").count("AM1") == 1   # the other line: as it was


def test_a_value_still_in_use_cannot_be_removed_and_an_unused_one_can(client, dm,
                                                                      nothing_written):
    requirement(client, dm, "grant", "T1", 12)
    url = f"{API}/code-lists/procedures/1.x/values/T1"
    with nothing_written():
        r = client.delete(url, headers={**dm, "If-Match": '"v1"'})
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    assert r.json["used_by"] == {"eu-requirements": {"count": 1, "codes": ["grant"]}}
    assert "grant" in r.json["detail"]
    current = client.get(f"{API}/eu-requirements/grant")
    assert client.delete(f"{API}/eu-requirements/grant", headers={
        **dm, "If-Match": current.headers["ETag"]}).status_code == 200
    r = client.delete(url, headers={**dm, "If-Match": '"v1"'})
    assert r.status_code == 200 and r.json["revision"] == 2
    assert "T1" not in codes_of(client, "procedures", "1.x")
    assert eb_code(client, "T1") == "EB:ERR:0005"
    # Still a 2.0 code, so still a valid procedure to write; gone from both, it is not.
    requirement(client, dm, "grant-2", "T1", 13)
    client.delete(f"{API}/eu-requirements/grant-2", headers={**dm, "If-Match": '"v1"'})
    assert client.delete(f"{API}/code-lists/procedures/2.0/values/T1",
                         headers={**dm, "If-Match": "*"}).status_code == 200
    with nothing_written():
        r = client.post(f"{API}/eu-requirements", headers=dm, json={
            "code": "grant-3", "identifier": f"{SR_1X}requirements/"
                                             "00000000-0000-4000-8000-000000000014",
            "name": {"en": "Grant"}, "reference_frameworks": [{
                "identifier": "00000000-0000-4000-8000-000000000114",
                "title": {"en": "A law"}, "procedure": "T1", "jurisdiction": "DE"}]})
    assert r.status_code == 422
    assert r.json["errors"][0]["name"] == "reference_frameworks.procedure"


@pytest.fixture
def oots_offer(client, dm):
    """An offer of a municipality, High, as PDF, reached through an access point that declares
    the default EDM version."""
    organisation(client, dm, "ap-x", "Zugangspunkt X", kind="Intermediäre Plattform",
                 edelivery_party_id={"scheme": "urn:cef.eu:names:identifier:EAS:0060",
                                     "value": "1234567890"})
    organisation(client, dm, "amt-x", "Amt X", kind="Standesamt")
    evidence_type(client, dm)
    return create(client, dm, "offers", {
        "evidence_type": "test-nachweis", "provider": "amt-x", "areas": ["01001000"],
        "service_id": "urn:test:x", "endpoint_url": "https://dp.test.example/api",
        "access_service": "ap-x", "level_of_assurance": "High",
        "distributions": [{"format": "application/pdf"}]})


@pytest.mark.parametrize("name, code, users", [
    ("levels-of-assurance", "High", "offers"), ("media-types", "application/pdf", "offers"),
    ("jurisdiction-levels", "LAU", "offers"), ("edm-versions", "oots-edm:v1.0",
                                               "organisations")])
def test_every_list_knows_who_uses_its_values(client, dm, oots_offer, name, code, users):
    r = client.delete(f"{API}/code-lists/{name}/2.0/values/{code}",
                      headers={**dm, "If-Match": "*"})
    assert r.status_code == 409, r.json
    expected = "ap-x" if users == "organisations" else oots_offer["code"]
    assert expected in r.json["used_by"][users]["codes"]
    assert code in codes_of(client, name, "2.0")


def test_writes_check_every_coded_field_against_the_lists(client, dm, oots_offer):
    assert client.delete(f"{API}/code-lists/media-types/1.x/values/image/svg+xml",
                         headers={**dm, "If-Match": "*"}).status_code == 200
    body = {"evidence_type": "test-nachweis", "provider": "amt-x", "areas": ["01002000"],
            "service_id": "urn:test:y", "endpoint_url": "https://dp.test.example/api",
            "distributions": [{"format": "image/svg+xml"}]}
    assert client.post(f"{API}/offers", headers=dm, json=body).status_code == 201  # 2.0 has it
    assert client.delete(f"{API}/code-lists/media-types/2.0/values/image/svg+xml",
                         headers={**dm, "If-Match": "*"}).status_code == 409    # now in use
    r = client.post(f"{API}/organisations", headers=dm, json={
        "code": "ap-y", "name": "Y", "kind": "Intermediäre Plattform",
        "edelivery_party_id": {"scheme": "urn:cef.eu:names:identifier:EAS:0060",
                               "value": "1234567891"}, "edm_versions": ["oots-edm:v9.9"]})
    assert r.status_code == 422 and r.json["errors"][0]["name"] == "edm_versions"


def test_only_curators_change_a_list_and_they_name_the_revision_they_saw(client, dm, login,
                                                                         nothing_written):
    url = f"{API}/code-lists/levels-of-assurance/1.x/values"
    value = {"code": "Medium", "label": "a level no list has"}
    routing = login("routing")
    with nothing_written():
        assert client.post(url, json=value).status_code == 401
        assert client.post(url, json=value, headers={**routing,
                                                     "If-Match": "*"}).status_code == 403
        assert client.post(url, json=value, headers=dm).status_code == 428
        stale = client.post(url, json=value, headers={**dm, "If-Match": '"v7"'})
        assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
        assert client.post(url, json={"code": "High", "label": "again"},
                           headers={**dm, "If-Match": "*"}).status_code == 409
        bad = client.post(url, json={"code": "two words", "label": "x"},
                          headers={**dm, "If-Match": "*"})
        assert bad.status_code == 422 and bad.json["errors"][0]["name"] == "code"
        assert client.post(f"{API}/code-lists/colours/1.x/values", json=value,
                           headers={**dm, "If-Match": "*"}).status_code == 404
        assert client.get(f"{API}/code-lists/procedures/3.0").status_code == 404
        assert client.delete(f"{url}/Medium", headers={**dm, "If-Match": "*"}).status_code \
            == 404


def test_the_seed_brings_a_new_edition_without_removing_anything(conn):
    with open(SHIPPED, newline="", encoding="utf-8") as f:
        shipped = list(csv.DictReader(f))
    assert code_lists.merge_shipped(conn, shipped) == []       # the session's seed ran
    loa = [r for r in shipped if r["list"] == "levels-of-assurance" and r["line"] == "1.x"]
    newer = [{**r, "edition": "2099-01"} for r in loa[1:]] + [
        {**loa[0], "edition": "2099-01", "code": "Test", "label": "a test level"}]
    assert code_lists.merge_shipped(conn, newer) == ["levels-of-assurance/1.x"]
    found = code_lists.document(conn, "levels-of-assurance", "1.x")
    assert (found["edition"], found["revision"]) == ("2099-01", 2)
    assert [v["code"] for v in found["values"]] == ["Low", "Substantial", "High", "Test"]
    assert code_lists.merge_shipped(conn, newer) == []


def test_the_web_pages_show_the_lists_and_curators_change_them(app, conn, client, dm,
                                                              oots_offer):
    from .web_helpers import post_form, sign_in, text, web_user
    browser = app.test_client()
    sign_in(browser, web_user(conn, "data_manager"))
    overview = text(browser.get("/codelisten"))
    assert "levels-of-assurance" in overview and "2022-12" in overview
    page = "/codelisten/levels-of-assurance/2.0"
    r = post_form(browser, page, {"seen": "v1", "code": "High"})
    assert r.status_code == 422 and "Bitte angeben." in text(r)
    r = post_form(browser, page, {"seen": "v1", "code": "Higher", "label": "a test level"})
    assert r.status_code == 303
    shown = text(browser.get(page))
    assert "Revision 2" in shown and "<code>Higher</code>" in shown
    assert "added by web.data_manager" in shown
    r = post_form(browser, page, {"seen": "v2", "remove": "High"})
    assert r.status_code == 409 and oots_offer["code"] in text(r)
    assert "wird noch verwendet" in text(r)
    r = post_form(browser, page, {"seen": "v1", "remove": "Higher"})
    assert r.status_code == 412 and "jetzt Revision 2" in text(r)
    assert post_form(browser, page, {"seen": "v2", "remove": "Higher"}).status_code == 303
    assert "<code>Higher</code>" not in text(browser.get(page))
    auditor = app.test_client()
    sign_in(auditor, web_user(conn, "auditor"))
    assert "Hinzufügen" not in text(auditor.get(page))
    provider = app.test_client()
    sign_in(provider, web_user(conn, "provider_admin", org="amt-x"))
    assert provider.get(page).status_code == 403
    assert browser.get("/codelisten/colours/2.0").status_code == 404


def test_a_write_that_relies_on_a_list_holds_it_until_it_commits(database_url):
    """A value cannot be removed between a write's check and its commit: the check holds the
    list (FOR SHARE), the removal waits for it (here: gives up after 100 ms)."""
    import psycopg
    from psycopg.rows import dict_row

    from app.access.actor import system_actor
    from app.catalog.references import References
    with psycopg.connect(database_url, row_factory=dict_row) as writer, \
            psycopg.connect(database_url, row_factory=dict_row) as curator:
        assert "Low" in References(writer).codes("levels-of-assurance")   # a write's check
        curator.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            code_lists.remove_value(curator, system_actor("tests"), "levels-of-assurance",
                                    "1.x", "Low")
        curator.rollback()
        writer.rollback()
