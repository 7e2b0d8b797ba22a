"""The Data Service Directory query for the German catalogue:
`urn:fdc:oots:dsd:ebxml-regrep:queries:dataservices-by-evidencetype-and-jurisdiction`.

Which German authorities serve an evidence type (named by its OOTS evidence-type
classification) for a jurisdiction (NUTS code, or LAU = AGS), reached through which access
service, in which distributions. What the user must say first — the jurisdiction context,
classification values — is decided by `catalog.user_attributes`, the rule the JSON competence
API follows too: missing → DSD:ERR:0005 naming it; the second query, carrying it, answers.

Offers are grouped into one DataServiceEvidenceType per evidence type, distributions, level
of assurance and jurisdiction context; each (offer, area) is one AccessService whose
Publisher is the provider with that area as its jurisdiction. Identifiers of the groups are
derived (UUID 5) from what they group, so the same catalogue gives the same identifiers.

Each AccessService declares the EDM versions its access point speaks (the organisation's
`edm_versions`): a 1.x answer names only access points that speak a 1.x version, and only
those versions; a 2.0 answer every access point that declares one, with all it declares. In
TDD 2.0 the optional `specification` parameter keeps the access services that declare that version —
before the two-step dialogue, so DSD:ERR:0001 then means "nobody speaks it"."""
import json
import uuid

from ..areas.keys import ancestor_keys
from ..catalog import code_lists, oots_codes, user_attributes
from ..values import identifiers
from ..values.dates import berlin_today
from . import documents, queries, versions
from .errors import RegRepException

QUERY_ID = "urn:fdc:oots:dsd:ebxml-regrep:queries:dataservices-by-evidencetype-and-jurisdiction"
PARAMETERS = ("evidence-type-classification", "country-code", "jurisdiction-admin-l2",
              "jurisdiction-admin-l3", "jurisdiction-context-id")
PARAMETERS_2_0 = (*PARAMETERS, "specification")
# uuid5 namespace of regmap's DSD identifiers (itself uuid5(NAMESPACE_URL, "regmap dsd")).
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://regmap.example/oots/dsd")
_IS_AGS = identifiers.matcher(identifiers.AGS)
_IS_NUTS = identifiers.matcher(identifiers.NUTS_DE)
_LEVEL_ORDER = ("Country", "NUTS1", "NUTS2", "NUTS3", "LAU")


def search(conn, args, *, illustrative, version=versions.V1, repository=None):
    """The registry objects of a successful answer; RegRepException otherwise. `args`:
    {name: [values]} of the query string, queryId removed."""
    for name, values in args.items():
        if len(values) > 1:
            raise RegRepException("DSD:ERR:0003", f"{name} given more than once")
    args = {name: values[0] for name, values in args.items()}
    for name in ("evidence-type-classification", "country-code"):
        if not args.get(name):
            raise RegRepException("DSD:ERR:0003", name)
    if not oots_codes.is_country(args["country-code"]):
        raise RegRepException("DSD:ERR:0006", "country-code")
    classification_uri = args["evidence-type-classification"]
    if version == versions.V2:
        classification_uri = versions.from_2_0(classification_uri, repository)
    types = queries.evidence_types_by_classification(conn, classification_uri)
    if not types:
        raise RegRepException("DSD:ERR:0002", args["evidence-type-classification"])
    concepts = {c["identifier"]: c for t in types for c in t["classification_concepts"]}
    known = PARAMETERS_2_0 if version == versions.V2 else PARAMETERS
    unknown = sorted(set(args) - set(known) - set(concepts))
    if unknown:
        raise RegRepException("DSD:ERR:0003", ", ".join(unknown))
    classification = {}
    for identifier, concept in concepts.items():
        if identifier in args:
            if args[identifier] not in concept["values"]:
                raise RegRepException("DSD:ERR:0006", identifier)
            classification[concept["code"]] = args[identifier]
    context = None
    if args.get("jurisdiction-context-id"):
        row = queries.jurisdiction_context_by_id(conn, args["jurisdiction-context-id"])
        if row is None:
            raise RegRepException("DSD:ERR:0006", "jurisdiction-context-id")
        context = row["code"]
    codes = code_lists.of_line(conn, version)   # an answer names values of its line only
    speaks = _speaks(codes, version, args.get("specification"))
    if args["country-code"] != "DE":
        raise RegRepException("DSD:ERR:0001",
                              f"this directory serves DE, not {args['country-code']}")
    today = berlin_today()
    at_keys, below = _jurisdiction(conn, args, today)

    groups = []
    for evidence_type in types:
        offers = [o for o in queries.published_offers(
                      conn, evidence_type["id"], today=today, illustrative=illustrative,
                      at_keys=at_keys, below_key=below)
                  if _distributions(o, evidence_type, codes) and speaks(o)]
        needs_context, needs_concepts = user_attributes.missing(
            [(o["jurisdiction_context"], o["classification"]) for o in offers],
            context, classification)
        if needs_context or needs_concepts:
            raise _additional_input(conn, evidence_type, offers, needs_context,
                                    needs_concepts, codes)
        serving = [o for o in offers if user_attributes.serves(
            o["jurisdiction_context"], o["classification"], context, classification)]
        groups += _groups(conn, evidence_type, _most_specific(serving, at_keys), codes)
    if not groups:
        raise RegRepException("DSD:ERR:0001", "no German data service serves this evidence "
                                              "type for the jurisdiction and attributes given")
    return groups


