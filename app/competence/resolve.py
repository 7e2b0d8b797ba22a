"""Which offer is competent: the most specific active offer of an active organisation for
the evidence type along the municipality's hierarchy (municipality -> Gemeindeverband ->
Kreis -> Regierungsbezirk -> Land -> DE), valid on the reference date. A postcode or an area
above the municipality (Kreis, Regierungsbezirk, Land) is answered only when every
municipality in it resolves to the same offer.

Answers are plain dicts (and problems), built once and cached by the index; modelled on the
EU OOTS Data Service Directory: data service, not found, or "additional parameters required".
"""
from typing import NamedTuple

from ..access.environments import PRODUCTION
from ..areas.errors import AreaRetired, UnknownArea
from ..areas.keys import LEVEL_BY_LENGTH
from ..catalog import user_attributes
from ..http.errors import Problem, param_error
from ..values.folding import fold
from .errors import (
    AmbiguousOffers,
    NeedsMoreInformation,
    NoCompetentProvider,
    UnknownEvidenceType,
    UnknownService,
)

MAX_SUCCESSION_HOPS = 10


class Said(NamedTuple):
    """What the request says about the case (catalog/user_attributes.py)."""
    context: str | None = None
    classification: dict = {}


NOTHING_SAID = Said()


def evidence_type_id(index, code, reads=None):
    found = index.evidence_type(code, reads)
    if found is None or found[1] != "active":
        raise UnknownEvidenceType("evidence type", code, errors=[
            param_error("evidence_type", "query", f"no active evidence type '{code}'")])
    return found[0]


def evidence_type_for_leika(index, leika, evidence_type, reads):
    """(evidence type code, service code) of a lookup by Leistungsschlüssel: the one evidence
    type the service's requirements name, or `evidence_type` if it is one of them. Never a
    guess: a service naming several (or not the one asked for) is a 409 listing them."""
    service = index.service_by_leika(leika, reads)
    if service is None:
        raise UnknownService("service with Leistungsschlüssel", leika, errors=[
            param_error("leika", "query", f"no active service with Leistungsschlüssel {leika}")])
    code, types = service
    if evidence_type in types or (evidence_type is None and len(types) == 1):
        return evidence_type or types[0], code
    if not types:
        raise NoCompetentProvider(f"the service {code} ({leika}) names no evidence type")
    asked = f"{evidence_type} is not among them" if evidence_type else "name one"
    raise NeedsMoreInformation(
        f"the service {code} ({leika}) requires {len(types)} evidence type(s); {asked}",
        errors=[param_error("evidence_type", "query", "choose one of the candidates")],
        candidates=[{"evidence_type": t} for t in types])


def ensure_area_data_covers(index, day):
    """Never an answer for a day the reference areas do not describe: before their earliest
    edition, which keys existed (and which did not yet) is unknown."""
    starts = index.areas.data_starts
    if starts and day < starts:
        raise NeedsMoreInformation(
            f"the area data starts on {starts.isoformat()}: which municipalities existed on "
            f"{day.isoformat()} is not known",
            errors=[param_error("at", "query", f"must be {starts.isoformat()} or later")],
            area_data_starts=starts.isoformat())


def current_municipality(index, ags, day):
    """(municipality valid on `day`, succession note or None). Never a guess: a key asked
    about a day before it existed, a split, or a succession whose date is only known to lie
    between two editions (and `day` between them) is a 409 naming the keys to choose from;
    a retired key without a recorded successor is a 410 (with the sourced reason, where one
    is recorded)."""
    areas = index.areas
    municipality = areas.municipalities.get(ags)
    if municipality is None:
        raise UnknownArea("municipality", ags)
    note = None
    for _ in range(MAX_SUCCESSION_HOPS):
        if municipality.valid_on(day):
            return municipality, note
        if municipality.valid_from and day < municipality.valid_from:
            raise _before_it_existed(index, municipality, day)
        successions = areas.successors.get(municipality.ags, ())
        if not successions:
            raise _retired(municipality)
        undated = [key for key, effective_on in successions if effective_on is None
                   and day < _known_after(municipality, areas.municipalities[key])]
        if undated:
            raise _between_editions(index, municipality, undated, day)
        if len(successions) > 1:
            raise NeedsMoreInformation(
                f"{municipality.ags} ({municipality.name}) was split; name the municipality "
                "that is competent now",
                errors=[param_error("ags", "query", "split: choose one of the candidates")],
                candidates=[_candidate_doc(index, key) for key, _ in successions])
        successor_key, effective_on = successions[0]
        note = {"requested": ags, "successor": successor_key,
                "effective_on": effective_on.isoformat() if effective_on else None}
        municipality = areas.municipalities[successor_key]
    raise AreaRetired(f"{ags}: the recorded successions do not end in a current key")


