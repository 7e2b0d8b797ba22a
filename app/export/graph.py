"""The public catalogue as one RDF graph, in three views:

- DCAT-AP 3 / DCAT-AP.de: the catalogue, each register a dcat:Dataset, each active offer's
  endpoint a dcat:DataService serving its evidence type's register(s), organisations as
  foaf:Agent, areas as dct:Location with ARS/AGS-based political geocoding URIs;
- CCCEV 2: evidence types, and the requirements and evidence type lists of services;
- CPSV-AP: services (Leistungen) holding their requirements;
- SKOS: the OOTS code-list values the items name (an offer's level of assurance as its
  dct:accessRights, its access point's EDM versions as dct:conformsTo), each in the concept
  scheme of every TDD line whose list has it, the scheme carrying edition and revision.

Every node an item references is described on the same page (once), so class constraints
can be checked page by page. URIs are built under PUBLIC_BASE_URL, never the request's host.
CCCEV's shapes want xsd:string labels (not language-tagged ones), so its objects get plain
strings as well; DCAT's and CPSV's get @de / @en.
"""
import itertools

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from ..access.environments import PRODUCTION
from ..catalog import code_lists
from ..catalog.queries import eu_requirements as eu_requirement_queries
from ..catalog.queries import services as service_queries
from ..values.folding import fold
from ..values.identifiers import safe_uri
from . import queries
from .namespaces import CCCEV, CPSV, DCATDE, GEOCODING, HYDRA

CONTRIBUTORS = "http://dcat-ap.de/def/contributors"
GERMANY = URIRef("http://publications.europa.eu/resource/authority/country/DEU")
# DCAT-AP.de's political geocoding vocabularies, one per level (dcat-ap-de-imports.ttl names
# them; a municipality is named by its 12-digit ARS in the regionalKey vocabulary).
GEOCODING_BY_LEVEL = {"land": "stateKey", "regierungsbezirk": "governmentDistrictKey",
                      "kreis": "districtKey", "gemeindeverband": "municipalAssociationKey",
                      "municipality": "regionalKey"}
BY_LAW = "Nach Bundes- oder Landesrecht zuständige Behörde"
# The class DCAT-AP wants of the values of a property a code-list value is used for.
CODE_VALUE_CLASSES = {"edm-versions": DCTERMS.Standard,
                      "levels-of-assurance": DCTERMS.RightsStatement}
GERMANY_LABEL = "Deutschland"


def _de(text):
    return Literal(text, lang="de")


def _en(text):
    return Literal(text, lang="en")


def _text(text):
    return Literal(text, datatype=XSD.string)


def location(key, level, ars):
    """The node of an area: Germany, or its political geocoding URI."""
    if key == "DE":
        return GERMANY
    if level == "municipality":
        # A municipality without an ARS (none in the Gemeindeverzeichnis) keeps its AGS.
        return URIRef(f"{GEOCODING}regionalKey/{ars}") if ars \
            else URIRef(f"{GEOCODING}municipalityKey/{key}")
    return URIRef(f"{GEOCODING}{GEOCODING_BY_LEVEL[level]}/{key}")