def _speaks(codes, version, specification):
    """Which offers an answer may name: those whose access service declares an EDM version
    of the answer's line (in 2.0: `specification`, if given)."""
    known = codes["edm-versions"]
    if version == versions.V2 and specification is not None:
        if specification not in known:
            raise RegRepException("DSD:ERR:0006", "specification")
        return lambda offer: specification in offer["access_edm_versions"]
    return lambda offer: any(v in known for v in offer["access_edm_versions"])


def _jurisdiction(conn, args, today):
    """(keys at or above the asked jurisdiction, the key whose descendants also count)."""
    l2, l3 = args.get("jurisdiction-admin-l2"), args.get("jurisdiction-admin-l3")
    if l3:
        municipality = queries.municipality(conn, l3, today) if _IS_AGS(l3) else None
        if municipality is None:
            raise RegRepException("DSD:ERR:0006", "jurisdiction-admin-l3")
        keys = [l3, *ancestor_keys(l3, municipality["ars"])]
        area = queries.area_by_nuts(conn, l2) if l2 and _IS_NUTS(l2) else None
        if l2 and (area is None or area["key"] not in keys):
            raise RegRepException("DSD:ERR:0006", "jurisdiction-admin-l2")
        return keys, None
    if l2:
        area = queries.area_by_nuts(conn, l2) if _IS_NUTS(l2) else None
        if area is None:
            raise RegRepException("DSD:ERR:0006", "jurisdiction-admin-l2")
        return [area["key"], *_keys_above(area["key"])], area["key"]
    return None, None


def _keys_above(key):
    return [k for k in (key[:3] if len(key) == 5 else None, key[:2] if len(key) > 2 else None,
                        "DE") if k and k != key]


def _most_specific(offers, at_keys):
    """For an asked jurisdiction: the offers at the most specific key at or above it (the
    most specific wins, as in competence answers), else those below it, each with its own
    area. Without one: every offer with every area."""
    if at_keys is None:
        return [(o, list(range(len(o["area_keys"])))) for o in offers]
    rank = {key: i for i, key in enumerate(at_keys)}    # most specific first
    at = [(o, i) for o in offers for i, k in enumerate(o["area_keys"]) if k in rank]
    if at:
        best = min(rank[o["area_keys"][i]] for o, i in at)
        return [(o, [i]) for o, i in at if rank[o["area_keys"][i]] == best]
    return [(o, list(range(len(o["area_keys"])))) for o in offers]


def _distributions(offer, evidence_type, codes):
    """The offer's distributions, else its evidence type's formats, of media types the
    answer's line knows."""
    known = codes["media-types"]
    if offer["distributions"]:
        return [d for d in offer["distributions"] if d["format"] in known]
    return [{"format": f["media_type"], **({"conforms_to": f["schema_uri"]}
                                           if f.get("schema_uri") else {})}
            for f in evidence_type["formats"] if f["media_type"] in known]


def _jurisdiction_of(offer, i):
    level, key, nuts = offer["area_levels"][i], offer["area_keys"][i], offer["area_nuts"][i]
    if level == "municipality":
        return {"lau": key}
    if level == "federation":
        return {}
    return {"nuts": nuts} if nuts else None   # a Gemeindeverband has neither


