"""Honest failure when the database stalls instead of dying.

A killed database refuses connections: requests fail over to 503 by themselves. A frozen
one (overloaded host, a stopped VM, SIGSTOP) keeps every socket open and answers nothing,
and neither TCP keepalives nor a server-side statement_timeout can end the wait: each
request thread would hang until the database wakes up, until no thread is left for
competence answers from memory or /healthz.

A StallGuard watches the connections its pool hands out and the requests waiting for one.
When a connection has been busy with a statement for PROBE_AFTER_SECONDS, it tries a fresh
connection (PROBE_TIMEOUT_SECONDS). If that fails - or the pool could not hand out a
connection within its timeout (a killed database) - the database is stalled: the busy
connections' sockets are shut down (their requests end with 503 at once), new requests get
503 without waiting, and the guard probes again every PROBE_AFTER_SECONDS until the database
answers. A slow statement on a database that answers probes is left alone (statement_timeout
bounds it). Meanwhile `suspect` (a statement or a pool wait longer than SUSPECT_AFTER_SECONDS)
makes db.py refuse requests instead of queueing them for a database slot.
"""
import logging
import os
import socket
import threading
import time

import psycopg
from psycopg import pq

log = logging.getLogger(__name__)

PROBE_AFTER_SECONDS = 1.0
# A statement busy this long makes the database suspect: requests that would wait for a
# database slot are refused at once instead (db.py), so no thread waits on a stall.
SUSPECT_AFTER_SECONDS = 0.25
PROBE_TIMEOUT_SECONDS = 2  # libpq's connect_timeout: whole seconds, at least 2


class StallGuard:
    def __init__(self, url, name):
        self.url, self.name = url, name
        self.stalled = False
        self.suspect = False
        self._watched = {}          # id(conn) -> conn, while a request holds it
        self._waiting = {}          # request token -> when it began to wait for the pool
        self._lock = threading.Lock()
        self._thread = None

    def watch(self, conn):
        with self._lock:
            self._watched[id(conn)] = conn
        # Started in the process that uses the pool (after gunicorn forks).
        self._ensure_running()

    def release(self, conn):
        with self._lock:
            self._watched.pop(id(conn), None)

    def waiting(self, token):
        """A request (any unique token) begins to wait for a pooled connection."""
        with self._lock:
            self._waiting[token] = time.monotonic()
        self._ensure_running()

    def done_waiting(self, token):
        with self._lock:
            self._waiting.pop(token, None)

    def unreachable(self):
        """The pool could not hand out a connection in time: fail fast until a probe
        succeeds."""
        if not self.stalled:
            log.error("database %s unreachable: failing its requests fast until it answers",
                      self.name)
        self.stalled = True
        self._ensure_running()

    def _ensure_running(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=f"stall-guard-{self.name}")
                self._thread.start()

    def _run(self):
        busy_since = {}
        answered_at = 0.0  # a healthy database is probed at most once per PROBE_AFTER_SECONDS
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            with self._lock:
                watched = list(self._watched.values())
                longest_wait = now - min(self._waiting.values(), default=now)
            busy, suspect = [], longest_wait >= SUSPECT_AFTER_SECONDS
            for conn in watched:
                if _busy(conn):
                    busy_since.setdefault(id(conn), now)
                    waited = now - busy_since[id(conn)]
                    suspect = suspect or waited >= SUSPECT_AFTER_SECONDS
                    if waited >= PROBE_AFTER_SECONDS:
                        busy.append(conn)
                else:
                    busy_since.pop(id(conn), None)
            self.suspect = suspect
            if not busy and not self.stalled:
                continue
            if not self.stalled and now - answered_at < PROBE_AFTER_SECONDS:
                continue  # a long statement on a database that answered a moment ago
            if self._answers():
                if self.stalled:
                    log.warning("database %s answers again", self.name)
                self.stalled = False
                answered_at = time.monotonic()
                continue
            if not self.stalled:
                log.error("database %s does not answer: failing its requests fast until it "
                          "does", self.name)
            self.stalled = True
            for conn in busy:
                _cut(conn)
                busy_since.pop(id(conn), None)
            if not busy:
                time.sleep(PROBE_AFTER_SECONDS)

    def _answers(self):
        try:
            with psycopg.connect(self.url, connect_timeout=PROBE_TIMEOUT_SECONDS,
                                 autocommit=True, application_name="regmap-stall-probe") as c:
                c.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False


def _busy(conn):
    try:
        return conn.pgconn.transaction_status == pq.TransactionStatus.ACTIVE
    except Exception:  # closed meanwhile
        return False


def _cut(conn):
    """End the wait of the thread blocked on this connection: shutting the socket down makes
    libpq see the connection closed, so psycopg raises OperationalError there (-> 503)."""
    try:
        duplicate = os.dup(conn.pgconn.socket)
    except Exception:
        return
    try:
        cut = socket.socket(fileno=duplicate)
    except OSError:
        os.close(duplicate)
        return
    with cut:
        try:
            cut.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed by the other side
