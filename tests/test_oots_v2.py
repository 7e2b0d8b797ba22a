"""OOTS TDD 2.0 on /rest/search, held to the Commission's own answers: for each answer its
acceptance Evidence Broker or Data Service Directory gave to a 2.0 query
(tests/oots/tdd-2.0-captured), the catalogue entries it describes are built through the API,
the same query is sent with `Accept-Version: oots-cs:v2.0`, and regmap's answer must equal the
captured one as a document — element names, namespaces, attributes, order and values — except
the values that are ours (`same_document` says which). The official 2.0 XSDs and Schematron
are not available here (tests/oots/tdd-2.0-captured/README.md): these answers are the
reference for the 2.0 shape."""
from pathlib import Path

import pytest
from lxml import etree

from app import create_app

from .catalog_helpers import create, organisation
from .conftest import app_config

CAPTURED = Path(__file__).parent / "oots" / "tdd-2.0-captured"
ACCEPTANCE = "https://sr.acc.oots.tech.ec.europa.eu/"
SR_1X = "https://sr.oots.tech.europa.eu/"
V2 = {"Accept-Version": "oots-cs:v2.0"}
SDG = "http://data.europa.eu/p4s"
NS = {"sdg": SDG, "rim": "urn:oasis:names:tc:ebxml-regrep:xsd:rim:4.0",
      "rs": "urn:oasis:names:tc:ebxml-regrep:xsd:rs:4.0",
      "query": "urn:oasis:names:tc:ebxml-regrep:xsd:query:4.0"}
DSD_QUERY = "urn:fdc:oots:dsd:ebxml-regrep:queries:dataservices-by-evidencetype-and-jurisdiction"
EB_REQUIREMENTS = "urn:fdc:oots:eb:ebxml-regrep:queries:requirements-by-procedure-and-jurisdiction"
EB_EVIDENCE_TYPES = \
    "urn:fdc:oots:eb:ebxml-regrep:queries:evidence-types-by-requirement-and-jurisdiction"

# Values that are ours: texts of these elements (identifiers, titles and names in our
# languages, our country), these attributes (our registry ids, party-id schemes, languages,
# our explanation of a failure).
OUR_TEXTS = {"Identifier", "Title", "Name", "Description", "AdminUnitLevel1"}
OUR_ATTRIBUTES = {"id", "schemeID", "lang", "detail"}
# What the Commission's answers carry and regmap cannot, each for a reason the README names:
# a publisher's description (regmap keeps none of an organisation), and a framework's
# jurisdiction below the country by a Member State's own code list (German frameworks of a
# Land would name it by NUTS; the captured ones are other countries').
NOT_OURS = {f"{{{SDG}}}Publisher/{{{SDG}}}Description",
            f"{{{SDG}}}Jurisdiction/{{{SDG}}}AdditionalJurisdictionClassification"}


