"""The lookup parameters, declared once: the hand-written parser of the hot path, the batch
items and the OpenAPI description all come from LOOKUP_PARAMETERS.

Parsed by hand rather than by a schema, because this is the routing service's hot path;
strict all the same: unknown or repeated parameters are 400s like everywhere else.
"""
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ..access import environments
from ..http.errors import InvalidParameter
from ..values import identifiers
from ..values.dates import berlin_today


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    pattern: str | None = None     # identifiers.* (unanchored)
    expected: str | None = None    # what a malformed value should have looked like
    required: bool = False
    format: str | None = None


LOOKUP_PARAMETERS = (
    Parameter("evidence_type", "evidence type code (evidence_type or leika, or both)",
              identifiers.CODE, "missing or malformed"),
    Parameter("leika", "Leistungsschlüssel (LeiKa key, 14 digits) of a service: resolves the "
              "evidence type its requirements name; a service needing several answers 409 "
              "listing them (then add evidence_type)", identifiers.LEISTUNGSSCHLUESSEL,
              "14 digits"),
    Parameter("ags", "AGS of a municipality (8 digits), or the key of a Kreis (5), "
              "Regierungsbezirk (3) or Land (2), answered when every municipality in it has "
              "the same competent offer, else 409 with the candidates (exactly one of ags, "
              "ars, plz)", identifiers.AGS_OR_ABOVE, "8, 5, 3 or 2 digits"),
    Parameter("ars", "12-digit ARS", identifiers.ARS, "12 digits"),
    Parameter("plz", "5-digit postcode", identifiers.PLZ, "5 digits"),
    Parameter("place", "with plz: the place name (folded match)"),
    Parameter("at", "reference date (default: today, Europe/Berlin)", format="date"),
    Parameter("illustrative", "false: real offers only, filtered before resolution (a real "
              "Kreis offer answers where only illustrative municipality offers exist). "
              "Default true; for routing tokens REGMAP_ROUTING_ILLUSTRATIVE decides",
              "true|false", "true or false"),
    Parameter("environment", environments.DESCRIPTION, "|".join(environments.ENVIRONMENTS),
              " or ".join(environments.ENVIRONMENTS)),
    Parameter("jurisdiction_context", "what the area stands for, e.g. place-of-birth: needed "
              "when an offer depends on it (409 needs-more-information names it)",
              identifiers.CODE, "a jurisdiction context code"),
    Parameter("classification", "<concept>:<value>, a provider-classification value (e.g. "
              "countryresidence:ApplicantHasNeverBeenResidentInGermany): needed when an offer "
              "depends on the concept (409 names it); the one parameter that may repeat, once "
              "per concept", identifiers.CLASSIFICATION_VALUE, "<concept code>:<value>"),
)
# The one parameter that may be given more than once (once per classification concept).
REPEATABLE = "classification"
BY_NAME = {p.name: p for p in LOOKUP_PARAMETERS}
QUERY_FIELDS = tuple(BY_NAME)
AREA_INPUTS = ("ags", "ars", "plz")
# A batch item may carry a caller's reference besides the lookup parameters.
BATCH_FIELDS = set(QUERY_FIELDS) | {"ref"}
_MATCHES = {p.name: identifiers.matcher(p.pattern) for p in LOOKUP_PARAMETERS if p.pattern}


def openapi_parameters():
    """The query parameters of GET /competence for the OpenAPI document."""
    described = []
    for p in LOOKUP_PARAMETERS:
        schema = {"type": "string"}
        if p.pattern:
            schema["pattern"] = identifiers.anchored(p.pattern)
        if p.format:
            schema["format"] = p.format
        if p.name == REPEATABLE:
            schema = {"type": "array", "items": schema, "maxItems": 10}
        described.append({"in": "query", "name": p.name, "required": p.required,
                          "description": p.description, "schema": schema})
    return described


