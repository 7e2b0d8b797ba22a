"""One lookup, as single requests, batches and snapshots share it: parameters in, an
outcome out (an answer document, or the problem that explains why there is none)."""
import hashlib
import json
import re
from datetime import date

from ..dates import berlin_today
from ..errors import InvalidParameter, Problem
from ..folding import fold
from . import resolve

_PATTERNS = {"ags": re.compile(r"^[0-9]{8}$"), "ars": re.compile(r"^[0-9]{12}$"),
             "plz": re.compile(r"^[0-9]{5}$")}
_CODE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,79}$")
BATCH_FIELDS = {"evidence_type", "ags", "ars", "plz", "place", "at", "ref"}


class Outcome:
    """A finished answer: the JSON bytes and their ETag, or the problem to raise."""
    __slots__ = ("body", "etag", "problem", "document")

    def __init__(self, document=None, problem=None):
        self.document, self.problem = document, problem
        if document is not None:
            self.body = json.dumps(document, ensure_ascii=False, separators=(",", ":")
                                   ).encode()
            self.etag = hashlib.sha1(self.body).hexdigest()[:32]
        else:
            self.body = self.etag = None


def _key(evidence_type, kind, value, place, day, with_connection):
    return (evidence_type, kind, value, fold(place) if place else None, day, with_connection)


def cached_outcome(index, evidence_type, kind, value, place, day, with_connection):
    """The outcome if this process has computed it already, else None."""
    return index.answers.get(_key(evidence_type, kind, value, place, day, with_connection))


def outcome(index, evidence_type, kind, value, place, day, with_connection):
    """The cached outcome of one lookup (computed on first use)."""
    key = _key(evidence_type, kind, value, place, day, with_connection)
    found = index.answers.get(key)
    if found is None:
        try:
            found = Outcome(document=_resolve(index, evidence_type, kind, value, place, day,
                                              with_connection))
        except Problem as problem:
            found = Outcome(problem=problem)
        index.remember(key, found)
    return found


def _resolve(index, evidence_type, kind, value, place, day, with_connection):
    if kind == "plz":
        return resolve.by_postcode(index, evidence_type, value, place, day, with_connection)
    ags = resolve.ags_for_ars(index, value) if kind == "ars" else value
    return resolve.by_municipality(index, evidence_type, ags, day, with_connection)


QUERY_FIELDS = ("evidence_type", "ags", "ars", "plz", "place", "at")


def parse_query(args):
    """(evidence_type, kind, value, place, day) from a query string, strictly: unknown or
    repeated parameters are 400s like everywhere else. Hand-written rather than a schema,
    because this is the routing service's hot path."""
    for name in args.keys():
        if name not in QUERY_FIELDS:
            raise _invalid(name, "unknown parameter", "query")
        if len(args.getlist(name)) > 1:
            raise _invalid(name, "given more than once", "query")
    return parse_lookup(args.to_dict(), default_type=None, default_day=None, location="query")


def parse_batch_item(raw, default_type, default_day):
    """(evidence_type, kind, value, place, day) of one batch lookup, or a 400 Problem."""
    if not isinstance(raw, dict):
        raise _invalid("lookup", "must be an object")
    unknown = set(raw) - BATCH_FIELDS
    if unknown:
        raise _invalid(sorted(unknown)[0], "unknown field")
    return parse_lookup(raw, default_type=default_type, default_day=default_day)


def parse_lookup(raw, *, default_type, default_day, location="body"):
    evidence_type = raw.get("evidence_type", default_type)
    if not isinstance(evidence_type, str) or not _CODE.match(evidence_type):
        raise _invalid("evidence_type", "missing or malformed", location)
    given = [k for k in _PATTERNS if k in raw]
    if len(given) != 1:
        detail = "give exactly one of ags, ars, plz"
        raise _invalid(given or list(_PATTERNS), detail, location)
    kind = given[0]
    value = raw[kind]
    if not isinstance(value, str) or not _PATTERNS[kind].match(value):
        raise _invalid(kind, {"ags": "8 digits", "ars": "12 digits", "plz": "5 digits"}[kind],
                       location)
    place = raw.get("place")
    if place is not None and (kind != "plz" or not isinstance(place, str)
                              or not 0 < len(place) <= 100 or "\x00" in place):
        raise _invalid("place", "a place name, only together with plz", location)
    day = default_day
    if raw.get("at") is not None:
        day = parse_day(raw["at"], "at", location)
    return evidence_type, kind, value, place, day or berlin_today()


def parse_day(text, name, location="body"):
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _invalid(name, "a date as YYYY-MM-DD", location) from None


def _invalid(names, detail, location="body"):
    return InvalidParameter(names, location, detail)