def _retired(municipality):
    detail = f"{municipality.ags} ({municipality.name}) is no longer a current key and no " \
             "successor is recorded"
    if municipality.retirement_reason is None:
        return AreaRetired(detail, retired_key=municipality.ags)
    return AreaRetired(f"{detail}: {municipality.retirement_reason}",
                       retired_key=municipality.ags, reason=municipality.retirement_reason)


def _known_after(predecessor, successor):
    """The first day an undated succession is known to have happened: the successor's
    first listing, or else the first edition without the predecessor."""
    return successor.valid_from or predecessor.retired_by or predecessor.last_seen


def _candidate_doc(index, ags):
    m = index.areas.municipalities[ags]
    return {"ags": m.ags, "ars": m.ars, "name": m.name,
            "valid_from": m.valid_from.isoformat() if m.valid_from else None,
            "valid_to": m.valid_to.isoformat() if m.valid_to else None}


def _before_it_existed(index, municipality, day):
    """A successor is never answered for a day before it existed: its predecessors were
    competent then (a merger: several), or nothing is known (404)."""
    predecessors = index.areas.predecessors.get(municipality.ags, ())
    what = f"{municipality.ags} ({municipality.name}) exists from " \
           f"{municipality.valid_from.isoformat()}"
    if not predecessors:
        return UnknownArea("municipality on that day", f"{municipality.ags} on {day}",
                           errors=[param_error("at", "query", what)])
    undated = [p for p in predecessors
               if (municipality.ags, None) in index.areas.successors.get(p, ())]
    if undated:
        return _between_editions(index, index.areas.municipalities[undated[0]],
                                 [municipality.ags], day)
    return NeedsMoreInformation(
        f"{what}; on {day} its area belonged to " + ", ".join(predecessors)
        + ": name the municipality of that day",
        errors=[param_error("ags", "query", "choose one of the candidates (the keys valid "
                                            f"on {day})")],
        candidates=[_candidate_doc(index, key) for key in predecessors])


def _between_editions(index, predecessor, successor_keys, day):
    """The change happened on an unknown day between two editions of the Gemeinde-
    verzeichnis, and `day` lies between them: predecessors and successors are candidates."""
    keys = []
    for successor in successor_keys:
        keys += [k for k in index.areas.predecessors.get(successor, (predecessor.ags,))
                 if k not in keys]
    keys += list(successor_keys)
    names = ", ".join(f"{k} ({index.areas.municipalities[k].name})" for k in successor_keys)
    until = _known_after(predecessor, index.areas.municipalities[successor_keys[0]])
    return NeedsMoreInformation(
        f"{predecessor.ags} ({predecessor.name}) was last listed on "
        f"{predecessor.last_seen}, its successor {names} is known only from {until}; the day "
        f"of the change is not known, so {day} cannot be placed",
        errors=[param_error("ags", "query", "choose one of the candidates, or ask about a "
                                            "day outside the window")],
        candidates=[_candidate_doc(index, key) for key in keys])


def competent_offer(index, type_id, municipality, day, reads=None, *, illustrative=True,
                    environment=PRODUCTION, said=NOTHING_SAID):
    """(offer, area key it was found at) or (None, None). Offers of other environments and, without
    `illustrative`, demo offers are left out before the most specific one is searched
    (docs/api-conventions.md, "Filters before resolution": no fallback between environments); so are
    offers the request's jurisdiction context or classification values exclude. If an
    offer anywhere along the chain depends on what the request does not say, the answer is
    the first of two steps (409 naming it): every key of the chain is read, since an offer
    above the most specific one may be the one for this case."""
    offers = index.offers(type_id)
    chain = []
    for key in municipality.chain:
        chain.append((key, [o for o in index.offers_at(offers, type_id, key, reads)
                            if o.environment == environment and o.provider_active
                            and o.valid_on(day) and (illustrative or not o.illustrative)]))
    _ask_for_what_is_missing(index, chain, said)
    for key, valid in chain:
        valid = [o for o in valid if user_attributes.serves(
            o.jurisdiction_context, o.classification, said.context, said.classification)]
        if len(valid) == 1:
            return valid[0], key
        if len(valid) > 1:
            raise AmbiguousOffers(f"{len(valid)} active offers cover {key} on {day}: "
                                  + ", ".join(sorted(o.code for o in valid)),
                                  conflicting_offers=sorted(o.code for o in valid))
    return None, None