def _groups(conn, evidence_type, chosen, codes):
    concepts = [c for c in evidence_type["classification_concepts"]
                if any(c["code"] in o["classification"] for o, _ in chosen)]
    contexts = queries.jurisdiction_contexts_by_code(
        conn, {o["jurisdiction_context"] for o, _ in chosen if o["jurisdiction_context"]})
    by_key = {}
    for offer, indexes in chosen:
        distributions = _distributions(offer, evidence_type, codes)
        level_of_assurance = offer["level_of_assurance"] \
            if offer["level_of_assurance"] in codes["levels-of-assurance"] else None
        key = (json.dumps(distributions, sort_keys=True), level_of_assurance,
               offer["jurisdiction_context"])
        group = by_key.setdefault(key, {
            "distributions": distributions, "level_of_assurance": level_of_assurance,
            "context_code": offer["jurisdiction_context"], "services": [], "levels": set()})
        for i in indexes:
            jurisdiction = _jurisdiction_of(offer, i)
            if jurisdiction is None:
                continue
            group["levels"] |= _levels(codes, [offer["area_levels"][i]])
            group["services"].append({
                "party_id": offer["access_party_id"],
                "name": {"en": offer["access_name_en"] or offer["access_name"]},
                "edm_versions": [v for v in offer["access_edm_versions"]
                                 if v in codes["edm-versions"]],
                "publisher": {
                    "party_id": offer["provider_party_id"],
                    "name": {"en": offer["provider_name_en"] or offer["provider_name"]},
                    "address": _address(offer), "jurisdiction": jurisdiction,
                    "concepts": [(c, offer["classification"].get(c["code"], c["values"]))
                                 for c in concepts]}})
    groups = []
    for key, group in sorted(by_key.items()):
        if not group["services"]:
            continue
        context = None
        if group["context_code"]:
            row = contexts[group["context_code"]]
            context = {"oots_id": row["oots_id"], "label_en": row["label_en"],
                       "label_de": row["label_de"], "level": _finest(group["levels"])}
        identifier = str(uuid.uuid5(
            _NAMESPACE, "|".join(map(str, (evidence_type["uri"], *key)))))
        groups.append({
            "identifier": identifier,
            "registry_id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, identifier)}",
            "evidence_type": _type_document(evidence_type),
            "distributions": group["distributions"], "access_services": group["services"],
            "level_of_assurance": group["level_of_assurance"], "context": context,
            "concepts": concepts})
    return groups


def _levels(codes, area_levels):
    """The JurisdictionLevel codes of these area levels that the answer's line knows."""
    known = codes["jurisdiction-levels"]
    return {code for code in (oots_codes.JURISDICTION_LEVEL[level] for level in area_levels)
            if code in known}


def _finest(levels):
    return max(levels, key=_LEVEL_ORDER.index) if levels else "Country"


def _type_document(evidence_type):
    return {"classification": evidence_type["oots_classification_uri"],
            "title": {"en": evidence_type["title_en"], "de": evidence_type["title_de"]},
            "description": {"en": evidence_type["description_en"],
                            "de": evidence_type["description_de"]}}


def _address(offer):
    address = dict(offer["provider_address"] or {})
    if not address.get("full"):
        street = " ".join(filter(None, (address.get("street"), address.get("number"))))
        place = " ".join(filter(None, (address.get("postcode"), address.get("city"))))
        address["full"] = ", ".join(filter(None, (street, place))) or None
    address["nuts"] = address.get("nuts") or offer["seat_nuts"]
    return address


def _additional_input(conn, evidence_type, offers, needs_context, needs_concepts, codes):
    """DSD:ERR:0005: the evidence type, and what the user must provide."""
    distributions = next((_distributions(o, evidence_type, codes) for o in offers), [])
    slots = [("DataServiceEvidenceType",
              lambda parent, group: documents.data_service_evidence_type(
                  parent, group, with_services=False),
              {"identifier": str(uuid.uuid5(_NAMESPACE, f"{evidence_type['uri']}|first-step")),
               "evidence_type": _type_document(evidence_type),
               "distributions": distributions})]
    needed = []
    if needs_context:
        contexts = sorted({o["jurisdiction_context"] for o in offers
                           if o["jurisdiction_context"]})
        rows = queries.jurisdiction_contexts_by_code(conn, contexts)
        # One determination slot: the examples name one context; several are listed by
        # the first (each offer of a type should share it).
        row = rows[contexts[0]]
        levels = _levels(codes, [level for o in offers
                                 if o["jurisdiction_context"] == contexts[0]
                                 for level in o["area_levels"]])
        slots.append(("JurisdictionDetermination", documents.jurisdiction_determination,
                      {"oots_id": row["oots_id"], "label_en": row["label_en"],
                       "label_de": row["label_de"], "level": _finest(levels)}))
        needed.append("JurisdictionDetermination")
    if needs_concepts:
        concepts = [c for c in evidence_type["classification_concepts"]
                    if c["code"] in needs_concepts]
        slots.append(("UserRequestedClassificationConcepts",
                      lambda parent, concept: documents.classification_concept(
                          parent, concept, tag="EvidenceProviderClassification"),
                      concepts))
        needed.append("UserRequestedClassificationConcepts")
    return RegRepException("DSD:ERR:0005", " and ".join(needed), slots)
