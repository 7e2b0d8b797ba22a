"""How in-process caches stay fresh across gunicorn workers.

Every catalogue write advances the change-feed counter (see record/audit.py). A cache
remembers the catalogue version it was built from; `current()` says what the
database is at now. With CACHE_POLL_SECONDS > 0 a background thread of each process polls
it (hot paths never wait for the database); with 0 every check asks the database on the
request's connection (tests). The process that commits a change marks its caches stale at
once, so it never answers from before its own write.
"""
import logging
import threading
import time

import psycopg
from psycopg.rows import dict_row

from . import queries

log = logging.getLogger(__name__)



class CatalogueVersion:
    def __init__(self):
        self._known = None
        self._local_change = 0
        self._lock = threading.Lock()
        self._poller = None

    def mark_changed(self):
        """This process committed a change: every cache is stale now."""
        with self._lock:
            self._local_change += 1

    def current(self, conn_factory, poll_seconds, database_url):
        """A value that differs whenever the catalogue may have changed."""
        if poll_seconds <= 0:
            return (*queries.catalogue_version(conn_factory()), self._local_change)
        self._ensure_poller(poll_seconds, database_url)
        return (self._known, self._local_change)

    def _ensure_poller(self, poll_seconds, database_url):
        if self._poller is not None and self._poller.is_alive():
            return
        with self._lock:
            if self._poller is not None and self._poller.is_alive():
                return
            self._known = self._read(database_url)
            self._poller = threading.Thread(target=self._poll, name="catalogue-version",
                                            args=(poll_seconds, database_url), daemon=True)
            self._poller.start()

    def _poll(self, poll_seconds, database_url):
        while True:
            time.sleep(poll_seconds)
            try:
                self._known = self._read(database_url)
            except psycopg.Error as exc:
                # Keep answering from the cache we have; say so once per failure.
                log.warning("catalogue version poll failed: %s", type(exc).__name__)

    @staticmethod
    def _read(database_url):
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5,
                             row_factory=dict_row) as conn:
            return queries.catalogue_version(conn)


catalogue_version = CatalogueVersion()