@pytest.fixture
def v2_app(app, test_pool, database_url):
    """The tests' app, naming Semantic Repository URIs as the acceptance environment does
    (the captured answers come from there)."""
    return create_app(app_config(database_url, test_pool, OOTS_SEMANTIC_REPOSITORY=ACCEPTANCE,
                                 SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"]))


@pytest.fixture
def v2_client(v2_app):
    return v2_app.test_client()


def captured(name):
    return etree.parse(str(CAPTURED / f"{name}.xml")).getroot()


def _children(element):
    """The children to compare: a run of one multilingual element (Title EN, Title FI) is one
    item — how many languages a text has is ours; what the Commission has and we cannot is
    left out."""
    items = []
    for child in element:
        if f"{element.tag}/{child.tag}" in NOT_OURS:
            continue
        if child.get("lang") and items and items[-1][0].tag == child.tag:
            items[-1].append(child)
        else:
            items.append([child])
    return [run[0] for run in items]


def _text(element):
    return " ".join((element.text or "").split())


def _same_uri_family(ours, theirs):
    """Semantic Repository URIs: the same host and family (requirements/, …); the rest is
    the object's own identifier."""
    return ours.split("/")[:4] == theirs.split("/")[:4]


def differences(ours, theirs, path=""):
    """Where our answer differs from the Commission's, as readable lines (none: equal)."""
    here = f"{path}/{etree.QName(theirs).localname}"
    if ours.tag != theirs.tag:
        return [f"{here}: element {ours.tag} where the Commission has {theirs.tag}"]
    found = []
    if set(ours.attrib) != set(theirs.attrib):
        found.append(f"{here}: attributes {sorted(ours.attrib)} != {sorted(theirs.attrib)}")
    for name in set(ours.attrib) & set(theirs.attrib):
        if etree.QName(name).localname not in OUR_ATTRIBUTES \
                and ours.get(name) != theirs.get(name):
            found.append(f"{here}/@{name}: {ours.get(name)!r} != {theirs.get(name)!r}")
    local = etree.QName(theirs).localname
    if len(theirs) == 0:
        ours_text, theirs_text = _text(ours), _text(theirs)
        if theirs_text.startswith("https://sr."):
            if not _same_uri_family(ours_text, theirs_text):
                found.append(f"{here}: {ours_text!r} is not of {theirs_text!r}'s family")
        elif local not in OUR_TEXTS and ours_text != theirs_text:
            found.append(f"{here}: {ours_text!r} != {theirs_text!r}")
        elif local in OUR_TEXTS and not ours_text:
            found.append(f"{here}: empty")
    ours_children, theirs_children = _children(ours), _children(theirs)
    if [c.tag for c in ours_children] != [c.tag for c in theirs_children]:
        return found + [f"{here}: children {[etree.QName(c).localname for c in ours_children]}"
                        f" != {[etree.QName(c).localname for c in theirs_children]}"]
    for mine, commission in zip(ours_children, theirs_children):
        found += differences(mine, commission, here)
    return found


def by_requirement(root):
    """RegRep does not order a result set: registry objects sorted by what they describe."""
    listing = root.find("rim:RegistryObjectList", NS)
    if listing is not None:
        listing[:] = sorted(listing, key=lambda o: o.findtext(
            ".//sdg:Requirement/sdg:Identifier", default="", namespaces=NS))
    return root


def assert_same_document(body, name):
    ours, theirs = etree.fromstring(body), captured(name)
    assert ours.nsmap == theirs.nsmap
    assert differences(by_requirement(ours), by_requirement(theirs)) == []


def _ours(uri):
    """A Semantic Repository URI of the acceptance environment as the catalogue keeps it (the
    1.x form), its country segment German."""
    path = uri[len(ACCEPTANCE):]
    family, _, rest = path.partition("/")
    if family == "evidencetypeclassifications":
        rest = "DE/" + rest.split("/", 1)[1]
    return f"{SR_1X}{family}/{rest}"


def localized(element, tag):
    """English as English; the first other language stands in for our German."""
    texts = {}
    for e in element.iterfind(f"sdg:{tag}", NS):
        key = "en" if e.get("lang") == "EN" else "de"
        texts.setdefault(key, " ".join(e.text.split()))
    return texts


def build_requirements(client, dm, root):
    """The catalogue entries a captured EB answer describes, through the API: per requirement
    its frameworks (all German here: our jurisdiction) and its evidence type lists; a
    requirement answered without lists gets one, so it is complete."""
    made = 0
    for n, requirement in enumerate(root.iterfind(".//sdg:Requirement", NS)):
        lists = []
        listed = requirement.findall("sdg:EvidenceTypeList", NS) or [None]
        for m, lst in enumerate(listed):
            codes = []
            types = lst.findall("sdg:EvidenceType", NS) if lst is not None else [None]
            for k, evidence_type in enumerate(types):
                code = f"eu-type-{n}-{m}-{k}"
                made += 1
                body = {"code": code, "registers": [],
                        "title": {"de": f"Nachweis {made}", "en": f"Evidence {made}"},
                        "oots_classification_uri": f"{SR_1X}evidencetypeclassifications/DE/"
                                                   f"00000000-0000-4000-8000-{made:012d}"}
                if evidence_type is not None:
                    body["oots_classification_uri"] = _ours(evidence_type.findtext(
                        "sdg:EvidenceTypeClassification", namespaces=NS))
                    body["title"] = {"de": "Nachweis", **localized(evidence_type, "Title")}
                    body["description"] = localized(evidence_type, "Description")
                create(client, dm, "evidence-types", body)
                codes.append(code)
            lists.append({"identifier": lst.findtext("sdg:Identifier", namespaces=NS)
                          if lst is not None else f"00000000-0000-4000-9000-{n:012d}",
                          "name": localized(lst, "Name") if lst is not None
                          else {"en": "Evidence"}, "evidence_types": codes})
        frameworks = [{"identifier": f.findtext("sdg:Identifier", namespaces=NS),
                       "title": localized(f, "Title"),
                       "description": localized(f, "Description"),
                       "procedure": f.findtext("sdg:RelatedTo/sdg:Identifier", namespaces=NS),
                       "jurisdiction": "DE"}
                      for f in requirement.iterfind("sdg:ReferenceFramework", NS)]
        create(client, dm, "eu-requirements", {
            "code": f"eu-requirement-{n}",
            "identifier": _ours(requirement.findtext("sdg:Identifier", namespaces=NS)),
            "name": localized(requirement, "Name"),
            "description": localized(requirement, "Description"),
            "reference_frameworks": frameworks, "evidence_type_lists": lists})


def search(client, **params):
    r = client.get("/rest/search", query_string=params, headers=V2)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/x-ebrs+xml"
    return r


# --- the Evidence Broker ------------------------------------------------------------------

def test_the_requirements_of_a_procedure_are_answered_as_the_commission_does(
        v2_client, client, dm):
    build_requirements(client, dm, captured("eb_requirements_fr"))
    r = search(v2_client, queryId=EB_REQUIREMENTS, **{"procedure-id": "00",
                                                      "country-code": "DE"})
    assert_same_document(r.data, "eb_requirements_fr")


def test_the_whole_catalogue_of_requirements_is_answered_without_a_parameter(
        v2_client, client, dm):
    theirs = captured("eb_requirements_catalogue")
    build_requirements(client, dm, theirs)
    r = search(v2_client, queryId=EB_REQUIREMENTS)
    assert_same_document(r.data, "eb_requirements_catalogue")
    assert len(etree.fromstring(r.data).findall(".//sdg:Requirement", NS)) == 53


def test_no_requirement_of_a_procedure_is_the_commissions_failure_in_200(
        v2_client, client, dm):
    build_requirements(client, dm, captured("eb_requirements_fr"))
    r = search(v2_client, queryId=EB_REQUIREMENTS, **{"procedure-id": "T3",
                                                      "country-code": "DE"})
    assert_same_document(r.data, "eb_requirements_vides")


@pytest.mark.parametrize("name", ["eb_evidence_types_fr", "eb_evidence_types_fi"])
def test_the_evidence_types_of_a_requirement_are_answered_as_the_commission_does(
        v2_client, client, dm, name):
    theirs = captured(name)
    build_requirements(client, dm, theirs)
    requirement = theirs.findtext(".//sdg:Requirement/sdg:Identifier", namespaces=NS)
    r = search(v2_client, queryId=EB_EVIDENCE_TYPES,
               **{"requirement-id": requirement, "country-code": "DE"})
    assert_same_document(r.data, name)


# --- the Data Service Directory -----------------------------------------------------------

def party(value):
    return {"scheme": "urn:cef.eu:names:identifier:EAS:0204", "value": value}


@pytest.fixture
def test_data_service(client, dm):
    """What dsd_data_services_fi describes, German: a test evidence type in PDF (English),
    its provider for all of Germany, reached through an access point that speaks EDM 2.0,
    authenticated at level Substantial. Returns the classification as 2.0 names it."""
    theirs = captured("dsd_data_services_fi").find(".//sdg:DataServiceEvidenceType", NS)
    classification = _ours(theirs.findtext("sdg:EvidenceTypeClassification", namespaces=NS))
    create(client, dm, "evidence-types", {
        "code": "dummy-pdf", "registers": [], "oots_classification_uri": classification,
        "title": {"de": "Test-PDF", **localized(theirs, "Title")},
        "description": localized(theirs, "Description"),
        "formats": [{"media_type": "application/pdf"}]})
    organisation(client, dm, "ap-de-03", "Zugangspunkt DE 03", kind="Intermediäre Plattform",
                 name_en="Germany OOTS TDD 2.0", edelivery_party_id=party("AP_DE_03"),
                 edm_versions=["oots-edm:v2.0"])
    organisation(client, dm, "test-provider", "Testanbieter", name_en="Test provider",
                 edelivery_party_id=party("DETEST02"))
    create(client, dm, "offers", {
        "evidence_type": "dummy-pdf", "areas": ["DE"], "provider": "test-provider",
        "service_id": "urn:test:dummy", "endpoint_url": "https://dp.test.example/api",
        "access_service": "ap-de-03", "level_of_assurance": "Substantial",
        "distributions": [{"format": "application/pdf", "language": "EN"}]})
    return classification.replace(SR_1X, ACCEPTANCE)


def test_a_data_service_is_answered_as_the_commission_does(v2_client, test_data_service):
    r = search(v2_client, queryId=DSD_QUERY, specification="oots-edm:v2.0",
               **{"evidence-type-classification": test_data_service, "country-code": "DE"})
    assert_same_document(r.data, "dsd_data_services_fi")


def test_another_country_is_the_commissions_not_found_in_200(v2_client, test_data_service):
    r = search(v2_client, queryId=DSD_QUERY, specification="oots-edm:v2.0",
               **{"evidence-type-classification": test_data_service, "country-code": "FR"})
    assert_same_document(r.data, "dsd_aucun_service_fr")


def test_the_comparison_sees_a_changed_value_and_a_missing_element():
    theirs = captured("dsd_data_services_fi")
    assert differences(by_requirement(captured("dsd_data_services_fi")), theirs) == []
    changed = captured("dsd_data_services_fi")
    changed.find(".//sdg:AuthenticationLevelOfAssurance", NS).text = "High"
    assert differences(changed, theirs) != []
    missing = captured("dsd_data_services_fi")
    conforms = missing.find(".//sdg:AccessService/sdg:ConformsTo", NS)
    conforms.getparent().remove(conforms)
    assert differences(missing, theirs) != []


# --- what a requester relies on beside the shape ------------------------------------------

def exception_of(body):
    return etree.fromstring(body).find("rs:Exception", NS)


def declare(client, dm, edm_versions, code="ap-de-03"):
    etag = client.get(f"/api/v1/organisations/{code}", headers=dm).headers["ETag"]
    r = client.patch(f"/api/v1/organisations/{code}", json={"edm_versions": edm_versions},
                     headers={**dm, "If-Match": etag})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def test_without_accept_version_or_with_1x_the_answer_is_1x_and_has_nothing_of_2_0(
        client, dm, test_data_service):
    declare(client, dm, ["oots-edm:v1.0", "oots-edm:v2.0"])
    params = {"queryId": DSD_QUERY, "country-code": "DE",
              "evidence-type-classification": test_data_service.replace(ACCEPTANCE, SR_1X)}
    plain = client.get("/rest/search", query_string=params)
    assert plain.status_code == 200 and plain.mimetype == "application/xml"
    for value in ("oots-cs:v1.x", "oots-cs:v1.2"):
        same = client.get("/rest/search", query_string=params, headers={"Accept-Version": value})
        assert same.data == plain.data
    root = etree.fromstring(plain.data)
    assert root.find("rim:Slot[@name='SpecificationIdentifier']", NS) is None
    assert root.find(".//sdg:DistributedAs/sdg:Language", NS) is None
    assert root.find(".//sdg:AccessService/sdg:Name", NS) is None
    assert root.findtext(".//sdg:AccessService/sdg:ConformsTo", namespaces=NS) == "oots-edm:v1.0"
    assert root.get("totalResultCount") == "1"


@pytest.mark.parametrize("query, code", [(DSD_QUERY, "DSD:ERR:0003"),
                                         (EB_REQUIREMENTS, "EB:ERR:0003")])
@pytest.mark.parametrize("value", ["oots-cs:v3.0", "oots-cs:v2.1", "v2.0", "oots-cs:v2.0, x"])
def test_an_unsupported_version_is_refused_never_answered_in_another(client, query, code,
                                                                     value):
    r = client.get("/rest/search", query_string={"queryId": query},
                   headers={"Accept-Version": value})
    assert r.status_code == 400
    exception = exception_of(r.data)
    assert exception.get("code") == code
    assert value in exception.get("detail") and "oots-cs:v2.0" in exception.get("detail")


def test_a_2_0_failure_is_http_200_with_the_outcome_in_the_status(v2_client):
    r = search(v2_client, queryId=DSD_QUERY, **{"country-code": "DE"})
    root = etree.fromstring(r.data)
    assert root.get("status").endswith(":Failure")
    assert exception_of(r.data).get("code") == "DSD:ERR:0003"
    assert root.findtext("rim:Slot[@name='SpecificationIdentifier']//rim:Value",
                         namespaces=NS) == "oots-cs:v2.0"
    unknown = search(v2_client, queryId="urn:fdc:oots:eb:nothing")
    assert exception_of(unknown.data).get("code") == "EB:ERR:0007"


def test_specification_keeps_the_access_services_that_declare_it(
        client, v2_client, dm, test_data_service):
    ask = {"queryId": DSD_QUERY, "country-code": "DE",
           "evidence-type-classification": test_data_service}
    declared = declare(client, dm, ["oots-edm:v2.0", "oots-edm:v1.2"])
    assert declared["edm_versions"] == ["oots-edm:v1.2", "oots-edm:v2.0"]  # code-list order
    both = etree.fromstring(search(v2_client, **ask).data)
    assert [e.text for e in both.iterfind(".//sdg:AccessService/sdg:ConformsTo", NS)] == \
        ["oots-edm:v1.2", "oots-edm:v2.0"]
    nobody = search(v2_client, specification="oots-edm:v1.1", **ask)
    assert exception_of(nobody.data).get("code") == "DSD:ERR:0001"
    wrong = search(v2_client, specification="oots-edm:v9.9", **ask)
    assert exception_of(wrong.data).get("code") == "DSD:ERR:0006"
    in_1x = client.get("/rest/search", query_string={
        **ask, "specification": "oots-edm:v2.0",
        "evidence-type-classification": test_data_service.replace(ACCEPTANCE, SR_1X)})
    assert in_1x.status_code == 400 and exception_of(in_1x.data).get("code") == "DSD:ERR:0003"


@pytest.mark.parametrize("declared, in_1x, in_2_0", [
    ([], None, None), (["oots-edm:v2.0"], None, ["oots-edm:v2.0"]),
    (["oots-edm:v1.2"], ["oots-edm:v1.2"], ["oots-edm:v1.2"]),
    (["oots-edm:v1.0", "oots-edm:v2.0"], ["oots-edm:v1.0"], ["oots-edm:v1.0", "oots-edm:v2.0"])])
def test_each_version_names_only_access_points_that_speak_it(
        client, v2_client, dm, test_data_service, declared, in_1x, in_2_0):
    declare(client, dm, declared)
    ask = {"queryId": DSD_QUERY, "country-code": "DE",
           "evidence-type-classification": test_data_service}
    one = client.get("/rest/search", query_string={
        **ask, "evidence-type-classification": test_data_service.replace(ACCEPTANCE, SR_1X)})
    two = search(v2_client, **ask)
    for answer, expected in ((one, in_1x), (two, in_2_0)):
        if expected is None:
            assert exception_of(answer.data).get("code") == "DSD:ERR:0001"
        else:
            assert [e.text for e in etree.fromstring(answer.data).iterfind(
                ".//sdg:AccessService/sdg:ConformsTo", NS)] == expected


def test_an_access_point_declares_edm_1_0_unless_told_otherwise(client, dm):
    """What every OOTS answer declared for it before organisations could say."""
    made = organisation(client, dm, "ap-quiet", "Zugangspunkt", kind="Intermediäre Plattform",
                        edelivery_party_id=party("AP_QUIET"))
    assert made["edm_versions"] == ["oots-edm:v1.0"]
    plain = organisation(client, dm, "no-ap", "Ohne Zugangspunkt")
    assert plain["edm_versions"] == []


def test_edm_versions_need_an_access_point_and_come_from_the_code_list(client, dm):
    r = client.post("/api/v1/organisations", headers=dm, json={
        "code": "no-ap", "name": "Ohne Zugang", "kind": "Meldebehörde",
        "edm_versions": ["oots-edm:v2.0"]})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert "edm_versions" in r.get_data(as_text=True)
    r = client.post("/api/v1/organisations", headers=dm, json={
        "code": "bad-ap", "name": "Falsch", "kind": "Meldebehörde",
        "edelivery_party_id": party("X1"), "edm_versions": ["oots-edm:v7"]})
    assert r.status_code == 422 and "edm_versions" in r.get_data(as_text=True)


def test_return_incomplete_adds_requirements_no_german_evidence_type_satisfies(
        client, v2_client, dm):
    build_requirements(client, dm, captured("eb_requirements_fr"))
    create(client, dm, "eu-requirements", {
        "code": "nothing-yet", "identifier": f"{SR_1X}requirements/"
                                            "00000000-0000-4000-8000-00000000abcd",
        "name": {"en": "Not satisfied yet"},
        "reference_frameworks": [{"identifier": "00000000-0000-4000-8000-00000000abce",
                                  "title": {"en": "A framework"}, "procedure": "00",
                                  "jurisdiction": "DE"}]})
    ask = {"queryId": EB_REQUIREMENTS, "procedure-id": "00"}

    def identifiers(**extra):
        root = etree.fromstring(search(v2_client, **ask, **extra).data)
        return [e.text for e in root.iterfind(".//sdg:Requirement/sdg:Identifier", NS)]
    assert len(identifiers()) == 1 == len(identifiers(**{"return-incomplete": "false"}))
    assert f"{ACCEPTANCE}requirements/00000000-0000-4000-8000-00000000abcd" in \
        identifiers(**{"return-incomplete": "true"})
    wrong = search(v2_client, **ask, **{"return-incomplete": "yes"})
    assert exception_of(wrong.data).get("code") == "EB:ERR:0003"


@pytest.mark.parametrize("params, code", [
    ({"procedure-id": "ZZ"}, "EB:ERR:0005"), ({"country-code": "XX"}, "EB:ERR:0006"),
    ({"country-code": "FR"}, "EB:ERR:0001"), ({"jurisdiction-admin-l2": "DE3"}, "EB:ERR:0003"),
    ({"procedure-id": ["00", "R1"]}, "EB:ERR:0003")])
def test_the_2_0_requirements_query_refuses_what_it_does_not_take(v2_client, params, code):
    r = search(v2_client, queryId=EB_REQUIREMENTS, **params)
    assert exception_of(r.data).get("code") == code


def test_a_procedure_of_2_0_only_is_left_out_of_1x(client, v2_client, dm):
    build_requirements(client, dm, captured("eb_evidence_types_fr"))
    requirement = captured("eb_evidence_types_fr").findtext(
        ".//sdg:Requirement/sdg:Identifier", namespaces=NS)
    in_2_0 = etree.fromstring(search(v2_client, queryId=EB_EVIDENCE_TYPES,
                                     **{"requirement-id": requirement}).data)
    procedures_2_0 = {e.text for e in in_2_0.iterfind(".//sdg:RelatedTo/sdg:Identifier", NS)}
    assert {"AM1", "X10", "X11"} <= procedures_2_0
    in_1x = client.get("/rest/search", query_string={
        "queryId": EB_EVIDENCE_TYPES, "requirement-id": _ours(requirement),
        "country-code": "DE"})
    assert in_1x.status_code == 200, in_1x.get_data(as_text=True)
    procedures_1x = {e.text for e in etree.fromstring(in_1x.data).iterfind(
        ".//sdg:RelatedTo/sdg:Identifier", NS)}
    assert procedures_1x == procedures_2_0 - {"AM1", "X10", "X11"}
    refused = client.get("/rest/search", query_string={
        "queryId": EB_REQUIREMENTS, "procedure-id": "AM1", "country-code": "DE"})
    assert exception_of(refused.data).get("code") == "EB:ERR:0005"


def test_each_version_is_cached_apart(client, test_data_service):
    params = {"queryId": DSD_QUERY, "country-code": "DE",
              "evidence-type-classification": test_data_service.replace(ACCEPTANCE, SR_1X)}
    for _ in range(2):
        in_2_0 = client.get("/rest/search", query_string=params, headers=V2)
        in_1x = client.get("/rest/search", query_string=params)
        assert in_2_0.mimetype == "application/x-ebrs+xml" and b"oots-cs:v2.0" in in_2_0.data
        assert in_1x.mimetype == "application/xml" and b"oots-cs:v2.0" not in in_1x.data


# --- signed answers -----------------------------------------------------------------------

def _pem_files(tmp_path, leaf_key, chain):
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )
    key = tmp_path / "oots-key.pem"
    key.write_bytes(leaf_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    pem_chain = tmp_path / "oots-chain.pem"
    pem_chain.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in chain))
    return str(key), str(pem_chain)


