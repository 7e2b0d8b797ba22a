"""Which offer is competent: the most specific active offer of an active organisation for
the evidence type along the municipality's hierarchy (municipality -> Gemeindeverband ->
Kreis -> Regierungsbezirk -> Land -> DE), valid on the reference date.

Answers are plain dicts (and problems), built once and cached by the index; modelled on the
EU OOTS Data Service Directory: data service, not found, or "additional parameters required".
"""
from ..areas.errors import AreaRetired, UnknownArea
from ..errors import param_error
from ..folding import fold
from .errors import AmbiguousOffers, NeedsMoreInformation, NoCompetentProvider, UnknownEvidenceType

MAX_SUCCESSION_HOPS = 10


def evidence_type_id(index, code, reads=None):
    found = index.evidence_type(code, reads)
    if found is None or found[1] != "active":
        raise UnknownEvidenceType("evidence type", code, errors=[
            param_error("evidence_type", "query", f"no active evidence type '{code}'")])
    return found[0]


def current_municipality(index, ags, day):
    """(municipality valid on `day`, succession note or None); 404/410 otherwise."""
    municipality = index.areas.municipalities.get(ags)
    if municipality is None:
        raise UnknownArea("municipality", ags)
    note = None
    for _ in range(MAX_SUCCESSION_HOPS):
        if municipality.valid_on(day):
            return municipality, note
        successor = index.areas.successors.get(municipality.ags)
        if successor is None:
            raise AreaRetired(f"{municipality.ags} ({municipality.name}) is no longer a current "
                              "key and no successor is recorded",
                              retired_key=municipality.ags)
        successor_key, effective_on = successor
        note = {"requested": ags, "successor": successor_key,
                "effective_on": effective_on.isoformat()}
        municipality = index.areas.municipalities[successor_key]
    raise AreaRetired(f"{ags}: the recorded successions do not end in a current key")


def competent_offer(index, type_id, municipality, day, reads=None, *, illustrative=True):
    """(offer, area key it was found at) or (None, None). Without `illustrative`, demo
    offers are left out before the most specific one is searched (API.md, "Filters before
    resolution")."""
    offers = index.offers(type_id)
    for key in municipality.chain:
        valid = [o for o in index.offers_at(offers, type_id, key, reads)
                 if o.provider_active and o.valid_on(day)
                 and (illustrative or not o.illustrative)]
        if len(valid) == 1:
            return valid[0], key
        if len(valid) > 1:
            raise AmbiguousOffers(f"{len(valid)} active offers cover {key} on {day}: "
                                  + ", ".join(sorted(o.code for o in valid)),
                                  conflicting_offers=sorted(o.code for o in valid))
    return None, None


def _municipality_doc(municipality):
    return {"ags": municipality.ags, "ars": municipality.ars, "name": municipality.name}


def _area_doc(index, key):
    name, level = index.areas.names[key]
    return {"key": key, "level": level, "name": name}


def offer_doc(offer, with_connection):
    doc = {"code": offer.code, "service_id": offer.service_id,
           "endpoint_url": offer.endpoint_url,
           "valid_from": offer.valid_from.isoformat() if offer.valid_from else None,
           "valid_to": offer.valid_to.isoformat() if offer.valid_to else None}
    if with_connection:
        doc["connection_parameters"] = offer.connection_parameters
    return doc


# Every offer is a production offer until environments exist (issue 16).
ENVIRONMENT = "production"


def _answer(index, evidence_type, day, offer, found_at, view):
    return {"evidence_type": evidence_type, "at": day.isoformat(),
            "illustrative": offer.illustrative, "environment": ENVIRONMENT,
            "area": _area_doc(index, found_at),
            "provider": {"code": offer.provider, "name": offer.provider_name},
            "offer": offer_doc(offer, view.connection)}


def by_municipality(index, evidence_type, ags, day, view, reads):
    type_id = evidence_type_id(index, evidence_type, reads)
    municipality, note = current_municipality(index, ags, day)
    offer, found_at = competent_offer(index, type_id, municipality, day, reads,
                                      illustrative=view.illustrative)
    if offer is None:
        raise NoCompetentProvider(f"no provider of {evidence_type} is competent for "
                                  f"{municipality.ags} ({municipality.name}) on {day}")
    answer = _answer(index, evidence_type, day, offer, found_at, view)
    answer["municipality"] = _municipality_doc(municipality)
    if note:
        answer["resolved_via_successor"] = note
    return answer


def ags_for_ars(index, ars):
    ags = index.areas.by_ars.get(ars)
    if ags is None:
        raise UnknownArea("municipality with ARS", ars)
    return ags


def by_postcode(index, evidence_type, plz, place, day, view, reads):
    """Every municipality of the postcode is resolved; one shared offer answers, different
    ones ask for more information (never a guess)."""
    type_id = evidence_type_id(index, evidence_type, reads)
    rows = index.areas.postcodes.get(plz)
    if not rows:
        raise UnknownArea("postcode", plz)
    if place:
        wanted = fold(place)
        rows = [r for r in rows if r[2] == wanted
                or index.areas.municipalities[r[0]].name_folded.startswith(wanted)]
        if not rows:
            raise UnknownArea("place in postcode", f"{plz} {place}", errors=[
                param_error("place", "query", f"no place '{place}' in postcode {plz}")])
    candidates, seen = [], set()
    for ags, place_name, _ in rows:
        try:
            municipality, note = current_municipality(index, ags, day)
        except (AreaRetired, UnknownArea):
            continue  # stale rows of the 2023 table: never resolved as if current
        if municipality.ags in seen:
            continue
        seen.add(municipality.ags)
        offer, found_at = competent_offer(index, type_id, municipality, day, reads,
                                          illustrative=view.illustrative)
        candidates.append((municipality, place_name, offer, found_at))
    if not candidates:
        raise AreaRetired(f"postcode {plz} lists only retired municipalities")
    distinct = {c[2].code if c[2] else None for c in candidates}
    if distinct == {None}:
        raise NoCompetentProvider(f"no provider of {evidence_type} is competent for any "
                                  f"municipality of postcode {plz} on {day}")
    if len(distinct) > 1:
        raise NeedsMoreInformation(
            f"PLZ {plz} spans {len(candidates)} municipalities with different competent "
            "providers",
            errors=[param_error("plz", "query", "ambiguous; add place (the name of a "
                                "candidate municipality or Ortsteil) to choose")],
            candidates=[{**_municipality_doc(m), "place": place_name,
                         "provider": {"code": o.provider, "name": o.provider_name}
                         if o else None} for m, place_name, o, _ in candidates])
    municipality, _, offer, found_at = candidates[0]
    answer = _answer(index, evidence_type, day, offer, found_at, view)
    answer["municipalities"] = [{**_municipality_doc(m), "place": p}
                                for m, p, _, _ in candidates]
    return answer
