"""The in-process competence index: reference areas and active offers in dictionaries, so a
lookup touches no database. When the catalogue version moves (record/freshness.py) it applies
the change feed change by change, through the connection its caller hands over; it is
rebuilt only when that is not possible."""
import collections
import gc
import json
import logging
import threading
import time
from dataclasses import dataclass

import psycopg
from flask import current_app
from psycopg.rows import dict_row

from ..areas import queries as area_queries
from ..areas.keys import ancestor_keys
from ..catalog.collection import BATCH_CODE
from ..db.pool import read_database_url
from ..record import feed
from ..record.freshness import catalogue_version
from ..record.replica import read_conn
from . import queries

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Municipality:
    ags: str
    ars: str | None
    name: str
    name_folded: str
    chain: tuple          # own key, then the existing areas above it, most specific first
    retired_in_source: bool
    valid_from: object
    valid_to: object
    last_seen: object
    retired_by: object           # the first edition that no longer lists the key
    retirement_reason: str | None  # why no successor is recorded (sourced), if known

    def valid_on(self, day):
        """Known to be valid on `day`? A key that retired at an unknown date counts as
        valid up to the last reference date that listed it."""
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to:
            return day < self.valid_to
        if self.retired_in_source:
            return self.last_seen is not None and day <= self.last_seen
        return True


@dataclass(frozen=True, slots=True)
class OfferEntry:
    code: str
    type_id: int
    area_keys: tuple      # every key the offer covers (shared between equal tuples)
    provider: str
    provider_name: str
    provider_active: bool
    service_id: str
    endpoint_url: str
    connection_parameters: dict
    valid_from: object
    valid_to: object
    illustrative: bool
    environment: str
    jurisdiction_context: str | None   # what the request must say (user_attributes.py)
    classification: dict               # {concept: [values]}; one shared {} for most offers

    def valid_on(self, day):
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))


class AreaIndex:
    def __init__(self, conn):
        rows = queries.areas(conn)
        self.data_starts = queries.area_data_starts(conn)
        self.names = {r["key"]: (r["name"], r["level"]) for r in rows}
        self.municipalities, self.by_ars = {}, {}
        for r in rows:
            if r["level"] != "municipality":
                continue
            chain = (r["key"],) + tuple(k for k in ancestor_keys(r["key"], r["ars"])
                                        if k in self.names)
            self.municipalities[r["key"]] = Municipality(
                r["key"], r["ars"], r["name"], r["name_folded"], chain,
                r["source_status"] == "retired", r["valid_from"], r["valid_to"],
                r["last_seen"], r["retired_by"], r["retirement_reason"])
            if r["ars"]:
                self.by_ars[r["ars"]] = r["key"]
        for r in queries.former_ars(conn):
            self.by_ars.setdefault(r["ars"], r["ags"])
        # predecessor -> ((successor, effective_on or None), ...): more than one is a split;
        # successor -> (predecessor, ...): more than one is a merger.
        self.successors, self.predecessors = {}, {}
        for r in queries.successions(conn):
            self.successors[r["predecessor_key"]] = self.successors.get(
                r["predecessor_key"], ()) + ((r["successor_key"], r["effective_on"]),)
            self.predecessors[r["successor_key"]] = self.predecessors.get(
                r["successor_key"], ()) + (r["predecessor_key"],)
        self.postcodes = {}
        # plz -> [(ags, place name, folded place name, source)]: the shipped table with the
        # data managers' curations applied.
        for r in area_queries.effective_postcodes(conn):
            self.postcodes.setdefault(r["plz"], []).append(
                (r["ags"], r["place_name"], r["place_folded"], r["source"]))


# How each kind of change reaches competence answers.
OFFER, PROVIDER, EVIDENCE_TYPE, SERVICE, NONE, REBUILD = (
    "offer", "provider", "type", "service", "none", "rebuild")
