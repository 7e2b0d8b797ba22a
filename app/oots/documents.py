"""RegRep 4 query responses as the OOTS technical design shapes them (the examples in
tests/oots/examples): `query:QueryResponse` with one `rim:RegistryObject` per
answer object carrying an `sdg:` document in a slot, or an `rs:Exception`. Built with lxml
from plain dicts (dsd.py, eb.py make them); element order follows the XSDs, which the tests
validate every answer against, together with the official Schematron rules."""
from lxml import etree

QUERY = "urn:oasis:names:tc:ebxml-regrep:xsd:query:4.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:4.0"
RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:4.0"
SDG = "http://data.europa.eu/p4s"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"query": QUERY, "rim": RIM, "rs": RS, "sdg": SDG, "xsi": XSI}
SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
FAILURE = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
SET = "urn:oasis:names:tc:ebxml-regrep:CollectionType:Set"
# The evidence exchange profile every German access service serves (OOTS EDM 1.0).
EDM_PROFILE = "oots-edm:v1.0"
MEDIA_TYPE = "application/xml"


def _q(ns, tag):
    return f"{{{ns}}}{tag}"


def _sub(parent, tag, text=None, ns=SDG, **attributes):
    element = etree.SubElement(parent, _q(ns, tag), {k: v for k, v in attributes.items()
                                                     if v is not None})
    if text is not None:
        element.text = str(text)
    return element


def _xsi_type(element, value):
    element.set(_q(XSI, "type"), value)


def _multilingual(parent, tag, texts):
    """One element per language with a text, English first (as the examples)."""
    for lang in ("en", "de"):
        if texts.get(lang):
            _sub(parent, tag, texts[lang], lang=lang.upper())


