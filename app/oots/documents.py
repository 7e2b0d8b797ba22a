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
MEDIA_TYPE = "application/xml"


def qname(ns, tag):
    return f"{{{ns}}}{tag}"


def sub(parent, tag, text=None, ns=SDG, **attributes):
    element = etree.SubElement(parent, qname(ns, tag), {k: v for k, v in attributes.items()
                                                     if v is not None})
    if text is not None:
        element.text = str(text)
    return element


def xsi_type(element, value):
    element.set(qname(XSI, "type"), value)


def multilingual(parent, tag, texts):
    """One element per language with a text, English first (as the examples)."""
    for lang in ("en", "de"):
        if texts.get(lang):
            sub(parent, tag, texts[lang], lang=lang.upper())


def _serialise(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _response(status, **attributes):
    root = etree.Element(qname(QUERY, "QueryResponse"), nsmap=NSMAP)
    root.set("status", status)
    for name, value in attributes.items():
        root.set(name, str(value))
    return root


def _slot(parent, name):
    slot = sub(parent, "Slot", ns=RIM, name=name)
    value = sub(slot, "SlotValue", ns=RIM)
    xsi_type(value, "rim:AnyValueType")
    return value


def registry_objects(objects, slot_name, build):
    """A Success response: one RegistryObject per object, its document in `slot_name`."""
    root = _response(SUCCESS, totalResultCount=len(objects), startIndex=0)
    listing = sub(root, "RegistryObjectList", ns=RIM)
    for obj in objects:
        registry_object = sub(listing, "RegistryObject", ns=RIM, id=obj["registry_id"])
        build(_slot(registry_object, slot_name), obj)
    return _serialise(root)


def failure(exception):
    """A Failure response carrying one rs:Exception (errors.RegRepException)."""
    root = _response(FAILURE)
    element = sub(root, "Exception", ns=RS, severity=exception.severity,
                   message=exception.message, detail=exception.detail, code=exception.code)
    xsi_type(element, exception.exception_type)
    exception_slots(element, exception.slots, _slot)
    return _serialise(root)


def exception_slots(element, slots, slot_of):
    """The DSD:ERR:0005 slots of an rs:Exception: (name, build, value) each; `slot_of`
    makes an AnyValueType slot in the version's form."""
    for name, build, value in slots:
        if name == "UserRequestedClassificationConcepts":
            slot = sub(element, "Slot", ns=RIM, name=name)
            collection = sub(slot, "SlotValue", ns=RIM, collectionType=SET)
            xsi_type(collection, "rim:CollectionValueType")
            for item in value:
                member = sub(collection, "Element", ns=RIM)
                xsi_type(member, "rim:AnyValueType")
                build(member, item)
        else:
            build(slot_of(element, name), value)


# --- the Data Service Directory's documents ---------------------------------------------

def data_service_evidence_type(parent, group, *, with_services=True):
    dset = sub(parent, "DataServiceEvidenceType")
    sub(dset, "Identifier", group["identifier"])
    evidence_type = group["evidence_type"]
    sub(dset, "EvidenceTypeClassification", evidence_type["classification"])
    multilingual(dset, "Title", evidence_type["title"])
    multilingual(dset, "Description", evidence_type["description"])
    for distribution in group["distributions"]:
        distributed_as(dset, distribution)
    if not with_services:
        return dset
    for service in group["access_services"]:
        _access_service(dset, service)
    if group["level_of_assurance"]:
        sub(dset, "AuthenticationLevelOfAssurance", group["level_of_assurance"])
    if group["context"]:
        jurisdiction_determination(dset, group["context"])
    for concept in group["concepts"]:
        classification_concept(dset, concept, tag="EvidenceProviderClassification")
    return dset


def _access_service(parent, service):
    element = sub(parent, "AccessService")
    sub(element, "Identifier", service["party_id"]["value"],
         schemeID=service["party_id"]["scheme"])
    for edm_version in service["edm_versions"]:   # those of the answer's line (dsd.py)
        sub(element, "ConformsTo", edm_version)
    publisher = service["publisher"]
    agent = sub(element, "Publisher")
    sub(agent, "Identifier", publisher["party_id"]["value"],
         schemeID=publisher["party_id"]["scheme"])
    multilingual(agent, "Name", publisher["name"])
    address(agent, publisher["address"])
    jurisdiction(agent, publisher["jurisdiction"])
    for concept, values in publisher["concepts"]:
        classification_concept(agent, concept, tag="ClassificationConcept", values=values)


def distributed_as(parent, distribution, uri=lambda value: value):
    """A DistributedAs; `uri` names the data models as the answer's version does. Only 2.0
    names a language (a 1.x distribution has none in its schema)."""
    distributed = sub(parent, "DistributedAs")
    sub(distributed, "Format", distribution["format"])
    if distribution.get("conforms_to"):
        sub(distributed, "ConformsTo", uri(distribution["conforms_to"]))
    if distribution.get("transformation"):
        sub(distributed, "Transformation", uri(distribution["transformation"]))
    return distributed


def reference_framework(parent, framework):
    element = sub(parent, "ReferenceFramework")
    sub(element, "Identifier", framework["identifier"])
    multilingual(element, "Title", framework.get("title") or {})
    multilingual(element, "Description", framework.get("description") or {})
    related = sub(element, "RelatedTo")
    sub(related, "Identifier", framework["procedure"])
    jurisdiction(element, framework["jurisdiction"])
    return element


def address(parent, parts):
    element = sub(parent, "Address")
    for tag, key in (("FullAddress", "full"), ("LocatorDesignator", "number"),
                     ("PostCode", "postcode"), ("PostCityName", "city"),
                     ("Thoroughfare", "street")):
        if parts.get(key):
            sub(element, tag, parts[key])
    sub(element, "AdminUnitLevel1", "DE")
    if parts.get("nuts"):
        sub(element, "AdminUnitLevel2", parts["nuts"])
    return element


def jurisdiction_determination(parent, context):
    element = sub(parent, "EvidenceProviderJurisdictionDetermination")
    sub(element, "JurisdictionContextId", context["oots_id"])
    multilingual(element, "JurisdictionContext", {"en": context["label_en"],
                                                   "de": context["label_de"]})
    sub(element, "JurisdictionLevel", context["level"])
    return element


def classification_concept(parent, concept, *, tag, values=None):
    element = sub(parent, tag)
    sub(element, "Identifier", concept["identifier"])
    sub(element, "Type", concept["type"])
    sub(element, "ValueExpression", concept["value_expression"])
    multilingual(element, "Description", concept.get("description") or {})
    if values is not None:
        supported = sub(element, "SupportedValue")
        for value in values:
            sub(supported, "StringValue", value)
    return element


# --- the Evidence Broker's documents ------------------------------------------------------

def requirement(parent, requirement_doc):
    element = sub(parent, "Requirement")
    sub(element, "Identifier", requirement_doc["identifier"])
    multilingual(element, "Name", requirement_doc["name"])
    for framework in requirement_doc["reference_frameworks"]:
        reference_framework(element, framework)
    for lst in requirement_doc.get("evidence_type_lists", ()):
        listing = sub(element, "EvidenceTypeList")
        sub(listing, "Identifier", lst["identifier"])
        multilingual(listing, "Name", lst["name"])
        for evidence_type in lst["evidence_types"]:
            item = sub(listing, "EvidenceType")
            sub(item, "EvidenceTypeClassification", evidence_type["classification"])
            multilingual(item, "Title", evidence_type["title"])
            multilingual(item, "Description", evidence_type["description"])
            jurisdiction(item, {})
    return element


def jurisdiction(parent, where):
    element = sub(parent, "Jurisdiction")
    sub(element, "AdminUnitLevel1", "DE")
    if where.get("nuts"):
        sub(element, "AdminUnitLevel2", where["nuts"])
    if where.get("lau"):
        sub(element, "AdminUnitLevel3", where["lau"])
    return element
