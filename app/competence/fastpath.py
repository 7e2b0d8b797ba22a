"""The routing service's and the Vermittlungsstelle's hot paths, in front of Flask as plain
WSGI: a competence lookup already answered in this process's index, and a permission check
the permission index can decide.

An index behind the catalogue (after a write) is brought forward here. Anything else - a
first lookup, a problem answer, an unknown token, a malformed query, a database that cannot
be read - falls through to the Flask view, which answers with the full machinery. Both
entrances produce the same bytes and headers; tests/test_competence_fastpath.py and
tests/test_permission_fastpath.py hold them to it.
"""
import re
import time
from datetime import date
from urllib.parse import parse_qsl

from ..access import environments
from ..access.auth import edge_actor
from ..access.policy import may_check_permissions
from ..http.observability import (
    REQUEST_ID_HEADER,
    SERVED_BY_HEADER,
    observe_answer,
    request_id_of,
    served_by,
)
from ..record.replica import edge_version, read_conn
from ..values.dates import berlin_today
from ..values.identifiers import CODE, anchored
from . import answer, check_log, parameters, permission_check
from .index import holder
from .permission_index import holder as permission_holder

PATH = "/api/v1/competence"
_QUERY_FIELDS = frozenset(parameters.QUERY_FIELDS)
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
        lookup = _parsed_lookup(environ.get("QUERY_STRING", ""))
        if lookup is None:
            return None
        version = edge_version(self.app)
        if version is None:
            return None
        actor = edge_actor(self.app, environ.get("HTTP_AUTHORIZATION"))
        index = holder.current(version) or _brought_forward(self.app, holder)
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
        headers[REQUEST_ID_HEADER] = request_id_of(environ)
        if self.served_by:
            headers[SERVED_BY_HEADER] = self.served_by
        start_response(_STATUS_LINES[status], list(headers.items()))
        observe_answer("GET", PATH, status, started)
        return [body]


def _brought_forward(app, index_holder):
    """The index brought to the catalogue's version here, when it is behind (after a
    write): the request waits for the thread already reading the feed, if one is, and is
    answered here. Passing through Flask instead would cost every request in flight a Flask
    pass after every write. None when the database cannot be read: Flask says so."""
    if not index_holder.built:
        return None  # a worker's first lookup: Flask builds the index
    try:
        with app.app_context():
            return index_holder.get(read_conn, app.config)
    except Exception:  # noqa: BLE001 - Flask answers with the full machinery
        return None


# Query strings already parsed in this process -> (Lookup, whether `at` was given). The
# routing service asks the same few thousand questions again and again; parsing is a fifth of
# an answer. Emptied when full.
_PARSED_LIMIT = 20_000
_parsed = {}


def _parsed_lookup(query):
    """The Lookup of a query string in the plain form (each parameter once and valid), else
    None: the Flask view's schema judges anything else. A lookup without `at` is for today."""
    found = _parsed.get(query)
    if found is not None:
        lookup, dated = found
        if dated or lookup.day == berlin_today():
            return lookup
    pairs = parse_qsl(query, keep_blank_values=True)
    raw = dict(pairs)
    if len(raw) != len(pairs) or not raw.keys() <= _QUERY_FIELDS:
        return None
    try:
        lookup = parameters.parse_lookup(raw, default_type=None, default_day=None,
                                         location="query")
    except Exception:
        return None
    if len(_parsed) >= _PARSED_LIMIT:
        _parsed.clear()
    _parsed[query] = (lookup, "at" in raw)
    return lookup


CHECK_PATH = "/api/v1/permissions/check"
_CHECK_FIELDS = frozenset({"consumer", "service", "evidence_type", "provider", "at",
                           "environment"})
_REQUIRED = ("consumer", "service", "evidence_type")
_CODE = re.compile(anchored(CODE))
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class PermissionCheckFastPath:
    """/permissions/check from the permission index, logged through the check log's buffer
    (so it is served here only while the log is buffered)."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.served_by = served_by() if app.config["SERVED_BY_HEADER"] else None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == CHECK_PATH and environ.get("REQUEST_METHOD") == "GET":
            started = time.perf_counter()
            answered = self._answer(environ, start_response, started)
            if answered is not None:
                return answered
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, start_response, started):
        args = _check_args(environ.get("QUERY_STRING", ""))
        take = check_log.taker(self.app)
        if args is None or take is None:
            return None
        version = edge_version(self.app)
        if version is None:
            return None
        actor = edge_actor(self.app, environ.get("HTTP_AUTHORIZATION"))
        index = permission_holder.current(version) or _brought_forward(self.app,
                                                                       permission_holder)
        if actor is None or index is None or not may_check_permissions(actor):
            return None
        try:
            environment = environments.chosen(args.get("environment"), actor.environment)
            decision = permission_check.check(index, args, environment)
        except Exception:
            return None  # a token bound elsewhere, an unknown code: Flask says why
        request_id = request_id_of(environ)
        take(permission_check.log_entry(actor, args, decision, request_id))
        headers, body = permission_check.rendered(decision)
        headers[REQUEST_ID_HEADER] = request_id
        if self.served_by:
            headers[SERVED_BY_HEADER] = self.served_by
        start_response("200 OK", list(headers.items()))
        observe_answer("GET", CHECK_PATH, 200, started)
        return [body]


def _check_args(query):
    """The check's parameters if they are in the plain form (each once, codes and day well
    formed); None for anything the Flask view's schema must judge."""
    pairs = parse_qsl(query, keep_blank_values=True)
    args = dict(pairs)
    if len(args) != len(pairs) or not args.keys() <= _CHECK_FIELDS \
            or not all(name in args for name in _REQUIRED):
        return None
    for name in ("consumer", "service", "evidence_type", "provider"):
        if name in args and not _CODE.fullmatch(args[name]):
            return None
    if "at" in args:
        if not _DAY.fullmatch(args["at"]):
            return None
        try:
            args["at"] = date.fromisoformat(args["at"])
        except ValueError:
            return None
    return args
