"""One competence answer, for both entrances (the WSGI fast path and the Flask view) and
for batch items: parameters in, an outcome out (an answer document, or the problem that
explains why there is none), and the one rendering of a found answer as status, headers
and body."""
import hashlib
import json
from typing import NamedTuple

from ..access import environments
from ..access.environments import PRODUCTION
from ..access.policy import sees_connection_parameters, sees_illustrative_offers
from ..http.errors import Problem
from ..values.folding import fold
from . import resolve
from .reads import Reads

JSON = "application/json"
MUNICIPALITY_KEY_LENGTH = 8


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


class View(NamedTuple):
    """What an answer shows its caller; part of every cache key."""
    connection: bool      # connection parameters (policy: routing, curators)
    illustrative: bool    # illustrative offers take part in resolution
    environment: str = PRODUCTION  # only this environment's offers take part


def view(actor, lookup, routing_illustrative):
    """The view of `lookup` for `actor`; `routing_illustrative`: the configured default of
    routing tokens (REGMAP_ROUTING_ILLUSTRATIVE). A token bound to another environment than
    the one asked about is a 403 (environments.chosen)."""
    return view_of(actor, lookup.illustrative, lookup.environment, routing_illustrative)


def view_of(actor, illustrative, environment, routing_illustrative):
    """The view for `actor` of answers asked with `illustrative=` and `environment=` (None:
    not given); `view` for a lookup, and the snapshot's rows."""
    return View(sees_connection_parameters(actor),
                sees_illustrative_offers(actor, illustrative, routing_illustrative),
                environments.chosen(environment, actor.environment))


def _key(lookup, view):
    return (lookup.evidence_type, lookup.kind, lookup.value,
            fold(lookup.place) if lookup.place else None, lookup.day, view, lookup.leika,
            lookup.context, lookup.classification)


def cached_outcome(index, lookup, view):
    """The outcome if this process has computed it already, else None."""
    return index.answers.get(_key(lookup, view))


def outcome(index, lookup, view):
    """The cached outcome of one lookup (computed on first use)."""
    key = _key(lookup, view)
    found = index.answers.get(key)
    if found is None:
        generation, reads = index.generation, Reads()
        try:
            found = Outcome(document=_resolve(index, lookup, view, reads))
        except Problem as problem:
            found = Outcome(problem=problem)
        index.remember(key, found, reads, generation)
    return found


def _resolve(index, lookup, view, reads):
    if lookup.leika is None:
        return _resolve_area(index, lookup.evidence_type, lookup, view, reads)
    evidence_type, service = resolve.evidence_type_for_leika(index, lookup.leika,
                                                             lookup.evidence_type, reads)
    return {**_resolve_area(index, evidence_type, lookup, view, reads),
            "service": {"code": service, "leistungsschluessel": lookup.leika}}


def _resolve_area(index, evidence_type, lookup, view, reads):
    resolve.ensure_area_data_covers(index, lookup.day)
    said = resolve.Said(lookup.context, dict(lookup.classification))
    if lookup.kind == "plz":
        return resolve.by_postcode(index, evidence_type, lookup.value, lookup.place,
                                   lookup.day, view, reads, said)
    if lookup.kind == "ags" and len(lookup.value) != MUNICIPALITY_KEY_LENGTH:
        return resolve.by_region(index, evidence_type, lookup.value, lookup.day, view, reads,
                                 said)
    ags = resolve.ags_for_ars(index, lookup.value) if lookup.kind == "ars" else lookup.value
    return resolve.by_municipality(index, evidence_type, ags, lookup.day, view, reads, said)


def rendered(outcome, connection, client_has):
    """(status, headers, body) of a found answer: 200 with the JSON, or 304 when
    `client_has(etag)` (If-None-Match). Revalidated every time: cheap with the ETag, and
    never stale; answers with connection parameters are private to their caller."""
    headers = {"ETag": f'"{outcome.etag}"', "Vary": "Authorization",
               "Cache-Control": "private, no-cache" if connection else "no-cache"}
    if client_has(outcome.etag):
        return 304, headers, b""
    return 200, {"Content-Type": JSON, "Content-Length": str(len(outcome.body)), **headers}, \
        outcome.body
