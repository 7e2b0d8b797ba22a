"""The in-process permission index: the active permissions and the status of everything a
permission check names, so the Vermittlungsstelle's check touches no database. It follows
the change feed like the competence index: a change of a permission, organisation, service
or evidence type reloads exactly that object; a gap, a batch entry or too many changes
rebuild it (cheap: permissions are few, statuses one row per object)."""
import threading
from dataclasses import dataclass

from flask import current_app

from ..catalog.collection import BATCH_CODE
from ..record import feed
from ..record.freshness import catalogue_version
from ..record.replica import read_conn
from . import queries

STATUS_COLLECTIONS = ("organisations", "services", "evidence-types")
PERMISSIONS = "permissions"
MAX_CHANGES_APPLIED = 5_000


@dataclass(frozen=True, slots=True)
class Permission:
    code: str
    provider: str | None      # None: from any provider
    environment: str
    valid_from: object
    valid_to: object
    legal_basis: str | None
    may_use_identification_number: bool

    def valid_on(self, day):
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))


def _ask(row):
    return row["consumer"], row["service"], row["evidence_type"]


def _permission(row):
    return Permission(row["code"], row["provider"], row["environment"], row["valid_from"],
                      row["valid_to"], row["legal_basis"], row["may_use_identification_number"])


def _deciding_order(permission):
    # A permission naming the provider decides before one for any provider.
    return permission.provider is None, permission.code


class _State:
    """One consistent view; replaced as a whole, so a reader never sees half a change."""
    __slots__ = ("statuses", "by_ask", "ask_of")

    def __init__(self, statuses, by_ask, ask_of):
        self.statuses = statuses  # collection -> {code: status}
        self.by_ask = by_ask      # (consumer, service, evidence type) -> (Permission, ...)
        self.ask_of = ask_of      # permission code -> its (consumer, service, evidence type)


class PermissionIndex:
    def __init__(self, conn):
        self.version = None
        self.cursor = feed.cursor_now(conn)
        statuses = {name: queries.object_statuses(conn, name) for name in STATUS_COLLECTIONS}
        by_ask, ask_of = {}, {}
        for row in queries.active_permissions(conn):
            by_ask.setdefault(_ask(row), []).append(_permission(row))
            ask_of[row["code"]] = _ask(row)
        self._state = _State(statuses, {ask: tuple(sorted(found, key=_deciding_order))
                                        for ask, found in by_ask.items()}, ask_of)

    def status(self, collection, code):
        """The status of an organisation, service or evidence type; None: unknown code."""
        return self._state.statuses[collection].get(code)

    def matching(self, *, consumer, service, evidence_type, provider, day, environment):
        """Active permissions of `environment` valid on `day`, the deciding one first."""
        return [p for p in self._state.by_ask.get((consumer, service, evidence_type), ())
                if p.environment == environment and p.valid_on(day)
                and (p.provider is None or p.provider == provider)]

    def catch_up(self, conn, limit=MAX_CHANGES_APPLIED):
        """Apply the changes after the cursor; False when a rebuild is needed instead."""
        changes = feed.changes_since(conn, self.cursor, limit)
        if changes is None:
            return False
        touched = {name: set() for name in (*STATUS_COLLECTIONS, PERMISSIONS)}
        for change in changes:
            codes = touched.get(change["collection"])
            if codes is None:
                continue  # read by no permission check (areas, users, tokens, ...)
            if change["object_code"] == BATCH_CODE:
                return False  # one entry for many objects
            codes.add(change["object_code"])
        if any(touched.values()):
            self._state = self._applied(conn, touched)
        self.cursor = feed.cursor_after(self.cursor, changes)
        return True

    def _applied(self, conn, touched):
        state = self._state
        statuses = dict(state.statuses)
        for name in STATUS_COLLECTIONS:
            if touched[name]:  # a code missing from the answer no longer exists
                updated = dict(statuses[name])
                for code in touched[name]:
                    updated.pop(code, None)
                updated.update(queries.object_statuses(conn, name, touched[name]))
                statuses[name] = updated
        by_ask, ask_of = dict(state.by_ask), dict(state.ask_of)
        codes = touched[PERMISSIONS]
        if codes:
            for code in codes:  # out of the ask it was filed under
                ask = ask_of.pop(code, None)
                if ask is not None:
                    by_ask[ask] = tuple(p for p in by_ask[ask] if p.code != code)
            for row in queries.active_permissions(conn, codes):
                ask_of[row["code"]] = _ask(row)
                by_ask[_ask(row)] = tuple(sorted((*by_ask.get(_ask(row), ()), _permission(row)),
                                                 key=_deciding_order))
        return _State(statuses, by_ask, ask_of)


class PermissionIndexHolder:
    def __init__(self):
        self._index = None
        self._lock = threading.Lock()
        self._catching_up = False

    @property
    def built(self):
        """Whether this process has an index (at some version) yet."""
        return self._index is not None

    def current(self, version):
        """The index if it is at `version` (the fast path); or while another thread brings
        it forward through changes other processes made (the last element of a version
        counts this process's own: after a change of its own nothing answers before it is
        applied), as the competence index does. Else None."""
        index = self._index
        if index is not None and (index.version == version or (
                self._catching_up and index.version is not None
                and index.version[-1] == version[-1])):
            return index
        return None

    def get(self, connect, config):
        """The index at the catalogue's current version, brought forward (or rebuilt)
        through `connect()`."""
        version = catalogue_version.current(connect, config["CACHE_POLL_SECONDS"],
                                            config["DATABASE_URL"],
                                            config["DATABASE_REPLICA_URL"])
        index = self.current(version)
        if index is not None:
            return index
        with self._lock:
            index = self.current(version)
            if index is not None:
                return index
            index = self._index
            self._catching_up = index is not None
            try:
                if index is None or not index.catch_up(connect()):
                    index = PermissionIndex(connect())
            finally:
                self._catching_up = False
            index.version = version
            self._index = index
            return index


holder = PermissionIndexHolder()


def current_permission_index():
    """For request handlers: the index, checked against the request's connection."""
    return holder.get(read_conn, current_app.config)