def _ask_for_what_is_missing(index, chain, said):
    """409 needs-more-information naming `jurisdiction_context` / `classification` when an
    offer the request could reach depends on it (the DSD's DSD:ERR:0005, same rule)."""
    attributed = [(o.jurisdiction_context, o.classification) for _, valid in chain
                  for o in valid if o.jurisdiction_context or o.classification]
    if not attributed:
        return
    needs_context, concepts = user_attributes.missing(attributed, said.context,
                                                      said.classification)
    if not needs_context and not concepts:
        return
    errors, candidates = [], []
    if needs_context:
        errors.append(param_error("jurisdiction_context", "query",
                                  "required: an offer here depends on what the area stands "
                                  "for; name one of the candidates"))
        candidates += [{"jurisdiction_context": c}
                       for c in sorted({c for c, _ in attributed if c})]
    if concepts:
        errors.append(param_error("classification", "query",
                                  "required for " + ", ".join(concepts) + ": add "
                                  "classification=<concept>:<value> with one of the "
                                  "candidates"))
        candidates += [{"classification": f"{concept}:{value}"} for concept in concepts
                       for value in sorted({v for _, c in attributed
                                            for v in c.get(concept, ())})]
    raise NeedsMoreInformation(
        "the competent offer depends on what the request does not say: "
        + " and ".join(e["name"] for e in errors), errors=errors, candidates=candidates)


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
    if offer.jurisdiction_context:
        doc["jurisdiction_context"] = offer.jurisdiction_context
    if offer.classification:
        doc["classification"] = offer.classification
    return doc


def _answer(index, evidence_type, day, offer, found_at, view):
    return {"evidence_type": evidence_type, "at": day.isoformat(),
            "illustrative": offer.illustrative, "environment": offer.environment,
            "area": _area_doc(index, found_at),
            "provider": {"code": offer.provider, "name": offer.provider_name},
            "offer": offer_doc(offer, view.connection)}


def by_municipality(index, evidence_type, ags, day, view, reads, said=NOTHING_SAID):
    type_id = evidence_type_id(index, evidence_type, reads)
    municipality, note = current_municipality(index, ags, day)
    offer, found_at = competent_offer(index, type_id, municipality, day, reads,
                                      illustrative=view.illustrative,
                                      environment=view.environment, said=said)
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


