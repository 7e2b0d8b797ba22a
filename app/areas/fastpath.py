"""The area reads a consumer makes to turn an address into a key (`/municipalities/{key}`,
`/areas/{key}`, `/postcodes/{plz}`), answered in front of Flask from the answers Flask gave.

Flask renders each document once; this process keeps its bytes and headers (and those of
its 304) and serves them again until an area change reaches the change feed ("areas" and
"postcodes": imports, successions, curations; a gap in the feed counts as one) or the Berlin
day turns (a document says what is current today). Changes of anything else leave the
answers in place. A rendering that a change overtook is not kept (the generation check), so
nothing older than the feed is served. The documents are public and the same for every
caller (the Flask views read no token either). Anything unusual - a query string, a weak
or `*` If-None-Match, a problem answer - is Flask's, every time.
"""
import os
import re
import threading
import time
import weakref
from contextlib import contextmanager

import psycopg
from prometheus_client import Counter
from psycopg.rows import dict_row

from ..db.pool import read_database_url
from ..http.observability import (
    REQUEST_ID_HEADER,
    SERVED_BY_HEADER,
    observe_answer,
    request_id_of,
    served_by,
)
from ..record import feed
from ..record.replica import edge_version
from ..values.dates import berlin_today

PATH = re.compile(r"/api/v1/(municipalities|areas|postcodes)/[^/]+")
# Metric labels as the Flask routes name them (observability.route_label).
_LABELS = {"municipalities": "/api/v1/municipalities/<key>", "areas": "/api/v1/areas/<key>",
           "postcodes": "/api/v1/postcodes/<plz>"}
AREA_COLLECTIONS = frozenset({"areas", "postcodes"})  # the feed's names for area writes
MAX_ANSWERS = 60_000           # every key of the Republic, with room (about 1 kB each)
MAX_CHANGES_FOLLOWED = 5_000
FEED_READ_TIMEOUT = 0.5  # seconds to wait for the pool (tests); then Flask answers
DROPPED = Counter("regmap_area_answers_dropped_total",
                  "Times a process dropped its kept area answers (an area change, a gap in the "
                  "feed, a new day)")
_PER_REQUEST = frozenset({REQUEST_ID_HEADER.lower(), SERVED_BY_HEADER.lower()})
_PERSONAL = frozenset({"vary", "set-cookie"})


class _Answer:
    __slots__ = ("status", "headers", "body", "quoted_etag", "not_modified")

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self.quoted_etag = dict((k.lower(), v) for k, v in headers).get("etag")
        self.not_modified = None   # Flask's 304 headers, once it gave one


