"""One competence answer, for both entrances (the WSGI fast path and the Flask view) and
for batch items: parameters in, an outcome out (an answer document, or the problem that
explains why there is none), and the one rendering of a found answer as status, headers
and body."""
import hashlib
import json

from ..access.policy import sees_connection_parameters
from ..errors import Problem
from ..folding import fold
from . import resolve
from .reads import Reads

JSON = "application/json"


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


def with_connection(actor):
    """Answers for this actor carry connection parameters (policy: routing, curators)."""
    return sees_connection_parameters(actor)


def _key(evidence_type, kind, value, place, day, connection):
    return (evidence_type, kind, value, fold(place) if place else None, day, connection)


def cached_outcome(index, evidence_type, kind, value, place, day, connection):
    """The outcome if this process has computed it already, else None."""
    return index.answers.get(_key(evidence_type, kind, value, place, day, connection))


def outcome(index, evidence_type, kind, value, place, day, connection):
    """The cached outcome of one lookup (computed on first use)."""
    key = _key(evidence_type, kind, value, place, day, connection)
    found = index.answers.get(key)
    if found is None:
        generation, reads = index.generation, Reads()
        try:
            found = Outcome(document=_resolve(index, evidence_type, kind, value, place, day,
                                              connection, reads))
        except Problem as problem:
            found = Outcome(problem=problem)
        index.remember(key, found, reads, generation)
    return found


def _resolve(index, evidence_type, kind, value, place, day, connection, reads):
    if kind == "plz":
        return resolve.by_postcode(index, evidence_type, value, place, day, connection, reads)
    ags = resolve.ags_for_ars(index, value) if kind == "ars" else value
    return resolve.by_municipality(index, evidence_type, ags, day, connection, reads)


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
