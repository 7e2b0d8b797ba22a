"""OOTS answers kept per catalogue version: the same query asked again while nothing in the
catalogue changed (and on the same Berlin day: validity is by day) is answered from memory,
in front of Flask (`OotsFastPath`) — as the competence fast path does for the routing service.
Any committed change (the change feed's version) starts a new, empty cache: coarser than the
competence index's exact invalidation, and enough, since the EU's requesters ask far more
often than the catalogue changes."""
import threading
from urllib.parse import parse_qsl

from ..dates import berlin_today
from ..observability import REQUEST_ID_HEADER, new_request_id, sane_request_id
from ..record.freshness import catalogue_version

PATH = "/rest/search"
MAX_ANSWERS = 20_000


class AnswerCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._version, self._answers = None, {}

    def get(self, version, key):
        if version != self._version:
            return None
        return self._answers.get(key)

    def put(self, version, key, answer):
        with self._lock:
            if version != self._version:
                self._version, self._answers = version, {}
            if len(self._answers) >= MAX_ANSWERS:
                self._answers.clear()
            self._answers[key] = answer


answers = AnswerCache()


def cache_key(pairs):
    """The query as the cache knows it: the same parameters in any order are one query."""
    return (berlin_today(), tuple(sorted(pairs)))


def version(app, conn_factory):
    config = app.config
    return catalogue_version.current(conn_factory, config["CACHE_POLL_SECONDS"],
                                     config["DATABASE_URL"], config["DATABASE_REPLICA_URL"])


class OotsFastPath:
    """GET /rest/search answered from `answers` when this process has answered the same
    query for the current catalogue version; anything else goes on to Flask."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.polling = app.config["CACHE_POLL_SECONDS"] > 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET":
            pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            found = answers.get(self._version(), cache_key(pairs))
            if found is not None:
                status, body = found
                incoming = environ.get("HTTP_X_REQUEST_ID", "")
                start_response(_STATUS_LINES[status], [
                    ("Content-Type", "application/xml; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    (REQUEST_ID_HEADER, incoming if sane_request_id(incoming)
                     else new_request_id())])
                return [body]
        return self.wsgi_app(environ, start_response)


    def _version(self):
        if self.polling:
            return version(self.app, None)
        # Checking on every request (tests): ask the database, as the Flask view does.
        with self.app.app_context():
            from ..db import get_conn
            return version(self.app, get_conn)


_STATUS_LINES = {200: "200 OK", 400: "400 BAD REQUEST", 404: "404 NOT FOUND"}
