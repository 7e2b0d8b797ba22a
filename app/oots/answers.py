"""OOTS answers kept per process: the same query asked again is answered from memory, in front of
Flask (`OotsFastPath`), as the competence fast path does for the routing service.

The cache follows the change feed: when the catalogue version moves, the next request that
reaches Flask reads the changes since the cache's cursor and empties the cache only if one of
them can change an OOTS answer (an offer of an evidence type with an OOTS classification, an
organisation such offers name, such an evidence type, an EU requirement, a jurisdiction
context, a code list, reference areas, or anything unknown); token, user, permission,
onboarding … changes leave it as it is. Coarser than the competence index's exact invalidation
(one relevant change empties it all), and enough: the EU's requesters ask far more often than
OOTS data changes. Answers are computed from the primary after the cache has caught up, and one
computed across a relevant change is not kept (`generation`), so a cached answer is never older
than the cache's version."""
import threading
from urllib.parse import parse_qsl

from ..db.pool import get_conn
from ..http.observability import REQUEST_ID_HEADER, request_id_of
from ..record import queries as record_queries
from ..record.freshness import catalogue_version
from ..values.dates import berlin_today
from . import queries, response_signature

PATH = "/rest/search"
MAX_ANSWERS = 20_000
MAX_CHANGES_READ = 5_000
# Collections whose changes never reach an OOTS answer.
UNRELATED = {"tokens", "users", "registrations", "permissions", "permission-checks",
             "onboarding", "fachsynchronisation", "deadlines", "registers", "services"}


class AnswerCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._version, self._cursor, self._answers = None, None, {}
        self.generation = 0

    def get(self, version, key):
        """The answer, if the cache has caught up with `version` and holds one."""
        if version != self._version:
            return None
        return self._answers.get(key)

    def catch_up(self, conn, version):
        """Follow the change feed up to now; returns the generation answers computed next
        belong to."""
        with self._lock:
            if version == self._version:
                return self.generation
            changes = self._changes(conn)
            if changes is None or any(_reaches_answers(conn, c) for c in changes):
                self._answers, self.generation = {}, self.generation + 1
            self._version = version
            return self.generation

    def _changes(self, conn):
        """The changes since the cursor (None: start afresh — first use, a gap, too many)."""
        cursor, self._cursor = self._cursor, record_queries.feed_cursor(conn)
        if cursor is None:
            return None
        position, audit_id = cursor
        if position and record_queries.audit_id_at(conn, position) != audit_id:
            return None
        changes = record_queries.changes_after(conn, position, MAX_CHANGES_READ + 1)
        if len(changes) > MAX_CHANGES_READ:
            return None
        if changes:
            self._cursor = (changes[-1]["position"], changes[-1]["id"])
        return changes

    def put(self, generation, key, answer):
        with self._lock:
            if generation != self.generation:
                return  # computed across a change that empties the cache
            if len(self._answers) >= MAX_ANSWERS:
                self._answers.clear()
            self._answers[key] = answer


def _reaches_answers(conn, change):
    collection = change["collection"]
    documents = [d for d in (change["before"], change["after"]) if d]
    if collection in UNRELATED:
        return False
    if collection == "offers":
        types = {d.get("evidence_type") for d in documents}
        return None in types or queries.any_oots_evidence_type(conn, types)
    if collection == "evidence-types":
        return any(d.get("oots_classification_uri") for d in documents)
    if collection == "organisations":
        return queries.organisation_in_oots(conn, change["object_code"])
    return True   # EU requirements, jurisdiction contexts, areas, anything new


answers = AnswerCache()


def cache_key(pairs, accept_version):
    """The query as the cache knows it: the same parameters in any order, asked in the same
    version, are one query."""
    return (berlin_today(), (accept_version or "").strip(), tuple(sorted(pairs)))


def version(app, conn_factory):
    """The catalogue version the caches follow (this process's follower, or a read)."""
    config = app.config
    return catalogue_version.current(conn_factory, config["CACHE_POLL_SECONDS"],
                                     config["DATABASE_URL"], config["DATABASE_REPLICA_URL"])


class OotsFastPath:
    """GET /rest/search answered from `answers` when this process has answered the same
    query for the current catalogue version; anything else goes on to Flask."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        # Loaded here, so that a key and chain that do not belong together stop the start.
        app.extensions["oots_signer"] = response_signature.load_signer(
            app.config["OOTS_SIGNING_KEY"], app.config["OOTS_SIGNING_CHAIN"])
        self.polling = app.config["CACHE_POLL_SECONDS"] > 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET":
            pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            found = answers.get(self._version(),
                                cache_key(pairs, environ.get("HTTP_ACCEPT_VERSION")))
            if found is not None:
                status, body, media_type, signature = found
                start_response(_STATUS_LINES[status], [
                    ("Content-Type", media_type),
                    ("Content-Length", str(len(body))),
                    (REQUEST_ID_HEADER, request_id_of(environ)), *signature])
                return [body]
        return self.wsgi_app(environ, start_response)


    def _version(self):
        if self.polling:
            return version(self.app, None)
        # Checking on every request (tests): ask the database, as the Flask view does.
        with self.app.app_context():
            return version(self.app, get_conn)


_STATUS_LINES = {200: "200 OK", 400: "400 BAD REQUEST", 404: "404 NOT FOUND"}