class Lookup(NamedTuple):
    """One parsed lookup. `illustrative`, `environment`: None where the caller did not say
    (the actor's default applies, answer.view). `evidence_type` is None when a `leika`
    (Leistungsschlüssel) is to decide it."""
    evidence_type: str | None
    kind: str
    value: str
    place: str | None
    day: date
    illustrative: bool | None
    environment: str | None = None
    leika: str | None = None
    # What the user says about the case (catalog/user_attributes.py): a jurisdiction context
    # code, and classification values as sorted ((concept, value), ...).
    context: str | None = None
    classification: tuple = ()


def parse_query(args):
    """A Lookup from a query string (a MultiDict)."""
    for name in args.keys():
        if name not in BY_NAME:
            raise _invalid(name, "unknown parameter", "query")
        if len(args.getlist(name)) > 1 and name != REPEATABLE:
            raise _invalid(name, "given more than once", "query")
    raw = args.to_dict()
    if REPEATABLE in raw:
        raw[REPEATABLE] = args.getlist(REPEATABLE)
    return parse_lookup(raw, default_type=None, default_day=None, location="query")


def parse_batch_item(raw, default_type, default_day):
    """The Lookup of one batch item, or a 400 Problem."""
    if not isinstance(raw, dict):
        raise _invalid("lookup", "must be an object")
    unknown = set(raw) - BATCH_FIELDS
    if unknown:
        raise _invalid(sorted(unknown)[0], "unknown field")
    return parse_lookup(raw, default_type=default_type, default_day=default_day)


def parse_lookup(raw, *, default_type, default_day, location="body"):
    evidence_type, leika = raw.get("evidence_type", default_type), raw.get("leika")
    if evidence_type is None and leika is None:
        raise _invalid(["evidence_type", "leika"], "give evidence_type or leika", location)
    for name, value in (("evidence_type", evidence_type), ("leika", leika)):
        if value is not None and (not isinstance(value, str) or not _MATCHES[name](value)):
            raise _invalid(name, BY_NAME[name].expected, location)
    given = [k for k in AREA_INPUTS if k in raw]
    if len(given) != 1:
        raise _invalid(given or list(AREA_INPUTS), "give exactly one of ags, ars, plz",
                       location)
    kind = given[0]
    value = raw[kind]
    if not isinstance(value, str) or not _MATCHES[kind](value):
        raise _invalid(kind, BY_NAME[kind].expected, location)
    place = raw.get("place")
    if place is not None and (kind != "plz" or not isinstance(place, str)
                              or not 0 < len(place) <= 100 or "\x00" in place):
        raise _invalid("place", "a place name, only together with plz", location)
    day = default_day
    if raw.get("at") is not None:
        day = parse_day(raw["at"], "at", location)
    environment = raw.get("environment")
    if environment is not None and environment not in environments.ENVIRONMENTS:
        raise _invalid("environment", BY_NAME["environment"].expected, location)
    context = raw.get("jurisdiction_context")
    if context is not None and (not isinstance(context, str)
                                or not _MATCHES["jurisdiction_context"](context)):
        raise _invalid("jurisdiction_context", BY_NAME["jurisdiction_context"].expected,
                       location)
    return Lookup(evidence_type, kind, value, place, day or berlin_today(),
                  _flag(raw.get("illustrative"), "illustrative", location), environment, leika,
                  context, _classification(raw.get(REPEATABLE), location))


def _classification(raw, location):
    """((concept, value), ...) sorted, from one `<concept>:<value>` or a list of them."""
    if raw is None:
        return ()
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not 0 < len(values) <= 10 or not all(
            isinstance(v, str) and _MATCHES[REPEATABLE](v) for v in values):
        raise _invalid(REPEATABLE, BY_NAME[REPEATABLE].expected, location)
    pairs = [tuple(v.split(":", 1)) for v in values]
    if len({concept for concept, _ in pairs}) != len(pairs):
        raise _invalid(REPEATABLE, "one value per concept", location)
    return tuple(sorted(pairs))


def _flag(raw, name, location):
    """true/false as a query string or a JSON boolean; None when absent."""
    if raw is None or isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    raise _invalid(name, BY_NAME[name].expected, location)


def parse_day(text, name, location="body"):
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid(name, "a date as YYYY-MM-DD", location) from None


def _invalid(names, detail, location="body"):
    return InvalidParameter(names, location, detail)