CHANGE_EFFECTS = {
    "offers": OFFER,
    "organisations": PROVIDER,         # an offer's provider: its name and status
    "evidence-types": EVIDENCE_TYPE,
    "services": SERVICE,               # `leika` lookups: a Leistung's evidence types
    # Read by no resolution (users and tokens concern the token cache only).
    "registers": NONE, "permissions": NONE, "registrations": NONE,
    "users": NONE, "tokens": NONE, "permission-checks": NONE, "onboarding": NONE,
    "fachsynchronisation": NONE, "deadlines": NONE, "jurisdiction-contexts": NONE,
    "eu-requirements": NONE, "code-lists": NONE,
    # Anything else, reference areas and successions first of all: rebuild.
}
MAX_CHANGES_APPLIED = 5_000
# Background loading (a rebuild, the preload) may use at most this share of its process's
# time: after each chunk of work it sleeps three times as long as the chunk took, so request
# threads keep the interpreter (a rebuild takes about four times as long and costs the
# answers a quarter of one core instead of all of it).
BACKGROUND_SHARE = 0.25
BACKGROUND_CHUNK = 1000   # offers between two pauses


class CompetenceIndex:
    """The catalogue as competence reads it, kept current change by change.

    Built once (a worker's start, a fallback), then brought forward by `catch_up`, which
    applies the change feed after its cursor at a cost proportional to each change and drops
    exactly the cached answers that read what changed (reads.py). Readers never see a half
    applied change: the offers of an evidence type are replaced as a whole dict.

    The offers of an evidence type are loaded when it is first asked for (`ensure_types`,
    through the caller's connection), so a worker answers its first lookup without loading a
    national catalogue first. Equal strings and connection parameters are shared.
    """

    def __init__(self, conn, areas):
        self.version = None
        self.areas = areas
        # Read before the data: a change committed meanwhile is applied again (harmless:
        # applying reloads current state), never skipped.
        self.cursor = feed.cursor_now(conn)
        self.evidence_types = {r["code"]: (r["id"], r["status"])
                               for r in queries.evidence_types(conn)}
        # Leistungsschlüssel -> (service code, evidence type codes), active services only.
        self.services, self._leika_of = {}, {}
        self._place_services(self.services, queries.services_with_leika(conn))
        # type id -> {area key: OfferEntry, or a tuple of them}, loaded types only; read
        # through offers_at.
        self._offers = {}
        self._placed = {}           # offer code -> OfferEntry, loaded types only
        self._shared = {}           # one object per equal string or parameter JSON
        # Finished answers, keyed by everything they depend on (bounded, see remember()),
        # and which answers read each evidence type and offer slot.
        self.answers = {}
        self._readers = {}
        self._lock = threading.Lock()
        self.generation = 0
        # (generation, offer codes) of the last change sets applied: background loads bring
        # what they read up to date with them.
        self._recent = collections.deque(maxlen=1000)

    def ensure_types(self, connect, codes, *, background=False):
        """Load the offers of these evidence types (codes) if they are not loaded yet,
        through `connect()` (called only then).

        A request loads them under the index's lock. `background` (rebuilds, the preload)
        loads one type at a time without holding it, pacing itself so that the loading uses
        at most BACKGROUND_SHARE of the process's time; offers changed while it was
        reading are then reloaded in their current state before the type is used."""
        missing = sorted({self.evidence_types[c][0] for c in codes if c in self.evidence_types}
                         - self._offers.keys())
        if background:
            pause = _Pacer()
            for type_id in missing:
                self._load_in_background(connect, type_id, pause)
                pause()
        elif missing:
            with self._lock:
                type_ids = [t for t in missing if t not in self._offers]
                loaded = {t: {} for t in type_ids}
                for code, rows in _by_offer(queries.active_offers(connect(),
                                                                  type_ids=type_ids)):
                    self._place(loaded, code, rows)
                self._offers.update(loaded)
        if missing:
            # Half a million long-lived objects: keep the cyclic collector from walking them
            # on every full collection (a pause of a second at national scale).
            gc.freeze()

    def _load_in_background(self, connect, type_id, pause):
        with self._lock:
            if type_id in self._offers:
                return  # a request loaded it meanwhile
            generation = self.generation
        loaded, placed = {type_id: {}}, {}
        for n, (code, rows) in enumerate(_by_offer(
                queries.active_offers(connect(), type_ids=[type_id])), start=1):
            self._place(loaded, code, rows, placed)
            if n % BACKGROUND_CHUNK == 0:
                pause()
        with self._lock:
            if type_id in self._offers:
                return
            changed = self._offers_changed_since(generation)
            if changed is None:
                return  # too much changed meanwhile: the type loads when next asked for
            self._offers.update(loaded)
            self._placed.update(placed)
            if changed:
                self._forget(self._apply_offers(connect(), changed))

    def _offers_changed_since(self, generation):
        """The codes of the offers changes applied after `generation` touched, or None
        when the record of recent changes does not reach back that far."""
        if generation == self.generation:
            return set()
        if not self._recent or self._recent[0][0] > generation + 1:
            return None
        return set().union(*(codes for g, codes in self._recent if g > generation))

    def loaded_types(self):
        return set(self._offers)

    # --- what resolutions read (the only accessors that record, see reads.py) -------------
    def evidence_type(self, code, reads):
        if reads is not None:
            reads.types.add(code)
        return self.evidence_types.get(code)

    def service_by_leika(self, leika, reads):
        """(service code, evidence type codes) of the active service with this
        Leistungsschlüssel, or None."""
        if reads is not None:
            reads.leika.add(leika)
        return self.services.get(leika)

    def leika_types(self, leika):
        """The evidence types a `leika` lookup may need loaded (no read is recorded)."""
        return self.services.get(leika, (None, ()))[1]

    def offers(self, evidence_type_id):
        """{area key: OfferEntry or a tuple of them} for an evidence type (one consistent
        version); read a key through offers_at."""
        return self._offers.get(evidence_type_id, {})

    def offers_at(self, offers, evidence_type_id, key, reads):
        """The offers on one key, from `offers` (self.offers(type id), taken once per
        resolution)."""
        if reads is not None:
            reads.slots.add((evidence_type_id, key))
        return _as_tuple(offers.get(key))

    # --- answers --------------------------------------------------------------------------
    def remember(self, key, answer, reads, generation, limit=100_000):
        """Cache an answer with what it read, unless a change was applied while it was
        being resolved (it may have read half of the old state)."""
        with self._lock:
            if generation != self.generation:
                return answer
            if len(self.answers) >= limit:
                self.answers.clear()
                self._readers.clear()
            self.answers[key] = answer
            for code in reads.types:
                self._readers.setdefault(("type", code), set()).add(key)
            for slot in reads.slots:
                self._readers.setdefault(slot, set()).add(key)
            for leika in reads.leika:
                self._readers.setdefault(("leika", leika), set()).add(key)
        return answer

    def adopt_answers(self, old):
        """Take over the cached answers of `old` (the index this one replaces) whose reads
        are the same here: a rebuild after a gap in the feed or a bulk write then recomputes
        only the answers whose evidence types or offer slots differ, not every answer of the
        process at once. Nothing is taken over when the reference areas changed (reads.py:
        areas are not tracked) or from slots of evidence types this index has not loaded.
        Call before this index answers. Returns how many answers were taken over."""
        if old is None or old.areas is not self.areas:
            return 0
        with old._lock:
            answers, readers = dict(old.answers), {k: set(v) for k, v in old._readers.items()}
        stale = set()
        for reader_key, answer_keys in readers.items():
            if reader_key[0] == "type":
                same = old.evidence_types.get(reader_key[1]) == \
                    self.evidence_types.get(reader_key[1])
            elif reader_key[0] == "leika":
                same = old.services.get(reader_key[1]) == self.services.get(reader_key[1])
            else:
                type_id, area_key = reader_key
                same = type_id in self._offers and _as_tuple(old.offers(type_id).get(area_key)) \
                    == _as_tuple(self._offers[type_id].get(area_key))
            if not same:
                stale |= answer_keys
        with self._lock:
            for reader_key, answer_keys in readers.items():
                kept = answer_keys - stale
                if kept:
                    self._readers.setdefault(reader_key, set()).update(kept)
            self.answers.update((k, v) for k, v in answers.items() if k not in stale)
            return len(self.answers)

    def _forget(self, reader_keys):
        for reader_key in reader_keys:
            for answer_key in self._readers.pop(reader_key, ()):
                self.answers.pop(answer_key, None)

    # --- applying changes -----------------------------------------------------------------
    def catch_up(self, conn, limit=MAX_CHANGES_APPLIED):
        """Apply the changes after the cursor. False when that is not possible — a gap in
        the feed (rolled back or unknown positions), more than `limit` changes, or a change
        of reference areas or of unknown kind: then the caller builds a new index."""
        changes = feed.changes_since(conn, self.cursor, limit)
        if changes is None:
            return False
        offer_codes, type_codes, service_codes = set(), set(), set()
        for change in changes:
            effect = CHANGE_EFFECTS.get(change["collection"], REBUILD)
            if effect is REBUILD:
                return False
            if effect is OFFER:
                if change["object_code"] == BATCH_CODE:
                    return False  # a generated catalogue: one entry for many offers
                offer_codes.add(change["object_code"])
            elif effect is PROVIDER and _provider_changed(change):
                offer_codes.update(queries.active_offer_codes_of(conn, change["object_code"]))
            elif effect is EVIDENCE_TYPE:
                type_codes.add(change["object_code"])
            elif effect is SERVICE:
                service_codes.add(change["object_code"])
        if changes:
            with self._lock:
                self.generation += 1
                self._recent.append((self.generation, frozenset(offer_codes)))
                self._forget(self._apply_offers(conn, offer_codes)
                             | self._apply_types(conn, type_codes)
                             | self._apply_services(conn, service_codes))
                self.cursor = feed.cursor_after(self.cursor, changes)
        return True

    def _apply_offers(self, conn, codes):
        """Reload these offers (current state, active only) and put them in place; the
        slots they left or entered."""
        if not codes:
            return set()
        # Only evidence types this index has loaded: the others load current state later.
        rows = {code: offer_rows for code, offer_rows
                in _by_offer(queries.active_offers(conn, codes=sorted(codes)))
                if offer_rows[0][COL_TYPE] in self._offers}
        touched_types = {self._placed[c].type_id for c in codes if c in self._placed}
        touched_types |= {r[0][COL_TYPE] for r in rows.values()}
        offers = {t: dict(self._offers[t]) for t in touched_types}
        slots = set()
        for code in codes:
            slots |= self._unplace(offers, code)
        for code, offer_rows in rows.items():
            slots |= self._place(offers, code, offer_rows)
        self._offers.update(offers)  # one assignment per evidence type: readers see either
        return slots

    def _apply_types(self, conn, codes):
        if not codes:
            return set()
        found = {r["code"]: (r["id"], r["status"])
                 for r in queries.evidence_types(conn, codes=sorted(codes))}
        types = dict(self.evidence_types)
        changed = set()
        for code in codes:
            if types.get(code) != found.get(code):
                changed.add(("type", code))
                if code in found:
                    types[code] = found[code]
                else:
                    types.pop(code, None)
        self.evidence_types = types
        return changed

    def _apply_services(self, conn, codes):
        """Reload these services; the Leistungsschlüssel whose answers change."""
        if not codes:
            return set()
        services, leika_of = dict(self.services), dict(self._leika_of)
        before = {code: leika_of.pop(code) for code in codes if code in leika_of}
        for leika in before.values():
            services.pop(leika, None)
        self._place_services(services, queries.services_with_leika(conn, sorted(codes)),
                             leika_of)
        after = {leika_of[code] for code in codes if code in leika_of}
        changed = {leika for leika in set(before.values()) | after
                   if services.get(leika) != self.services.get(leika)}
        self.services, self._leika_of = services, leika_of
        return {("leika", leika) for leika in changed}

    def _place_services(self, services, rows, leika_of=None):
        leika_of = self._leika_of if leika_of is None else leika_of
        for r in rows:
            if r["status"] == "active":
                services[r["leika"]] = (r["code"], tuple(r["evidence_types"]))
                leika_of[r["code"]] = r["leika"]

    def _place(self, offers, code, rows, placed=None):
        keys = self._share(tuple(self._share(r[COL_AREA_KEY]) for r in rows))
        entry = self._entry(rows[0], keys)
        by_key = offers.setdefault(entry.type_id, {})
        for key in entry.area_keys:
            found = by_key.get(key)
            # Most keys have one offer: stored as itself, not in a tuple of one (half a
            # million tuples at national scale).
            by_key[key] = entry if found is None else _as_tuple(found) + (entry,)
        (self._placed if placed is None else placed)[code] = entry
        return {(entry.type_id, key) for key in entry.area_keys}

    def _entry(self, r, area_keys):
        share = self._share
        # Keyed apart from the shared strings: a provider named like a JSON text stays a name.
        return OfferEntry(r[COL_CODE], share(r[COL_TYPE]), area_keys, share(r[COL_PROVIDER]),
                          share(r[COL_PROVIDER_NAME]),
                          r[COL_PROVIDER_STATUS] == "active", r[COL_SERVICE_ID],
                          r[COL_ENDPOINT_URL], self._parsed("parameters", r[COL_PARAMETERS]),
                          r[COL_VALID_FROM], r[COL_VALID_TO], r[COL_ILLUSTRATIVE],
                          share(r[COL_ENVIRONMENT]), share(r[COL_CONTEXT]),
                          self._parsed("classification", r[COL_CLASSIFICATION]))

    def _parsed(self, kind, text):
        """One parsed object per equal JSON text, keyed apart from the shared strings (a
        provider named like a JSON text stays a name)."""
        parsed = self._shared.get((kind, text))
        if parsed is None:
            parsed = self._shared[(kind, text)] = json.loads(text)
        return parsed

    def _share(self, value):
        """One object per equal string, number or tuple of keys."""
        return self._shared.setdefault(value, value)

    def _unplace(self, offers, code):
        placed = self._placed.pop(code, None)
        if placed is None:
            return set()
        type_id, keys = placed.type_id, placed.area_keys
        by_key = offers[type_id]
        for key in keys:
            remaining = tuple(o for o in _as_tuple(by_key.get(key)) if o.code != code)
            if len(remaining) > 1:
                by_key[key] = remaining
            elif remaining:
                by_key[key] = remaining[0]
            else:
                by_key.pop(key, None)
        return {(type_id, key) for key in keys}


