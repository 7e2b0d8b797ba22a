"""How in-process caches stay fresh across gunicorn workers and instances.

Every catalogue write advances the change-feed counter and, in the same transaction,
announces its position with NOTIFY on queries.CHANGES_CHANNEL (record/audit.py), delivered
at commit.
A cache remembers the catalogue version it was built from; `current()` says what the database
is at now.

With CACHE_POLL_SECONDS > 0 a background thread of each process keeps one connection that
LISTENs, and re-reads the version when a notification arrives (and every
SAFETY_READ_SECONDS regardless, for writes made outside regmap). While it has no such
connection (database restarting, unreachable) it polls every CACHE_POLL_SECONDS with a short
connection of its own and keeps trying to listen again; caches catch up from their own
cursors, so nothing is missed. Hot paths never wait for the database. With 0 every check asks
the database on the request's connection (tests). The process that commits a change marks its
caches stale at once, so it never answers from before its own write.
"""
import logging
import threading
import time

import psycopg
from psycopg.rows import dict_row

from . import queries

log = logging.getLogger(__name__)

SAFETY_READ_SECONDS = 5.0


class CatalogueVersion:
    def __init__(self):
        self._known = None
        self._local_change = 0
        self._lock = threading.Lock()
        self._follower = None
        self._stopping = threading.Event()
        self.listening = False   # whether changes arrive by notification right now

    def mark_changed(self):
        """This process committed a change: every cache is stale now."""
        with self._lock:
            self._local_change += 1

    def current(self, conn_factory, poll_seconds, database_url):
        """A value that differs whenever the catalogue may have changed."""
        if poll_seconds <= 0:
            return (*queries.catalogue_version(conn_factory()), self._local_change)
        self._ensure_follower(poll_seconds, database_url)
        return (self._known, self._local_change)

    def _ensure_follower(self, poll_seconds, database_url):
        if self._follower is not None and self._follower.is_alive():
            return
        with self._lock:
            if self._follower is not None and self._follower.is_alive():
                return
            try:
                self._known = self._read(database_url)
            except psycopg.Error as exc:
                log.warning("catalogue version read failed: %s", type(exc).__name__)
            self._follower = threading.Thread(target=self._follow, name="catalogue-version",
                                              args=(poll_seconds, database_url), daemon=True)
            self._follower.start()

    def stop(self):
        """End the background follower (tests, shutdown)."""
        self._stopping.set()
        if self._follower is not None:
            self._follower.join(timeout=5)

    def _follow(self, poll_seconds, database_url):
        while not self._stopping.is_set():
            try:
                self._listen(database_url)
            except psycopg.Error as exc:
                if self.listening:
                    log.warning("change notifications lost (%s); polling until they are "
                                "back", type(exc).__name__)
                self.listening = False
            # No listening connection: poll once, then try to listen again.
            if self._stopping.wait(poll_seconds):
                return
            try:
                self._known = self._read(database_url)
            except psycopg.Error as exc:
                # Keep answering from the caches we have; say so once per failure.
                log.warning("catalogue version poll failed: %s", type(exc).__name__)

    def _listen(self, database_url):
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5,
                             row_factory=dict_row,
                             application_name="regmap-change-listener") as conn:
            conn.execute(f"LISTEN {queries.CHANGES_CHANNEL}")
            # Read after LISTEN: a change committed in between is seen either way.
            self._known = queries.catalogue_version(conn)
            if not self.listening:
                log.info("following catalogue changes by notification")
            self.listening = True
            last_read = time.monotonic()
            while not self._stopping.is_set():
                notified = any(True for _ in conn.notifies(timeout=0.5, stop_after=1))
                if notified or time.monotonic() - last_read >= SAFETY_READ_SECONDS:
                    self._known = queries.catalogue_version(conn)
                    last_read = time.monotonic()
        self.listening = False

    @staticmethod
    def _read(database_url):
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5,
                             row_factory=dict_row) as conn:
            return queries.catalogue_version(conn)


catalogue_version = CatalogueVersion()