class CatalogueGraph:
    """Reads the public catalogue once; yields its triples whole or a page at a time.

    Items (the unit of paging, in a stable order): registers, evidence types, services,
    offers. Referenced nodes (agents, locations, datasets) are described where first used.
    """

    WINDOW = 2000  # offers read at a time by the whole export: memory stays flat

    def __init__(self, conn, *, base, publisher_name, include_illustrative=False,
                 contributor_id=None, modified_since=None, environment=PRODUCTION):
        self.conn, self.include, self.since = conn, include_illustrative, modified_since
        self.environment = environment
        self.base = base.rstrip("/")
        self.publisher_name = publisher_name
        self.contributor = URIRef(safe_uri(contributor_id)) if contributor_id else None
        self.catalogue = self.uri("catalog")
        self.publisher = self.uri("publisher")
        self.by_law = self.uri("competent-authority", "by-law")
        include = include_illustrative
        # A dataset needs a publisher (DCAT-AP.de, CPSV-AP) and regmap never invents one: a
        # register whose keeper is not known yet stays out of the export (the API lists it).
        self.registers = {r["code"]: r for r in queries.registers(conn, include)
                          if r["keepers"] or r["keeping_authority_type"]}
        self.evidence_types = {r["code"]: r for r in queries.evidence_types(conn, include)}
        services = queries.services(conn, include)
        self.requirements = service_queries.service_requirements(
            conn, [s["id"] for s in services])
        eu_requirements = queries.eu_requirements(conn, include)
        self.eu_requirement_types = eu_requirement_queries.eu_requirement_evidence_types(
            conn, [r["id"] for r in eu_requirements])
        # (list, code) -> the lines' lists that have it: read once, looked up per offer.
        self.code_lines = {}
        for lst in code_lists.documents(conn):
            for value in lst["values"]:
                self.code_lines.setdefault((lst["list"], value["code"]), []).append(lst)
        self.consumers = {}
        for row in queries.service_consumers(conn, include, environment):
            self.consumers.setdefault(row["service"], []).append(row)
        self.organisations = {}
        self._load_organisations(
            [k for r in self.registers.values() for k in r["keepers"]]
            + [c["code"] for rows in self.consumers.values() for c in rows])
        # Registers, evidence types and services are few; offers are many and read by page.
        self.few = [("register", r) for r in self.registers.values()] + \
                   [("evidence-type", r) for r in self.evidence_types.values()] + \
                   [("service", r) for r in services] + \
                   [("eu-requirement", r) for r in eu_requirements]
        if modified_since is not None:
            self.few = [(k, r) for k, r in self.few if r["updated_at"] >= modified_since]
        self.total = len(self.few) + queries.offer_count(conn, include, modified_since,
                                                         environment)

    def _load_organisations(self, codes):
        wanted = set(codes) - set(self.organisations)
        if wanted:
            for row in queries.organisations(self.conn, self.include, wanted):
                self.organisations[row["code"]] = row

    def _offers(self, offset, limit, after=None):
        rows = queries.offers(self.conn, self.include, self.since, limit=limit, offset=offset,
                              after=after, environment=self.environment)
        return rows, self._offers_from(rows)

    def _offers_from(self, rows):
        for offer in rows:
            # A data service serves a dataset of this export and names its publisher.
            offer["registers"] = [r for r in offer["registers"] if r in self.registers]
        self._load_organisations(r["provider"] for r in rows)
        return [("offer", r) for r in rows
                if r["registers"] and r["provider"] in self.organisations]

    def items(self, start=0, stop=None):
        """The items in [start, stop) of the stable order."""
        yield from self.few[start:stop]
        if stop is None and start == 0:
            # The whole export: windows by the last code read (OFFSET would rescan).
            after = None
            while True:
                rows, items = self._offers(0, self.WINDOW, after=after)
                yield from items
                if len(rows) < self.WINDOW:
                    return
                after = rows[-1]["code"]
        first = max(0, start - len(self.few))
        last = max(0, stop - len(self.few))
        if last > first:
            yield from self._offers(first, last - first)[1]

    def uri(self, kind, *parts):
        return URIRef("/".join([self.base, "id", kind, *parts]))

    # --- whole graph and pages --------------------------------------------------------
    def triples(self):
        described = set()
        yield from self.header()
        for item in self.items():
            yield from self.item(item, described)

    def page(self, number, size, page_url):
        """One page of items with the header and Hydra links (page_url(n) -> URL)."""
        described = set()
        yield from self.header()
        last = max(1, -(-self.total // size))
        view = URIRef(page_url(number))
        yield self.catalogue, HYDRA.totalItems, Literal(self.total)
        yield self.catalogue, HYDRA.view, view
        yield view, RDF.type, HYDRA.PartialCollectionView
        yield view, HYDRA.first, URIRef(page_url(1))
        yield view, HYDRA.last, URIRef(page_url(last))
        if number > 1:
            yield view, HYDRA.previous, URIRef(page_url(number - 1))
        if number < last:
            yield view, HYDRA.next, URIRef(page_url(number + 1))
        for item in self.items((number - 1) * size, number * size):
            yield from self.item(item, described)

    def single(self, kind, code):
        """The triples of one object under its URI (404: None)."""
        described = set()
        if kind == "organisation":
            self._load_organisations([code])
            return list(self.organisation(code, described)) if code in self.organisations \
                else None
        if kind == "offer":
            rows = queries.offers(self.conn, self.include, only=code,
                                  environment=self.environment)
            items = self._offers_from(rows)
            found = items[0] if items else None
        else:
            found = next(((k, r) for k, r in self.few if k == kind and r["code"] == code),
                         None)
        return list(self.item(found, described)) if found else None

    def describe(self, node):
        """The triples about a node the export names under /id/ that is not an object of
        its own (the catalogue, its publisher, a collective or by-law authority, a
        requirement and its lists), from the header and the few items that name it
        (None: the export names no such node)."""
        node = URIRef(node)
        described = set()
        if str(node).startswith(str(self.uri("code-list"))):
            return [t for t in self.code_list_triples() if t[0] == node] or None
        found = [t for t in itertools.chain(self.header(), *(
            self.item(item, described) for item in self.few)) if t[0] == node]
        return found or None

    def header(self):
        catalogue = self.catalogue
        yield catalogue, RDF.type, DCAT.Catalog
        yield catalogue, DCTERMS.title, _de("Registerlandkarte des NOOTS")
        yield catalogue, DCTERMS.title, _en("Register map of the NOOTS")
        yield catalogue, DCTERMS.description, _de(
            "Register nach IDNrG, Nachweistypen, Leistungen und Nachweisangebote des "
            "Nationalen Once-Only-Technical-Systems")
        yield catalogue, DCTERMS.description, _en(
            "Registers, evidence types, public services and evidence offers of the German "
            "National Once-Only Technical System")
        yield catalogue, DCTERMS.publisher, self.publisher
        yield from self.agent(self.publisher, "publisher", self.publisher_name)
        if self.contributor is not None:
            yield self.contributor, RDF.type, SKOS.Concept
            yield self.contributor, SKOS.inScheme, URIRef(CONTRIBUTORS)

    def item(self, item, described):
        kind, row = item
        return {"register": self.dataset, "evidence-type": self.evidence_type,
                "service": self.service, "offer": self.data_service,
                "eu-requirement": self.eu_requirement}[kind](row, described)

    # --- referenced nodes, described once per page --------------------------------------
    @staticmethod
    def agent(node, code, name):
        # foaf:name for DCAT-AP, dct:title and dct:identifier for CPSV-AP's Agent.
        yield node, RDF.type, FOAF.Agent
        yield node, FOAF.name, _de(name)
        yield node, DCTERMS.title, _de(name)
        yield node, DCTERMS.identifier, _text(code)

    def organisation(self, code, described):
        node = self.uri("organisation", code)
        if node not in described:
            described.add(node)
            yield from self.agent(node, code, self.organisations[code]["name"])

    def code_value(self, name, code, described):
        """The node of a code-list value (None: no line's list has it any more), described
        with the schemes of the lines that have it."""
        lines = self.code_lines.get((name, code))
        if not lines:
            return None, ()
        node = self.uri("code-list", name, "code", safe_uri(code))
        return node, self._code_value(node, name, code, lines, described)

    def _code_value(self, node, name, code, lines, described):
        if node in described:
            return
        described.add(node)
        yield node, RDF.type, SKOS.Concept
        if name in CODE_VALUE_CLASSES:
            yield node, RDF.type, CODE_VALUE_CLASSES[name]
        yield node, SKOS.notation, _text(code)
        label = next(v["label"] for v in lines[0]["values"] if v["code"] == code)
        yield node, SKOS.prefLabel, _en(label)
        for lst in lines:
            scheme = self.uri("code-list", name, lst["line"])
            yield node, SKOS.inScheme, scheme
            if scheme not in described:
                described.add(scheme)
                yield scheme, RDF.type, SKOS.ConceptScheme
                yield scheme, DCTERMS.title, _en(f"OOTS code list {name}, TDD {lst['line']}")
                yield scheme, DCTERMS.description, _en(lst["description"])
                yield scheme, OWL.versionInfo, _text(
                    f"{lst['edition'] or 'regmap'} revision {lst['revision']}")

    def code_list_triples(self):
        """Every value of every list, described (what /id/code-list/... dereferences)."""
        described = set()
        for name, code in self.code_lines:
            yield from self.code_value(name, code, described)[1]

    @staticmethod
    def place(node, label, described):
        if node not in described:
            described.add(node)
            yield node, RDF.type, DCTERMS.Location
            yield node, SKOS.prefLabel, _de(label)

    def public_organisation(self, node, name, place, label, described):
        yield from self.place(place, label, described)
        yield node, RDF.type, CCCEV.PublicOrganisation
        yield node, SKOS.prefLabel, _de(name)
        yield node, DCTERMS.spatial, place

    # --- items ------------------------------------------------------------------------
    def dataset(self, row, described):
        dataset = self.uri("register", row["code"])
        if dataset in described:
            return
        described.add(dataset)
        yield self.catalogue, DCAT.dataset, dataset
        yield dataset, RDF.type, DCAT.Dataset
        yield dataset, DCTERMS.title, _de(row["name"])
        yield dataset, DCTERMS.description, _de(row["description"] or row["name"])
        yield dataset, DCTERMS.identifier, _text(row["code"])
        yield dataset, DCTERMS.modified, Literal(row["updated_at"], datatype=XSD.dateTime)
        if row["legal_basis"]:
            yield dataset, DCATDE.legalBasis, _de(row["legal_basis"])
        if self.contributor is not None:
            yield dataset, DCATDE.contributorID, self.contributor
        keepers = [k for k in row["keepers"] if k in self.organisations]
        for keeper in keepers:
            yield dataset, DCTERMS.publisher, self.uri("organisation", keeper)
            yield from self.organisation(keeper, described)
        if keepers:
            return
        # No single keeping body (Melderegister: every Meldebehörde): the keeping-authority
        # type as a collective agent; none recorded: no publisher, never a placeholder.
        kind = row["keeping_authority_type"]
        if not kind:
            return
        slug = "-".join(fold(kind).split())
        collective = self.uri("authority-type", slug)
        yield dataset, DCTERMS.publisher, collective
        if collective not in described:
            described.add(collective)
            yield from self.agent(collective, slug, kind)

    def evidence_type(self, row, described):
        node = URIRef(safe_uri(row["uri"]))
        if node in described:
            return
        described.add(node)
        yield node, RDF.type, CCCEV.EvidenceType
        yield node, DCTERMS.identifier, _text(row["code"])
        yield node, DCTERMS.title, _de(row["title_de"])
        if row["title_en"]:
            yield node, DCTERMS.title, _en(row["title_en"])
        if row["description_de"]:
            yield node, DCTERMS.description, _de(row["description_de"])
        if row["oots_classification_uri"]:
            # Its class in the OOTS Semantic Repository.
            classification = URIRef(safe_uri(row["oots_classification_uri"]))
            yield node, CCCEV.evidenceTypeClassification, classification
            yield classification, RDF.type, SKOS.Concept
            # Its label in the Semantic Repository is not held here: the type's title.
            yield classification, SKOS.prefLabel, _text(row["title_en"] or row["title_de"])
        # The registers it is drawn from (dct:source), described in this export.
        for register in row["registers"]:
            if register in self.registers:
                yield node, DCTERMS.source, self.uri("register", register)
                yield from self.dataset(self.registers[register], described)

    def service(self, row, described):
        service = self.uri("service", row["code"])
        yield service, RDF.type, CPSV.PublicService
        yield service, DCTERMS.identifier, _text(row["leistungsschluessel"] or row["code"])
        yield service, DCTERMS.title, _de(row["name_de"])
        if row["name_en"]:
            yield service, DCTERMS.title, _en(row["name_en"])
        yield service, DCTERMS.description, _de(row["description"] or row["name_de"])
        # The consumer authorities with a permission for the service where known; otherwise
        # the authority competent by law, which regmap resolves per area and lookup.
        consumers = self.consumers.get(row["code"], [])
        for consumer in consumers:
            node = self.uri("organisation", consumer["code"])
            yield service, CCCEV.hasCompetentAuthority, node
            yield from self.organisation(consumer["code"], described)
            seat = consumer["seat_ags"] or "DE"
            yield from self.public_organisation(
                node, consumer["name"], location(seat, "municipality", consumer["seat_ars"]),
                consumer["seat_name"] or GERMANY_LABEL, described)
        if not consumers:
            yield service, CCCEV.hasCompetentAuthority, self.by_law
            if self.by_law not in described:
                described.add(self.by_law)
                yield from self.agent(self.by_law, "by-law", BY_LAW)
                yield from self.public_organisation(self.by_law, BY_LAW, GERMANY, GERMANY_LABEL,
                                                    described)
        for requirement in self.requirements.get(row["id"], []):
            node = self.uri("service", row["code"], "requirement", requirement["code"])
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
                    evidence = self.evidence_types.get(code)
                    if evidence is None:
                        continue  # retired or illustrative: not in this export
                    yield type_list, CCCEV.specifiesEvidenceType, URIRef(safe_uri(evidence["uri"]))
                    yield from self.evidence_type(evidence, described)

    def eu_requirement(self, row, described):
        """An EU requirement (OOTS Evidence Broker) under its Semantic Repository URI: its
        legal frameworks (per EU procedure and area) and the lists of German evidence types
        satisfying it."""
        node = URIRef(safe_uri(row["identifier"]))
        yield node, RDF.type, CCCEV.Requirement
        yield node, DCTERMS.identifier, _text(row["identifier"])
        yield node, SKOS.prefLabel, _text(row["name_en"])  # CCCEV: xsd:string
        yield node, DCTERMS.title, _en(row["name_en"])
        if row["name_de"]:
            yield node, DCTERMS.title, _de(row["name_de"])
        description = row["description_en"] or row["description_de"]
        if description:
            yield node, DCTERMS.description, _text(description)  # CCCEV: xsd:string
        for framework in row["reference_frameworks"]:
            rf = URIRef(f"urn:uuid:{framework['identifier']}")
            yield node, CCCEV.isDerivedFrom, rf
            yield rf, RDF.type, CCCEV.ReferenceFramework
            for lang, text in (framework.get("title") or {}).items():
                if text:
                    yield rf, DCTERMS.title, Literal(text, lang=lang)
            # The EU procedure it implements (Procedures code list, e.g. R1).
            yield rf, DCTERMS.identifier, _text(framework["procedure"])
        codes = self.eu_requirement_types.get(row["id"], [])
        for n, lst in enumerate(row["evidence_type_lists"]):
            types = [self.evidence_types[c] for c in (codes[n] if n < len(codes) else ())
                     if c in self.evidence_types]
            if not types:
                continue  # retired or illustrative types only: not in this export
            type_list = URIRef(f"urn:uuid:{lst['identifier']}")
            yield node, CCCEV.hasEvidenceTypeList, type_list
            yield type_list, RDF.type, CCCEV.EvidenceTypeList
            name = lst.get("name") or {}
            yield type_list, SKOS.prefLabel, _text(name.get("en") or name.get("de")
                                                  or row["name_en"])
            for evidence in types:
                yield type_list, CCCEV.specifiesEvidenceType, URIRef(safe_uri(evidence["uri"]))
                yield from self.evidence_type(evidence, described)

    def data_service(self, row, described):
        # The hot path of the whole export (one per offer): terms bound once, below.
        service = self.uri("offer", row["code"])
        yield self.catalogue, _SERVICE, service
        yield service, _TYPE, _DATA_SERVICE
        yield service, _TITLE, _de(f"{row['evidence_title']} ({row['provider']})")
        yield service, _IDENTIFIER, _text(row["code"])
        yield service, _ENDPOINT, URIRef(safe_uri(row["endpoint_url"]))
        yield service, _PUBLISHER, self.uri("organisation", row["provider"])
        yield from self.organisation(row["provider"], described)
        for register in row["registers"]:
            yield service, _SERVES, self.uri("register", register)
            yield from self.dataset(self.registers[register], described)
        # What the offer delivers: its evidence type (CCCEV), described in this export.
        evidence = self.evidence_types.get(row["evidence_type"])
        if evidence is not None:
            yield service, _RELATION, URIRef(safe_uri(evidence["uri"]))
            yield from self.evidence_type(evidence, described)
        for key, ars, level, name in zip(row["areas"], row["area_ars"], row["area_levels"],
                                         row["area_names"]):
            place = location(key, level, ars)
            yield service, _SPATIAL, place
            yield service, _GEOCODING_URI, place
            yield from self.place(place, name, described)
        # OOTS: the eIDAS level the user authenticates with, the EDM versions spoken.
        for name, codes, predicate in (
                ("levels-of-assurance", [row["level_of_assurance"]], DCTERMS.accessRights),
                ("edm-versions", row["edm_versions"], DCTERMS.conformsTo)):
            for code in filter(None, codes):
                node, triples = self.code_value(name, code, described)
                if node is not None:
                    yield service, predicate, node
                    yield from triples


_SERVICE, _TYPE, _DATA_SERVICE = DCAT.service, RDF.type, DCAT.DataService
_TITLE, _IDENTIFIER, _PUBLISHER = DCTERMS.title, DCTERMS.identifier, DCTERMS.publisher
_ENDPOINT, _SERVES, _SPATIAL = DCAT.endpointURL, DCAT.servesDataset, DCTERMS.spatial
_GEOCODING_URI, _RELATION = DCATDE.politicalGeocodingURI, DCTERMS.relation