def _as_tuple(found):
    """The offers stored on a key (None, one OfferEntry, or a tuple of them) as a tuple."""
    if found is None:
        return ()
    return (found,) if type(found) is OfferEntry else found


class _Pacer:
    """Called between chunks of background work: sleeps so that the work takes at most
    BACKGROUND_SHARE of the time since the previous call."""

    def __init__(self):
        self.since = time.perf_counter()

    def __call__(self):
        worked = time.perf_counter() - self.since
        time.sleep(worked * (1 - BACKGROUND_SHARE) / BACKGROUND_SHARE)
        self.since = time.perf_counter()


def _provider_changed(change):
    """Only a provider's name and status reach answers; a new contact changes none."""
    before, after = change["before"] or {}, change["after"] or {}
    return not before or any(before.get(k) != after.get(k) for k in ("name", "status"))


# Positions in the rows of queries.active_offers().
(COL_TYPE, COL_CODE, COL_SERVICE_ID, COL_ENDPOINT_URL, COL_PARAMETERS, COL_VALID_FROM,
 COL_VALID_TO, COL_PROVIDER, COL_PROVIDER_NAME, COL_PROVIDER_STATUS,
 COL_AREA_KEY, COL_ILLUSTRATIVE, COL_ENVIRONMENT, COL_CONTEXT,
 COL_CLASSIFICATION) = range(len(queries.OFFER_COLUMNS))


