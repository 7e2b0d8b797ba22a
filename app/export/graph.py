"""The public catalogue as one RDF graph, in three views:

- DCAT-AP 3 / DCAT-AP.de: the catalogue, each register a dcat:Dataset, each active offer's
  endpoint a dcat:DataService serving its evidence type's register(s), organisations as
  foaf:Agent, areas as dct:Location with ARS/AGS-based political geocoding URIs;
- CCCEV 2: evidence types, and the requirements and evidence type lists of services;
- CPSV-AP: services (Leistungen) holding their requirements.

Every node referenced is typed here, so class constraints can be checked. URIs are built
under PUBLIC_BASE_URL, never the request's host. CCCEV's shapes want xsd:string labels
(not language-tagged ones), so its objects get plain strings; DCAT's get @de / @en.
"""
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from ..catalog import queries as catalog_queries
from ..folding import fold
from . import queries
from .namespaces import CCCEV, CPSV, DCATDE, GEOCODING

CONTRIBUTORS = "http://dcat-ap.de/def/contributors"
GERMANY = URIRef("http://publications.europa.eu/resource/authority/country/DEU")
_GEOCODING_BY_LEVEL = {"land": "stateKey", "kreis": "districtKey",
                       "gemeindeverband": "municipalityAssociationKey",
                       "municipality": "municipalityKey"}


class Uris:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def __call__(self, kind, *parts):
        return URIRef("/".join([self.base, "id", kind, *parts]))

    def catalogue(self):
        return self("catalog")


def _de(text):
    return Literal(text, lang="de")


def _text(text):
    return Literal(text, datatype=XSD.string)


def location(key, level, ars):
    """(URI, triples) of an area: Germany, or its political geocoding URI."""
    if key == "DE":
        return GERMANY, [(GERMANY, RDF.type, DCTERMS.Location)]
    if level == "municipality" and ars:
        uri = URIRef(f"{GEOCODING}regionalKey/{ars}")
    else:
        uri = URIRef(f"{GEOCODING}{_GEOCODING_BY_LEVEL.get(level, 'regionalKey')}/{key}")
    return uri, [(uri, RDF.type, DCTERMS.Location)]


def _agent(node, code, name):
    # foaf:name for DCAT-AP, dct:title and dct:identifier for CPSV-AP's Agent.
    yield node, RDF.type, FOAF.Agent
    yield node, FOAF.name, _de(name)
    yield node, DCTERMS.title, _de(name)
    yield node, DCTERMS.identifier, _text(code)


def _public_organisation(node, name, place):
    yield node, RDF.type, CCCEV.PublicOrganisation
    yield node, SKOS.prefLabel, _de(name)
    yield node, DCTERMS.spatial, place


