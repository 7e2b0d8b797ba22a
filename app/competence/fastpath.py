"""The routing service's hot path: a competence lookup that is already answered in this
process's index is served here, in front of Flask, as plain WSGI.

Anything else - a first lookup, a problem answer, an unknown token, a malformed query - falls
through to the Flask view, which answers (and fills the caches) with the full machinery. Both
produce the same bytes and headers; tests/test_competence_fastpath.py holds them to it.
"""
import time
from urllib.parse import parse_qsl

from ..access.auth import cached_actor
from ..http.observability import (
    REQUEST_ID_HEADER,
    SERVED_BY_HEADER,
    new_request_id,
    sane_request_id,
    series_for,
    served_by,
)
from ..record.replica import edge_version
from . import answer, parameters
from .index import holder

PATH = "/api/v1/competence"
_STATUS_LINES = {200: "200 OK", 304: "304 NOT MODIFIED"}  # the statuses answer.rendered gives


class CompetenceFastPath:
    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.served_by = served_by() if app.config["SERVED_BY_HEADER"] else None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET":
            started = time.perf_counter()
            answered = self._answer(environ, start_response, started)
            if answered is not None:
                return answered
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, start_response, started):
        pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        raw = dict(pairs)
        if len(raw) != len(pairs) or not raw.keys() <= set(parameters.QUERY_FIELDS):
            return None
        try:
            lookup = parameters.parse_lookup(raw, default_type=None, default_day=None,
                                             location="query")
        except Exception:
            return None
        version = edge_version(self.app)
        if version is None:
            return None
        actor = cached_actor(version, environ.get("HTTP_AUTHORIZATION"))
        index = holder.current(version)
        if actor is None or index is None:
            return None
        try:
            view = answer.view(actor, lookup, self.app.config["REGMAP_ROUTING_ILLUSTRATIVE"])
        except Exception:
            return None  # e.g. a token bound to another environment: Flask says why
        outcome = answer.cached_outcome(index, lookup, view)
        if outcome is None or outcome.problem is not None:
            return None
        if_none_match = environ.get("HTTP_IF_NONE_MATCH", "")
        if "*" in if_none_match or "W/" in if_none_match:
            return None  # rare forms: let werkzeug's parser decide
        status, headers, body = answer.rendered(
            outcome, view.connection, lambda etag: f'"{etag}"' in if_none_match)
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        headers[REQUEST_ID_HEADER] = incoming if sane_request_id(incoming) \
            else new_request_id()
        if self.served_by:
            headers[SERVED_BY_HEADER] = self.served_by
        start_response(_STATUS_LINES[status], list(headers.items()))
        counter, latency = series_for("GET", PATH, status)
        counter.inc()
        latency.observe(time.perf_counter() - started)
        return [body]