def by_postcode(index, evidence_type, plz, place, day, view, reads, said=NOTHING_SAID):
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
    # Every municipality the postcode is mapped to counts, retired ones through their
    # successors; one that cannot be resolved on `day` is a candidate without provider, so
    # the postcode is never narrowed to the part that resolves.
    # Where each pair comes from (the shipped table, or a data manager's curation).
    sources = {}
    for ags, _, _, source in rows:
        sources.setdefault(ags, set()).add(source)
    candidates, unresolved, seen = [], [], set()
    for ags, place_name, _, _ in rows:
        if ags in seen:
            continue
        seen.add(ags)
        try:
            municipality, note = current_municipality(index, ags, day)
        except Problem as problem:
            unresolved.append((ags, place_name, problem))
            continue
        if municipality.ags in seen and municipality.ags != ags:
            continue
        seen.add(municipality.ags)
        offer, found_at = competent_offer(index, type_id, municipality, day, reads,
                                          illustrative=view.illustrative,
                                          environment=view.environment, said=said)
        candidates.append((municipality, place_name, offer, found_at, note,
                           sorted(sources[ags])))
    if not candidates and all(isinstance(p, AreaRetired) for _, _, p in unresolved):
        raise AreaRetired(f"postcode {plz} lists only retired municipalities without "
                          "recorded successors")
    distinct = {c[2].code if c[2] else None for c in candidates}
    if not unresolved and distinct == {None}:
        raise NoCompetentProvider(f"no provider of {evidence_type} is competent for any "
                                  f"municipality of postcode {plz} on {day}")
    if unresolved or len(distinct) > 1:
        why = "different competent providers" if len(distinct) > 1 else \
            "a member that cannot be resolved on this day"
        raise NeedsMoreInformation(
            f"PLZ {plz} spans {len(candidates) + len(unresolved)} municipalities with {why}",
            errors=[param_error("plz", "query", "ambiguous; add place (the name of a "
                                "candidate municipality or Ortsteil) to choose")],
            candidates=[{**_municipality_doc(m), "place": place_name, "status": "current",
                         "provider": {"code": o.provider, "name": o.provider_name}
                         if o else None, "sources": pair_sources,
                         **({"resolved_via_successor": note} if note else {})}
                        for m, place_name, o, _, note, pair_sources in candidates]
            + [{"ags": ags, "name": index.areas.municipalities[ags].name
                if ags in index.areas.municipalities else None, "place": place_name,
                "status": "unresolved", "provider": None, "detail": problem.detail,
                "sources": sorted(sources[ags])}
               for ags, place_name, problem in unresolved])
    municipality, _, offer, found_at, _, _ = candidates[0]
    answer = _answer(index, evidence_type, day, offer, found_at, view)
    answer["municipalities"] = [
        {**_municipality_doc(m), "place": p, "sources": pair_sources,
         **({"resolved_via_successor": n} if n else {})}
        for m, p, _, _, n, pair_sources in candidates]
    return answer


# A 409 for an area above the municipality lists at most this many offers (a Land with a
# provider per municipality has thousands); `candidate_count` says how many there are.
MAX_REGION_CANDIDATES = 100


def by_region(index, evidence_type, key, day, view, reads, said=NOTHING_SAID):
    """A Kreis (5 digits), Regierungsbezirk (3) or Land (2) key: every municipality in it that
    is valid on `day` is resolved; one shared offer answers, anything else is a 409 with the
    offers found (and the municipalities without one): never a guess for part of the area."""
    type_id = evidence_type_id(index, evidence_type, reads)
    level = LEVEL_BY_LENGTH[len(key)]
    if index.areas.names.get(key, (None, None))[1] != level:
        raise UnknownArea(level, key)
    groups = {}   # offer code or None -> [offer, {found-at keys}, municipality count]
    for municipality in index.areas.municipalities.values():
        if not municipality.ags.startswith(key) or not municipality.valid_on(day):
            continue
        offer, found_at = competent_offer(index, type_id, municipality, day, reads,
                                          illustrative=view.illustrative,
                                          environment=view.environment, said=said)
        group = groups.setdefault(offer.code if offer else None, [offer, set(), 0])
        group[2] += 1
        if found_at:
            group[1].add(found_at)
    region = _area_doc(index, key)
    if not groups or set(groups) == {None}:
        raise NoCompetentProvider(f"no provider of {evidence_type} is competent for any "
                                  f"municipality of {level} {key} ({region['name']}) on {day}")
    if len(groups) == 1:
        offer, found_at, count = next(iter(groups.values()))
        answer = _answer(index, evidence_type, day, offer,
                         next(iter(found_at)) if len(found_at) == 1 else key, view)
        answer["region"] = {**region, "municipality_count": count}
        return answer
    ranked = sorted(groups.values(), key=lambda g: (-g[2], g[0].code if g[0] else ""))
    raise NeedsMoreInformation(
        f"{level} {key} ({region['name']}): its {sum(g[2] for g in ranked)} municipalities "
        f"lead to {len(ranked)} different answers",
        errors=[param_error("ags", "query", "the offers below this area differ; ask for a "
                                            "municipality (8 digits) or a smaller area")],
        region=region, candidate_count=len(ranked),
        candidates=[{"provider": {"code": o.provider, "name": o.provider_name} if o else None,
                     "offer": o.code if o else None,
                     "areas": [_area_doc(index, k) for k in sorted(found_at)],
                     "municipality_count": count}
                    for o, found_at, count in ranked[:MAX_REGION_CANDIDATES]])