def triples(conn, *, base, publisher_name, include_illustrative=False, contributor_id=None):
    """Every triple of the public catalogue, object by object (a generator).
    `contributor_id`: the IRI GovData assigned to the publisher (DCAT-AP.de K12&13)."""
    uri = Uris(base)
    contributor = URIRef(contributor_id) if contributor_id else None
    if contributor is not None:
        yield contributor, RDF.type, SKOS.Concept
        yield contributor, SKOS.inScheme, URIRef(CONTRIBUTORS)
    catalogue = uri.catalogue()
    publisher = uri("publisher")
    yield catalogue, RDF.type, DCAT.Catalog
    yield catalogue, DCTERMS.title, _de("Registerlandkarte des NOOTS")
    yield catalogue, DCTERMS.title, Literal("Register map of the NOOTS", lang="en")
    yield catalogue, DCTERMS.description, _de(
        "Register nach IDNrG, Nachweistypen, Leistungen und Nachweisangebote des "
        "Nationalen Once-Only-Technical-Systems")
    yield catalogue, DCTERMS.description, Literal(
        "Registers, evidence types, public services and evidence offers of the German "
        "National Once-Only Technical System", lang="en")
    yield catalogue, DCTERMS.publisher, publisher
    yield from _agent(publisher, "publisher", publisher_name)

    agents = set()
    for row in queries.organisations(conn, include_illustrative):
        agents.add(row["code"])
        yield from _agent(uri("organisation", row["code"]), row["code"], row["name"])

    authority_types = set()
    for row in queries.registers(conn, include_illustrative):
        dataset = uri("register", row["code"])
        yield catalogue, DCAT.dataset, dataset
        yield dataset, RDF.type, DCAT.Dataset
        yield dataset, DCTERMS.title, _de(row["name"])
        yield dataset, DCTERMS.description, _de(row["description"] or row["name"])
        yield dataset, DCTERMS.identifier, _text(row["code"])
        yield dataset, DCTERMS.modified, Literal(row["updated_at"], datatype=XSD.dateTime)
        if row["legal_basis"]:
            yield dataset, DCATDE.legalBasis, _de(row["legal_basis"])
        if contributor is not None:
            yield dataset, DCATDE.contributorID, contributor
        keepers = [k for k in row["keepers"] if k in agents]
        for keeper in keepers:
            yield dataset, DCTERMS.publisher, uri("organisation", keeper)
        if not keepers:
            # No single keeping body (Melderegister: every Meldebehörde) or none recorded:
            # the keeping-authority type as a collective agent, else the catalogue publisher.
            kind = row["keeping_authority_type"]
            if kind:
                collective = uri("authority-type", "-".join(fold(kind).split()))
                yield dataset, DCTERMS.publisher, collective
                if collective not in authority_types:
                    authority_types.add(collective)
                    yield from _agent(collective, str(collective).rsplit("/", 1)[1], kind)
            else:
                yield dataset, DCTERMS.publisher, publisher

    for row in queries.evidence_types(conn, include_illustrative):
        evidence_type = URIRef(row["uri"])
        yield evidence_type, RDF.type, CCCEV.EvidenceType
        yield evidence_type, DCTERMS.identifier, _text(row["code"])
        yield evidence_type, DCTERMS.title, _de(row["title_de"])
        if row["title_en"]:
            yield evidence_type, DCTERMS.title, Literal(row["title_en"], lang="en")
        if row["description_de"]:
            yield evidence_type, DCTERMS.description, _de(row["description_de"])

    competent = uri("competent-authority", "by-law")
    yield from _agent(competent, "by-law", "Nach Bundes- oder Landesrecht zuständige Behörde")
    yield from _public_organisation(competent, "Nach Bundes- oder Landesrecht zuständige "
                                               "Behörde", GERMANY)
    yield GERMANY, RDF.type, DCTERMS.Location
    consumers = {}
    for row in queries.service_consumers(conn, include_illustrative):
        consumers.setdefault(row["service"], []).append(row)
    services = queries.services(conn, include_illustrative)
    requirements = catalog_queries.service_requirements(conn, [s["id"] for s in services])
    type_uris = {r["code"]: r["uri"] for r in queries.evidence_types(conn, True)}
    for row in services:
        service = uri("service", row["code"])
        yield service, RDF.type, CPSV.PublicService
        yield service, DCTERMS.identifier, _text(row["leistungsschluessel"] or row["code"])
        yield service, DCTERMS.title, _de(row["name_de"])
        if row["name_en"]:
            yield service, DCTERMS.title, Literal(row["name_en"], lang="en")
        yield service, DCTERMS.description, _de(row["description"] or row["name_de"])
        # The consumer authorities with a permission for this service where known; the
        # competence itself is fixed per area by law (which regmap resolves per lookup).
        for consumer in consumers.get(row["code"], []) or [None]:
            if consumer is None:
                yield service, CCCEV.hasCompetentAuthority, competent
                continue
            node = uri("organisation", consumer["code"])
            yield service, CCCEV.hasCompetentAuthority, node
            place, place_triples = location(consumer["seat_ags"] or "DE", "municipality",
                                            consumer["seat_ars"])
            yield from place_triples
            yield from _public_organisation(node, consumer["name"], place)
        for requirement in requirements.get(row["id"], []):
            node = uri("service", row["code"], "requirement", requirement["code"])
            yield service, CCCEV.holdsRequirement, node
            yield node, RDF.type, CCCEV.Requirement
            yield node, DCTERMS.identifier, _text(requirement["code"])
            yield node, SKOS.prefLabel, _text(requirement["name"])  # CCCEV: xsd:string
            yield node, DCTERMS.title, _de(requirement["name"])  # CPSV-AP: language-tagged
            for n, types in enumerate(requirement["lists"], start=1):
                type_list = URIRef(f"{node}/list/{n}")
                yield node, CCCEV.hasEvidenceTypeList, type_list
                yield type_list, RDF.type, CCCEV.EvidenceTypeList
                yield type_list, SKOS.prefLabel, _text(f"{requirement['name']} ({n})")
                for code in types:
                    yield type_list, CCCEV.specifiesEvidenceType, URIRef(type_uris[code])

    for row in queries.offers(conn, include_illustrative):
        if not row["registers"] or row["provider"] not in agents:
            continue  # a data service must serve a dataset and name its publisher
        service = uri("offer", row["code"])
        yield catalogue, DCAT.service, service
        yield service, RDF.type, DCAT.DataService
        yield service, DCTERMS.title, _de(f"{row['evidence_title']} ({row['provider']})")
        yield service, DCTERMS.identifier, _text(row["code"])
        yield service, DCAT.endpointURL, URIRef(row["endpoint_url"])
        yield service, DCTERMS.publisher, uri("organisation", row["provider"])
        for register in row["registers"]:
            yield service, DCAT.servesDataset, uri("register", register)
        for key, ars, level in zip(row["areas"], row["area_ars"], row["area_levels"]):
            place, place_triples = location(key, level, ars)
            yield service, DCTERMS.spatial, place
            yield service, DCATDE.politicalGeocodingURI, place
            yield from place_triples