class AreaReadFastPath:
    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.served_by = served_by() if app.config["SERVED_BY_HEADER"] else None
        self._answers = {}
        self._stamp = None        # (catalogue version, Berlin day) the answers are current at
        self._cursor = None       # how far the feed has been read
        self._generation = 0      # advances whenever the answers are dropped
        self._lock = threading.Lock()
        self._own = None          # (pid, connection) the feed is read on, when served

    def forget(self):
        """Drop every kept answer (the next read of each is Flask's)."""
        with self._lock:
            self._generation += 1
            self._answers = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING") \
                and PATH.fullmatch(path):
            answered = self._answer(environ, start_response, path)
            if answered is not None:
                return answered
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ, start_response, path):
        started = time.perf_counter()
        version = edge_version(self.app)  # the documents are public: no token is read
        if version is None:
            return None
        generation = self._current(version)
        if generation is None:
            return None
        if_none_match = environ.get("HTTP_IF_NONE_MATCH", "")
        if "*" in if_none_match or "W/" in if_none_match:
            return None  # rare forms: let werkzeug's parser decide
        found = self._answers.get(path)
        if found is None:
            return self._through_flask(environ, start_response, path, generation)
        if found.quoted_etag and found.quoted_etag in if_none_match:
            if found.not_modified is None:
                return self._through_flask(environ, start_response, path, generation)
            status, headers, body = "304 NOT MODIFIED", found.not_modified, b""
        else:
            status, headers, body = found.status, found.headers, found.body
        start_response(status, self._with_request_headers(environ, headers))
        observe_answer("GET", _LABELS[path.split("/")[3]], int(status[:3]), started)
        return [body]

    def _with_request_headers(self, environ, headers):
        own = [(REQUEST_ID_HEADER, request_id_of(environ))]
        if self.served_by:
            own.append((SERVED_BY_HEADER, self.served_by))
        return [*headers, *own]

    def _through_flask(self, environ, start_response, path, generation):
        """Flask answers; a 200 (or the 304 of a kept answer) is kept for the next time."""
        said = {}

        def capture(status, headers, exc_info=None):
            said["status"], said["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, capture)
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        kept = [(k, v) for k, v in said.get("headers", ()) if k.lower() not in _PER_REQUEST]
        # An answer that varies with the request (Vary) or sets a cookie is not the same
        # for every caller: such an answer is never kept.
        if any(k.lower() in _PERSONAL for k, _ in kept) or generation != self._generation:
            return [body]
        status = said.get("status", "")
        if status.startswith("200") and len(self._answers) < MAX_ANSWERS:
            self._answers[path] = _Answer(status, kept, body)
        elif status.startswith("304") and path in self._answers:
            self._answers[path].not_modified = kept
        return [body]

    def _current(self, version):
        """The generation of answers current at `version` and today, after reading the feed
        up to it. While another thread reads it, the answers keep being served for changes
        other processes made (as the competence index does; the last element of a version
        counts this process's own), else the request waits for it: a writer's next read sees
        its write."""
        day = berlin_today()
        stamp = self._stamp
        if stamp == (version, day):
            return self._generation
        if not self._lock.acquire(blocking=False):
            if stamp is not None and stamp[1] == day and stamp[0][-1] == version[-1]:
                return self._generation
            # A change of this process's own: wait for the thread reading the feed rather
            # than pass through Flask (every request in flight would, after every write).
            if not self._lock.acquire(timeout=FEED_READ_TIMEOUT):
                return None
        try:
            if self._stamp != (version, day):
                self._follow(day)
                self._stamp = (version, day)
            return self._generation
        except Exception:  # noqa: BLE001 - the database is away: Flask answers (and says so)
            return None
        finally:
            self._lock.release()

    def _follow(self, day):
        try:
            with self._connection() as conn:
                changes = feed.changes_since(conn, self._cursor, MAX_CHANGES_FOLLOWED) \
                    if self._cursor else None
                cursor = feed.cursor_now(conn) if changes is None \
                    else feed.cursor_after(self._cursor, changes)
        except psycopg.Error:
            if self._own is not None:  # reconnect next time
                self._own[1].close()
                self._own = None
            raise
        if changes is None or (self._stamp and self._stamp[1] != day) or any(
                change["collection"] in AREA_COLLECTIONS for change in changes):
            self._generation += 1
            self._answers = {}
            DROPPED.inc()
        self._cursor = cursor

    @contextmanager
    def _connection(self):
        """The feed is read on a connection of this process's own (served: a pool wait
        behind the requests that fall through meanwhile would hold every answer up); tests
        (CACHE_POLL_SECONDS 0) read through the pool, which hands them their transaction."""
        config = self.app.config
        if config["CACHE_POLL_SECONDS"] <= 0:
            with self.app.extensions["regmap.pool"].connection(timeout=FEED_READ_TIMEOUT) \
                    as conn:
                yield conn
            return
        pid, conn = self._own or (None, None)
        if pid != os.getpid() or conn.closed:
            conn = psycopg.connect(read_database_url(config), autocommit=True,
                                   row_factory=dict_row, connect_timeout=2,
                                   options="-c statement_timeout=2000")
            self._own = (os.getpid(), conn)
            # Closed with this fast path (an app that goes away) or at exit, never leaked.
            weakref.finalize(self, conn.close)
        yield conn
