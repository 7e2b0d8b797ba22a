"""The one place that opens, builds and updates the whoosh index.

Layout under SEARCH_INDEX_DIR: `index-<n>/` directories and a `current` symlink to the one in
use, swapped atomically after a full rebuild, so readers never see a half-built index. Only
one writer at a time (whoosh's lock); the change-feed position the index has reached is kept
next to it in `position`.
"""
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.writing import LockError

from ..record import queries as record_queries
from . import analysis, documents, queries

log = logging.getLogger(__name__)

SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    type=ID(stored=True),
    code=ID(stored=True),
    title=TEXT(analyzer=analysis.german(), stored=True, field_boost=2.0),
    text=TEXT(analyzer=analysis.german(), stored=True),
    words=TEXT(analyzer=analysis.folded_words()),
    parts=TEXT(analyzer=analysis.word_parts()),
    # Words that describe a document only together with others (an offer's evidence type):
    # matched only when the query has several words, or every offer would match "Gewerbe".
    context=TEXT(analyzer=analysis.word_parts()),
    keys=KEYWORD(lowercase=True, scorable=True),
    type_facet=ID(sortable=True),
    land=ID(stored=True, sortable=True),
    status=ID(stored=True, sortable=True),
    visibility=ID(),
    owner=ID(),
)


class IndexUnavailable(Exception):
    """No usable index yet (missing, corrupt or being rebuilt)."""


def _current(base):
    return Path(base) / "current"


def open_index(base):
    path = _current(base)
    try:
        return whoosh_index.open_dir(str(path.resolve()))
    except Exception as exc:  # missing, half-deleted or corrupt: all mean "rebuild"
        raise IndexUnavailable(str(exc)) from exc


def read_position(base):
    try:
        return int((_current(base).resolve() / "position").read_text())
    except (OSError, ValueError):
        return None


def _write_position(directory, position):
    tmp = Path(directory) / "position.tmp"
    tmp.write_text(str(position))
    os.replace(tmp, Path(directory) / "position")


def rebuild(conn, base, progress=None):
    """Build a complete new index from the database, then switch to it atomically."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    target = base / f"index-{time.time_ns()}"
    target.mkdir()
    position = record_queries.last_change_position(conn)  # later: applied by update()
    ix = whoosh_index.create_in(str(target), SCHEMA)
    writer = ix.writer(procs=1, limitmb=256)
    count = 0
    for document in documents.all_documents(conn):
        writer.add_document(**_stored(document))
        count += 1
        if progress is not None:
            progress.update(1)
    writer.commit()
    _write_position(target, position)
    link = base / f"current.{target.name}"
    link.symlink_to(target.name)
    os.replace(link, _current(base))
    for old in base.glob("index-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    log.info("search index rebuilt: %d documents at feed position %d", count, position)
    return count


def _stored(document):
    return {**document, "parts": document["words"], "type_facet": document["type"]}


def update(conn, base):
    """Apply the change feed since the index's position. Returns the number of changes, or
    None when another process holds the writer lock (it is doing the same)."""
    position = read_position(base)
    if position is None:
        raise IndexUnavailable("no index position")
    changes = queries.changed_objects(conn, position)
    if not changes:
        return 0
    ix = open_index(base)
    try:
        writer = ix.writer(timeout=0)
    except LockError:
        return None
    try:
        touched = {}
        for change in changes:
            collection = change["collection"]
            if collection in documents.TYPES:
                touched.setdefault(collection, set()).add(change["object_code"])
        for collection, codes in list(touched.items()):
            for dependent in documents.DEPENDENTS.get(collection, ()):
                # Offers show names of providers and evidence types: refresh theirs too.
                touched.setdefault(dependent, set()).update(queries.offer_codes_naming(
                    conn, collection, codes))
        for collection, codes in touched.items():
            found = documents.documents_for(conn, collection, codes)
            for document in found:
                writer.update_document(**_stored(document))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    _write_position(_current(base).resolve(), changes[-1]["position"])
    return len(changes)


class Follower:
    """Per process: keeps the index current (one writer wins, the others skip) and rebuilds
    it when it is missing or corrupt. Runs in a background thread."""

    def __init__(self, base, connect, interval):
        self.base, self.connect, self.interval = base, connect, interval
        self._thread = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.healthy = threading.Event()

    def stop(self):
        self._stopped.set()

    def ensure_running(self):
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-follower",
                                                daemon=True)
                self._thread.start()

    def _run(self):
        while not self._stopped.is_set():
            try:
                with self.connect() as conn:
                    self.step(conn)
            except Exception:  # keep following; the next round retries
                log.exception("search index follower failed")
                self.healthy.clear()
            self._stopped.wait(self.interval)

    def step(self, conn):
        try:
            update(conn, self.base)
            self.healthy.set()
        except IndexUnavailable:
            self.healthy.clear()
            self._heal(conn)

    def _heal(self, conn):
        lock = Path(self.base) / "rebuild.lock"
        Path(self.base).mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if time.time() - lock.stat().st_mtime < 300:
                return  # another process is rebuilding
            lock.unlink(missing_ok=True)  # a rebuild that died long ago
            return
        try:
            os.close(fd)
            log.warning("search index missing or unusable: rebuilding from the database")
            rebuild(conn, self.base)
            self.healthy.set()
        finally:
            lock.unlink(missing_ok=True)
