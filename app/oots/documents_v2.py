"""RegRep 4 query responses in the shape of OOTS TDD 2.0, as the Commission's own Evidence
Broker and Data Service Directory give them (tests/oots/tdd-2.0-captured, compared element by
element in tests/test_oots_v2.py). What differs from 1.x (documents.py, unchanged):

- every response opens with the `SpecificationIdentifier` slot (`oots-cs:v2.0`) and carries
  no `totalResultCount`/`startIndex`; the root declares the prefixes the Commission's do;
- a Requirement has its Description; jurisdiction sits on each EvidenceTypeList, not on each
  evidence type in it;
- an AccessService has its Name and one `ConformsTo` per EDM version its access point
  declares; a distribution may name its Language;
- Semantic Repository URIs are those of the configured environment (versions.to_2_0).

Built from the same dicts dsd.py and eb.py make for 1.x; the helpers that are alike in both
versions are documents.py's."""
from lxml import etree

from . import documents, versions
from .documents import (
    FAILURE,
    QUERY,
    RIM,
    RS,
    SDG,
    SUCCESS,
    XSI,
    classification_concept,
    jurisdiction_determination,
    multilingual,
    qname,
    sub,
    xsi_type,
)

# The prefixes the Commission's 2.0 answers declare on QueryResponse, in their order; xsi is
# declared where it is used, as there.
NSMAP = {"lcm": "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:4.0", "sdg": SDG,
         "xlink": "http://www.w3.org/1999/xlink", "rs": RS, "query": QUERY,
         "spi": "urn:oasis:names:tc:ebxml-regrep:xsd:spi:4.0",
         "ns7": "http://www.w3.org/1999/xhtml", "rim": RIM,
         "ws-addr": "http://www.w3.org/2005/08/addressing"}


def _response(status):
    root = etree.Element(qname(QUERY, "QueryResponse"), nsmap=NSMAP)
    root.set("status", status)
    slot = sub(root, "Slot", ns=RIM, name="SpecificationIdentifier")
    value = etree.SubElement(slot, qname(RIM, "SlotValue"), nsmap={"xsi": XSI})
    xsi_type(value, "rim:StringValueType")
    sub(value, "Value", versions.SPECIFICATION_2_0, ns=RIM)
    return root


def _slot(parent, name):
    slot = sub(parent, "Slot", ns=RIM, name=name)
    value = etree.SubElement(slot, qname(RIM, "SlotValue"), nsmap={"xsi": XSI})
    xsi_type(value, "rim:AnyValueType")
    return value


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _serialise(root):
    return _DECLARATION + etree.tostring(root, encoding="UTF-8")


def registry_objects(objects, slot_name, build, repository):
    root = _response(SUCCESS)
    listing = sub(root, "RegistryObjectList", ns=RIM)
    for obj in objects:
        registry_object = sub(listing, "RegistryObject", ns=RIM, id=obj["registry_id"])
        build(_slot(registry_object, slot_name), obj, repository)
    return _serialise(root)


def failure(exception, repository):
    root = _response(FAILURE)
    element = etree.SubElement(root, qname(RS, "Exception"), nsmap={"xsi": XSI})
    xsi_type(element, exception.exception_type)
    for name, value in (("code", exception.code), ("detail", exception.detail),
                        ("message", exception.message), ("severity", exception.severity)):
        element.set(name, value)
    # The first step's evidence type in 2.0 form; the other slots are alike in both versions.
    slots = [(name, (lambda parent, group: data_service_evidence_type(
                 parent, group, repository, with_services=False))
              if name == "DataServiceEvidenceType" else build, value)
             for name, build, value in exception.slots]
    documents.exception_slots(element, slots, _slot)
    return _serialise(root)


# --- the Data Service Directory's documents ---------------------------------------------

def data_service_evidence_type(parent, group, repository, *, with_services=True):
    dset = sub(parent, "DataServiceEvidenceType")
    sub(dset, "Identifier", group["identifier"])
    evidence_type = group["evidence_type"]
    sub(dset, "EvidenceTypeClassification",
         versions.to_2_0(evidence_type["classification"], repository))
    multilingual(dset, "Title", evidence_type["title"])
    multilingual(dset, "Description", evidence_type["description"])
    for distribution in group["distributions"]:
        distributed = documents.distributed_as(
            dset, distribution, lambda uri: versions.to_2_0(uri, repository))
        if distribution.get("language"):
            sub(distributed, "Language", distribution["language"])
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
    multilingual(element, "Name", service["name"])
    for edm_version in service["edm_versions"]:   # those of the answer's line (dsd.py)
        sub(element, "ConformsTo", edm_version)
    publisher = service["publisher"]
    agent = sub(element, "Publisher")
    sub(agent, "Identifier", publisher["party_id"]["value"],
         schemeID=publisher["party_id"]["scheme"])
    multilingual(agent, "Name", publisher["name"])
    documents.address(agent, publisher["address"])
    documents.jurisdiction(agent, publisher["jurisdiction"])
    for concept, values in publisher["concepts"]:
        classification_concept(agent, concept, tag="ClassificationConcept", values=values)


# --- the Evidence Broker's documents ------------------------------------------------------

def requirement(parent, requirement_doc, repository):
    element = sub(parent, "Requirement")
    sub(element, "Identifier", versions.to_2_0(requirement_doc["identifier"], repository))
    multilingual(element, "Name", requirement_doc["name"])
    multilingual(element, "Description", requirement_doc.get("description") or {})
    for framework in requirement_doc["reference_frameworks"]:
        documents.reference_framework(element, framework)
    for lst in requirement_doc.get("evidence_type_lists", ()):
        listing = sub(element, "EvidenceTypeList")
        sub(listing, "Identifier", lst["identifier"])
        multilingual(listing, "Name", lst["name"])
        for evidence_type in lst["evidence_types"]:
            item = sub(listing, "EvidenceType")
            sub(item, "EvidenceTypeClassification",
                 versions.to_2_0(evidence_type["classification"], repository))
            multilingual(item, "Title", evidence_type["title"])
            multilingual(item, "Description", evidence_type["description"])
        documents.jurisdiction(listing, {})
    return element
