"""The check log: every abstract permission check (/permissions/check) with who asked, what
was asked, the decision and the deciding permission (table permission_check, append-only).

A check does not wait for an insert: it hands its entry to this process's buffer, and a
background thread writes the buffer every CHECK_LOG_FLUSH_SECONDS in one COPY. A graceful stop
writes what is left (gunicorn's worker_exit, the interpreter's exit); a crash loses at most
the entries of the last interval (bench/check_log_bench.py measures both). While the database
cannot take them, entries stay buffered, up to MAX_BUFFERED; beyond that the oldest are
dropped, counted in regmap_check_log_dropped_total and logged.
"""
import atexit
import csv
import io
import logging
import os
import threading
import time
from datetime import datetime, timedelta, timezone

from flask import current_app, g
from prometheus_client import Counter

from ..db.pool import get_conn
from ..http.conventions import csv_cell
from ..record import audit
from . import permission_check, queries

log = logging.getLogger(__name__)

MAX_BUFFERED = 200_000
DROPPED = Counter("regmap_check_log_dropped_total",
                  "Permission-check log entries dropped while the database could not take them")


class CheckLog:
    def __init__(self, pool, flush_seconds):
        self._pool = pool
        self._flush_seconds = flush_seconds
        self._pending = []
        self._lock = threading.Lock()        # guards _pending and the thread
        self._writing = threading.Lock()     # one writer at a time keeps entries in order
        self._thread = None
        self._pid = None

    @property
    def buffered(self):
        return bool(self._flush_seconds)

    def append(self, entry):
        with self._lock:
            self._pending.append(entry)
            overflow = len(self._pending) - MAX_BUFFERED
            if overflow > 0:
                del self._pending[:overflow]
            if self._thread is None or self._pid != os.getpid():
                # First entry of this process (a thread does not survive a fork).
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="check-log",
                                                daemon=True)
                self._thread.start()
        if overflow > 0:
            DROPPED.inc(overflow)
            log.error("check log: %d entries dropped, the database has not taken them",
                      overflow)

    def flush(self):
        """Write every buffered entry now; the number written. On failure they stay
        buffered for the next try."""
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with self._pool.connection() as conn:
                    queries.insert_permission_checks(conn, batch)
            except Exception:
                with self._lock:
                    self._pending[:0] = batch
                raise
            return len(batch)

    def _run(self):
        while True:
            time.sleep(self._flush_seconds)
            try:
                self.flush()
            except Exception as exc:  # the database is away: keep them, try again
                log.warning("check log: writing failed, %d entries kept: %s",
                            len(self._pending), exc.__class__.__name__)


def init_app(app, config):
    check_log = CheckLog(app.extensions["regmap.pool"], config.CHECK_LOG_FLUSH_SECONDS)
    app.extensions["regmap.check_log"] = check_log
    atexit.register(_flush_at_exit, check_log)


def _flush_at_exit(check_log):
    try:
        check_log.flush()
    except Exception as exc:
        log.error("check log: %d entries not written at exit: %s", len(check_log._pending),
                  exc.__class__.__name__)


def flush_all(app):
    """gunicorn's worker_exit: what this worker answered is written before it goes."""
    _flush_at_exit(app.extensions["regmap.check_log"])


def record(actor, args, decision):
    """Log one check answered by the Flask view: buffered, or with CHECK_LOG_FLUSH_SECONDS 0
    written at once on the request's own connection (a second connection per check would
    starve the pool under load)."""
    if not current_app.config["CHECK_LOG"]:
        return
    entry = permission_check.log_entry(actor, args, decision, g.get("request_id"))
    check_log = current_app.extensions["regmap.check_log"]
    if check_log.buffered:
        check_log.append(entry)
    else:
        queries.insert_permission_checks(get_conn(), [entry])


def taker(app):
    """For the fast path: a function that logs an entry without a request's connection
    (None: the log is written synchronously, which only the Flask view does)."""
    if not app.config["CHECK_LOG"]:
        return lambda entry: None
    check_log = app.extensions["regmap.check_log"]
    return check_log.append if check_log.buffered else None


def _query(args):
    try:
        current_app.extensions["regmap.check_log"].flush()
    except Exception as exc:  # kept for the next try; the query below says if the database
        log.warning("check log: writing before a query failed: %s",  # answers at all
                    exc.__class__.__name__)
    return ({name: args.get(name) for name in queries.CHECK_LOG_FILTERS},
            {"checked_from": args.get("from_"), "until": args.get("until"),
             "newest_first": args["order"] == "newest"})


def entries(conn, args, window):
    """A page of the log as auditors query it. This process's own entries are written
    first, so a check answered here is in the answer (other processes': within a flush)."""
    filters, span = _query(args)
    return queries.list_permission_checks(conn, filters, **span, **window)


def as_csv(conn, args):
    """Every matching entry as CSV lines, in batches (cells safe for spreadsheets)."""
    filters, span = _query(args)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("id", *queries.CHECK_LOG_COLUMNS))
    for rows in queries.permission_checks_in_batches(conn, filters, **span):
        for row in rows:
            writer.writerow([csv_cell(row["id"]), *(csv_cell(row[c])
                                                    for c in queries.CHECK_LOG_COLUMNS)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def prune(conn, actor, older_than_days):
    """Delete entries older than `older_than_days` days, audited; the number deleted."""
    before = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=older_than_days)
    with audit.write_transaction(conn):
        deleted = queries.prune_permission_checks(conn, before)
        audit.record(conn, actor, "permission-checks.prune", "permission-checks", "log",
                     after={"older_than_days": older_than_days, "before": before.isoformat(),
                            "deleted": deleted})
    return deleted