def _serialise(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _response(status, **attributes):
    root = etree.Element(_q(QUERY, "QueryResponse"), nsmap=NSMAP)
    root.set("status", status)
    for name, value in attributes.items():
        root.set(name, str(value))
    return root


def _slot(parent, name):
    slot = _sub(parent, "Slot", ns=RIM, name=name)
    value = _sub(slot, "SlotValue", ns=RIM)
    _xsi_type(value, "rim:AnyValueType")
    return value


def registry_objects(objects, slot_name, build):
    """A Success response: one RegistryObject per object, its document in `slot_name`."""
    root = _response(SUCCESS, totalResultCount=len(objects), startIndex=0)
    listing = _sub(root, "RegistryObjectList", ns=RIM)
    for obj in objects:
        registry_object = _sub(listing, "RegistryObject", ns=RIM, id=obj["registry_id"])
        build(_slot(registry_object, slot_name), obj)
    return _serialise(root)


def failure(exception):
    """A Failure response carrying one rs:Exception (errors.RegRepException)."""
    root = _response(FAILURE)
    element = _sub(root, "Exception", ns=RS, severity=exception.severity,
                   message=exception.message, detail=exception.detail, code=exception.code)
    _xsi_type(element, exception.exception_type)
    for name, build, value in exception.slots:
        if name == "UserRequestedClassificationConcepts":
            slot = _sub(element, "Slot", ns=RIM, name=name)
            collection = _sub(slot, "SlotValue", ns=RIM, collectionType=SET)
            _xsi_type(collection, "rim:CollectionValueType")
            for item in value:
                member = _sub(collection, "Element", ns=RIM)
                _xsi_type(member, "rim:AnyValueType")
                build(member, item)
        else:
            build(_slot(element, name), value)
    return _serialise(root)


# --- the Data Service Directory's documents ---------------------------------------------

def data_service_evidence_type(parent, group, *, with_services=True):
    dset = _sub(parent, "DataServiceEvidenceType")
    _sub(dset, "Identifier", group["identifier"])
    evidence_type = group["evidence_type"]
    _sub(dset, "EvidenceTypeClassification", evidence_type["classification"])
    _multilingual(dset, "Title", evidence_type["title"])
    _multilingual(dset, "Description", evidence_type["description"])
    for distribution in group["distributions"]:
        distributed = _sub(dset, "DistributedAs")
        _sub(distributed, "Format", distribution["format"])
        if distribution.get("conforms_to"):
            _sub(distributed, "ConformsTo", distribution["conforms_to"])
        if distribution.get("transformation"):
            _sub(distributed, "Transformation", distribution["transformation"])
    if not with_services:
        return dset
    for service in group["access_services"]:
        _access_service(dset, service)
    if group["level_of_assurance"]:
        _sub(dset, "AuthenticationLevelOfAssurance", group["level_of_assurance"])
    if group["context"]:
        jurisdiction_determination(dset, group["context"])
    for concept in group["concepts"]:
        classification_concept(dset, concept, tag="EvidenceProviderClassification")
    return dset


def _access_service(parent, service):
    element = _sub(parent, "AccessService")
    _sub(element, "Identifier", service["party_id"]["value"],
         schemeID=service["party_id"]["scheme"])
    _sub(element, "ConformsTo", EDM_PROFILE)
    publisher = service["publisher"]
    agent = _sub(element, "Publisher")
    _sub(agent, "Identifier", publisher["party_id"]["value"],
         schemeID=publisher["party_id"]["scheme"])
    _multilingual(agent, "Name", publisher["name"])
    address = _sub(agent, "Address")
    for tag, key in (("FullAddress", "full"), ("LocatorDesignator", "number"),
                     ("PostCode", "postcode"), ("PostCityName", "city"),
                     ("Thoroughfare", "street")):
        if publisher["address"].get(key):
            _sub(address, tag, publisher["address"][key])
    _sub(address, "AdminUnitLevel1", "DE")
    if publisher["address"].get("nuts"):
        _sub(address, "AdminUnitLevel2", publisher["address"]["nuts"])
    _jurisdiction(agent, publisher["jurisdiction"])
    for concept, values in publisher["concepts"]:
        classification_concept(agent, concept, tag="ClassificationConcept", values=values)


def jurisdiction_determination(parent, context):
    element = _sub(parent, "EvidenceProviderJurisdictionDetermination")
    _sub(element, "JurisdictionContextId", context["oots_id"])
    _multilingual(element, "JurisdictionContext", {"en": context["label_en"],
                                                   "de": context["label_de"]})
    _sub(element, "JurisdictionLevel", context["level"])
    return element


def classification_concept(parent, concept, *, tag, values=None):
    element = _sub(parent, tag)
    _sub(element, "Identifier", concept["identifier"])
    _sub(element, "Type", concept["type"])
    _sub(element, "ValueExpression", concept["value_expression"])
    _multilingual(element, "Description", concept.get("description") or {})
    if values is not None:
        supported = _sub(element, "SupportedValue")
        for value in values:
            _sub(supported, "StringValue", value)
    return element


# --- the Evidence Broker's documents ------------------------------------------------------

def requirement(parent, requirement_doc):
    element = _sub(parent, "Requirement")
    _sub(element, "Identifier", requirement_doc["identifier"])
    _multilingual(element, "Name", requirement_doc["name"])
    for framework in requirement_doc["reference_frameworks"]:
        rf = _sub(element, "ReferenceFramework")
        _sub(rf, "Identifier", framework["identifier"])
        _multilingual(rf, "Title", framework.get("title") or {})
        _multilingual(rf, "Description", framework.get("description") or {})
        related = _sub(rf, "RelatedTo")
        _sub(related, "Identifier", framework["procedure"])
        _jurisdiction(rf, framework["jurisdiction"])
    for lst in requirement_doc.get("evidence_type_lists", ()):
        listing = _sub(element, "EvidenceTypeList")
        _sub(listing, "Identifier", lst["identifier"])
        _multilingual(listing, "Name", lst["name"])
        for evidence_type in lst["evidence_types"]:
            item = _sub(listing, "EvidenceType")
            _sub(item, "EvidenceTypeClassification", evidence_type["classification"])
            _multilingual(item, "Title", evidence_type["title"])
            _multilingual(item, "Description", evidence_type["description"])
            _jurisdiction(item, {})
    return element


def _jurisdiction(parent, jurisdiction):
    element = _sub(parent, "Jurisdiction")
    _sub(element, "AdminUnitLevel1", "DE")
    if jurisdiction.get("nuts"):
        _sub(element, "AdminUnitLevel2", jurisdiction["nuts"])
    if jurisdiction.get("lau"):
        _sub(element, "AdminUnitLevel3", jurisdiction["lau"])
    return element