def _by_offer(rows):
    """(code, [rows]) per offer, from rows ordered by code (streamed)."""
    code, group = None, []
    for r in rows:
        if r[COL_CODE] != code and group:
            yield code, group
            group = []
        code = r[COL_CODE]
        group.append(r)
    if group:
        yield code, group


class IndexHolder:
    def __init__(self):
        self._index = None
        self._areas = (None, None)
        self._lock = threading.Lock()
        self._rebuilding = None   # the thread building a replacement in the background
        self._catching_up = False  # a thread applies the change feed to the index

    @property
    def built(self):
        """Whether this process has an index (at some version) yet."""
        return self._index is not None

    def current(self, version):
        """The index if it is at `version`; or the one that keeps answering while its
        replacement is built, or while another thread brings it forward through changes
        other processes made (no loading, no waiting: the fast path never waits). After a
        change of this process's own (the last element of a version counts them), nothing
        answers before it is applied: the writer's next request sees its write."""
        index = self._index
        if index is not None and (
                index.version == version or self._rebuilding
                or (self._catching_up and index.version is not None
                    and index.version[-1] == version[-1])):
            return index
        return None

    def get(self, connect, config, evidence_types=(), leika=()):
        """The index at the catalogue's current version, brought forward through `connect()`
        change by change. Where that is not possible, a new index is built: in the
        background while the previous one keeps answering (with CACHE_POLL_SECONDS > 0),
        else at once (tests, a worker's first request). `config` is the app's. `connect` is
        called only when the database must be read: an index that is current answers
        without a connection (and keeps answering while the database stalls)."""
        index = self._current_for(connect, config)
        index.ensure_types(connect, [*evidence_types,
                                     *(code for key in leika for code in index.leika_types(key))])
        return index

    def _current_for(self, connect, config):
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
            if index is not None:
                self._catching_up = True
                try:
                    caught_up = index.catch_up(connect())
                finally:
                    self._catching_up = False
                if caught_up:
                    index.version = version
                    return index
            if index is not None and config["CACHE_POLL_SECONDS"] > 0:
                self._rebuild_in_background(config)
                return index
            conn = connect()
            first = self._index is None
            index = self._replacement(lambda: conn, self._index)
            index.version = version
            self._index = index
            if first and config["CACHE_POLL_SECONDS"] > 0 and config["COMPETENCE_PRELOAD"]:
                self._preload_in_background(config)
            return index

    def _preload_in_background(self, config):
        """Load every evidence type's offers into the current index (whichever that is when
        each type's turn comes), yielding to request threads; a type asked for meanwhile is
        loaded by its request and skipped here."""
        def preload():
            try:
                with psycopg.connect(read_database_url(config), autocommit=True,
                                     row_factory=dict_row) as conn:
                    active = [code for code, (_, status) in self._index.evidence_types.items()
                              if status == "active"]
                    for code in sorted(active):
                        self._index.ensure_types(lambda: conn, [code], background=True)
                log.info("competence index: every evidence type loaded")
            except psycopg.Error as exc:
                log.warning("competence preload stopped: %s", type(exc).__name__)
        threading.Thread(target=preload, name="competence-preload", daemon=True).start()

    def _replacement(self, connect, old, *, background=False):
        """A new index for `old` (or a first one): it loads the evidence types `old` had
        loaded and takes over the cached answers whose reads are unchanged."""
        index = self._build(connect())
        if old is not None:
            index.ensure_types(connect, [code for code, (type_id, _)
                                         in old.evidence_types.items()
                                         if type_id in old.loaded_types()],
                           background=background)
            kept = index.adopt_answers(old)
            log.info("competence index rebuilt: %d of %d cached answers kept", kept,
                     len(old.answers))
        return index

    def _rebuild_in_background(self, config):
        old = self._index

        def rebuild():
            try:
                version = catalogue_version.current(None, config["CACHE_POLL_SECONDS"],
                                                    config["DATABASE_URL"],
                                                    config["DATABASE_REPLICA_URL"])
                with psycopg.connect(read_database_url(config), autocommit=True,
                                     row_factory=dict_row) as conn:
                    index = self._replacement(lambda: conn, old, background=True)
                index.version = version
                with self._lock:
                    self._index = index  # one assignment: requests see the old or the new
                log.info("competence index rebuilt at feed position %s", index.cursor[0])
            except psycopg.Error as exc:
                log.warning("competence index rebuild failed: %s", type(exc).__name__)
            finally:
                self._rebuilding = None
        self._rebuilding = threading.Thread(target=rebuild, name="competence-rebuild",
                                            daemon=True)
        self._rebuilding.start()

    def _build(self, conn):
        signature = tuple(queries.areas_signature(conn).values())
        if self._areas[0] != signature:
            self._areas = (signature, AreaIndex(conn))
        return CompetenceIndex(conn, self._areas[1])


holder = IndexHolder()


def warm_in_background(app):
    """Build this worker's index (and so start its preload) when the worker starts, not at
    its first lookup: a worker the connections reach late would answer its first thousand
    lookups loading. Called by the servers' worker-start hooks; only where the index follows
    the catalogue in the background and preloads (as served)."""
    config = app.config
    # .get: the benchmarks' hello app runs under the same gunicorn settings.
    if config.get("CACHE_POLL_SECONDS", 0) <= 0 or not config.get("COMPETENCE_PRELOAD"):
        return

    def build():
        try:
            with app.app_context():
                holder.get(read_conn, config)
        except Exception as exc:  # noqa: BLE001 - the first lookup builds it then
            log.warning("competence index not built at worker start: %s",
                        type(exc).__name__)
    threading.Thread(target=build, name="competence-warm", daemon=True).start()


def current_index(*evidence_types, leika=()):
    """For request handlers: the index, checked against (and loaded through) the request's
    connection, with the offers of these evidence types (codes) loaded, and of those the
    services with these Leistungsschlüssel (`leika`) need. The resolver itself never reaches
    for a connection."""
    return holder.get(read_conn, current_app.config, evidence_types, leika)