@pytest.fixture
def signing_ca():
    from .test_oots_signature import certificate_authority
    return certificate_authority()


@pytest.fixture
def signed_client(app, test_pool, database_url, tmp_path, signing_ca):
    _, root, leaf, leaf_key = signing_ca
    key, chain = _pem_files(tmp_path, leaf_key, [leaf, root])
    return create_app(app_config(
        database_url, test_pool, OOTS_SEMANTIC_REPOSITORY=ACCEPTANCE,
        SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"], OOTS_SIGNING_KEY=key,
        OOTS_SIGNING_CHAIN=chain)).test_client()


def test_2_0_answers_are_signed_as_the_commission_signs_and_verify_with_its_check(
        client, dm, signed_client, test_data_service, signing_ca):
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.oots import response_signature
    root = signing_ca[1].public_bytes(Encoding.DER)
    ask = {"queryId": DSD_QUERY, "country-code": "DE",
           "evidence-type-classification": test_data_service}
    first, again = search(signed_client, **ask), search(signed_client, **ask)  # Flask, cache
    for answer in (first, again):
        verified = response_signature.verify(answer.data, dict(answer.headers), [root])
        assert verified.signer == "CN=regmap OOTS (test)" and verified.anchored
    assert first.headers["oots-response-sig"] == again.headers["oots-response-sig"]
    failure = search(signed_client, **{**ask, "country-code": "FR"})
    response_signature.verify(failure.data, dict(failure.headers), [root])
    with pytest.raises(response_signature.SignatureInvalid):
        response_signature.verify(first.data.replace(b"Substantial", b"High"),
                                  dict(first.headers), [root])
    declare(client, dm, ["oots-edm:v1.0", "oots-edm:v2.0"])
    in_1x = signed_client.get("/rest/search", query_string={
        **ask, "evidence-type-classification": test_data_service.replace(ACCEPTANCE, SR_1X)})
    assert in_1x.status_code == 200
    assert "digest" not in in_1x.headers and "oots-response-sig" not in in_1x.headers


def test_a_key_and_a_chain_that_do_not_belong_together_stop_the_start(
        app, test_pool, database_url, tmp_path, signing_ca):
    from .test_oots_signature import certificate_authority
    _, root, leaf, leaf_key = signing_ca
    other_key = certificate_authority()[3]
    key, chain = _pem_files(tmp_path, other_key, [leaf, root])
    for settings in ({"OOTS_SIGNING_KEY": key, "OOTS_SIGNING_CHAIN": chain},
                     {"OOTS_SIGNING_KEY": key}):
        with pytest.raises(ValueError, match="OOTS_SIGNING"):
            create_app(app_config(database_url, test_pool, **settings))
