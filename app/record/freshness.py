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

With a streaming replica (DATABASE_REPLICA_URL) the follower still LISTENs on the primary (a
standby cannot LISTEN) but reads the version from the replica: caches then follow what the
replica has replayed, and a notification whose position the replica has not reached yet is
re-read (after LAGGING_READ_SECONDS, then ever less often) until it has. The position of
this process's own last commit is kept, so that reads go to the primary while the replica
lags behind it (record/replica.py).
"""
import logging
import threading
import time

import psycopg
from psycopg.rows import dict_row

from . import queries

log = logging.getLogger(__name__)

SAFETY_READ_SECONDS = 5.0
LAGGING_READ_SECONDS = 0.02


class CatalogueVersion:
    def __init__(self):
        self._known = None
        self._local_change = 0
        self._own_position = 0       # feed position of this process's last commit
        self._replica_position = None  # how far the replica has replayed, as last read
        self._lock = threading.Lock()
        self._follower = None
        self._stopping = threading.Event()
        self.listening = False   # whether changes arrive by notification right now

    def mark_changed(self, position=None):
        """This process committed a change (at this feed position): every cache is stale
        now."""
        with self._lock:
            self._local_change += 1
            if position:
                self._own_position = max(self._own_position, position)

    def current(self, conn_factory, poll_seconds, database_url, replica_url=""):
        """A value that differs whenever the catalogue may have changed."""
        if poll_seconds <= 0:
            return (*queries.catalogue_version(conn_factory()), self._local_change)
        self._ensure_follower(poll_seconds, database_url, replica_url)
        return (self._known, self._local_change)

    def replica_has_own_writes(self, replica_conn_factory, poll_seconds):
        """Whether the replica has replayed this process's last commit."""
        if not self._own_position:
            return True
        position = self._replica_position
        if poll_seconds <= 0 or position is None or position < self._own_position:
            # Not known to be there yet: ask the replica itself (one indexed read).
            position = queries.feed_cursor(replica_conn_factory())[0]
        return position >= self._own_position

    def _ensure_follower(self, poll_seconds, database_url, replica_url):
        if self._follower is not None and self._follower.is_alive():
            return
        with self._lock:
            if self._follower is not None and self._follower.is_alive():
                return
            try:
                self._known = self._read(replica_url or database_url)
            except psycopg.Error as exc:
                log.warning("catalogue version read failed: %s", type(exc).__name__)
            self._follower = threading.Thread(
                target=self._follow, name="catalogue-version",
                args=(poll_seconds, database_url, replica_url), daemon=True)
            self._follower.start()

    def stop(self):
        """End the background follower (tests, shutdown)."""
        self._stopping.set()
        if self._follower is not None:
            self._follower.join(timeout=5)

    def _follow(self, poll_seconds, database_url, replica_url):
        while not self._stopping.is_set():
            try:
                self._listen(database_url, replica_url)
            except psycopg.Error as exc:
                if self.listening:
                    log.warning("change notifications lost (%s); polling until they are "
                                "back", type(exc).__name__)
                self.listening = False
            # No listening connection: poll once, then try to listen again.
            if self._stopping.wait(poll_seconds):
                return
            try:
                # The replica keeps answering while the primary is down (and vice versa).
                self._known = self._read(replica_url or database_url,
                                         replica=bool(replica_url))
            except psycopg.Error as exc:
                # Keep answering from the caches we have; say so once per failure.
                log.warning("catalogue version poll failed: %s", type(exc).__name__)

    def _listen(self, database_url, replica_url):
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5,
                             row_factory=dict_row,
                             application_name="regmap-change-listener") as conn:
            conn.execute(f"LISTEN {queries.CHANGES_CHANNEL}")
            reader = _VersionReader(conn, replica_url)
            try:
                self._follow_notifications(conn, reader)
            finally:
                reader.close()
        self.listening = False

    def _follow_notifications(self, conn, reader):
        # Read after LISTEN: a change committed in between is seen either way.
        self._known, self._replica_position = reader.read()
        if not self.listening:
            log.info("following catalogue changes by notification")
        self.listening = True
        last_read = time.monotonic()
        announced = self._known[0] or 0
        lagging_reads = 0
        while not self._stopping.is_set():
            lagging = (self._known[0] or 0) < announced
            # While the replica lags: re-read after 20 ms, then ever less often (a replica
            # whose replay is paused is asked twice a second, not fifty times).
            wait = min(0.5, LAGGING_READ_SECONDS * 2 ** lagging_reads) if lagging else 0.5
            notified = False
            for notice in conn.notifies(timeout=wait, stop_after=1):
                notified = True
                announced = max(announced, _position(notice.payload))
            if notified or lagging or time.monotonic() - last_read >= SAFETY_READ_SECONDS:
                self._known, self._replica_position = reader.read()
                last_read = time.monotonic()
                lagging_reads = lagging_reads + 1 if lagging and not notified else 0

    def _read(self, url, replica=False):
        with psycopg.connect(url, autocommit=True, connect_timeout=5,
                             row_factory=dict_row) as conn:
            version = queries.catalogue_version(conn)
        if replica:
            self._replica_position = version[0]
        return version


class _VersionReader:
    """Reads the catalogue version where caches read: from the replica when there is one
    (its own connection, re-opened when lost), from the listening connection otherwise. While
    the replica does not answer, from the primary: caches then follow the primary."""

    def __init__(self, listening_conn, replica_url):
        self.listening_conn, self.replica_url = listening_conn, replica_url
        self.replica = None

    def read(self):
        """(version, the replica's position or None)"""
        if self.replica_url:
            try:
                if self.replica is None or self.replica.closed:
                    self.replica = psycopg.connect(
                        self.replica_url, autocommit=True, connect_timeout=2,
                        row_factory=dict_row, application_name="regmap-change-reader")
                version = queries.catalogue_version(self.replica)
                return version, version[0]
            except psycopg.Error as exc:
                log.warning("replica version read failed (%s); following the primary",
                            type(exc).__name__)
                self.close()
        return queries.catalogue_version(self.listening_conn), None

    def close(self):
        if self.replica is not None:
            self.replica.close()
            self.replica = None


def _position(payload):
    try:
        return int(payload)
    except ValueError:
        return 0


catalogue_version = CatalogueVersion()

