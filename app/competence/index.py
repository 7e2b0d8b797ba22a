"""The in-process competence index: reference areas and active offers in dictionaries, so a
lookup touches no database. Rebuilt when the catalogue version changes
(record/freshness.py), through the connection its caller hands over."""
import threading
from dataclasses import dataclass

from flask import current_app

from ..areas.keys import ancestor_keys
from ..db import get_conn
from ..record.freshness import catalogue_version
from . import queries


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
    provider: str
    provider_name: str
    provider_active: bool
    service_id: str
    endpoint_url: str
    connection_parameters: dict
    valid_from: object
    valid_to: object

    def valid_on(self, day):
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))


class AreaIndex:
    def __init__(self, conn):
        rows = queries.areas(conn)
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
                r["last_seen"])
            if r["ars"]:
                self.by_ars[r["ars"]] = r["key"]
        for r in queries.former_ars(conn):
            self.by_ars.setdefault(r["ars"], r["ags"])
        self.successors = {r["predecessor_key"]: (r["successor_key"], r["effective_on"])
                           for r in queries.successions(conn)}
        self.postcodes = {}
        for r in queries.postcodes(conn):
            self.postcodes.setdefault(r["plz"], []).append(
                (r["ags"], r["place_name"], r["place_folded"]))


class CompetenceIndex:
    """One consistent picture of the catalogue at one version."""

    def __init__(self, conn, version, areas):
        self.version = version
        self.areas = areas
        self.evidence_types = {r["code"]: (r["id"], r["status"])
                               for r in queries.evidence_types(conn)}
        self._offers = {}
        for r in queries.active_offers(conn):
            self._offers.setdefault(r["evidence_type_id"], {}).setdefault(
                r["area_key"], []).append(OfferEntry(
                    r["code"], r["provider"], r["provider_name"],
                    r["provider_status"] == "active", r["service_id"], r["endpoint_url"],
                    r["connection_parameters"], r["valid_from"], r["valid_to"]))
        # Finished answers, keyed by everything they depend on (bounded, see remember()).
        self.answers = {}

    def offers(self, evidence_type_id):
        """{area key: [OfferEntry]} for an evidence type."""
        return self._offers.get(evidence_type_id, {})

    def remember(self, key, answer, limit=100_000):
        if len(self.answers) >= limit:
            self.answers.clear()
        self.answers[key] = answer
        return answer


class IndexHolder:
    def __init__(self):
        self._index = None
        self._areas = (None, None)
        self._lock = threading.Lock()

    def current(self, version):
        """The index if it is at `version` (no loading: the fast path never waits)."""
        index = self._index
        return index if index is not None and index.version == version else None

    def get(self, conn, config):
        """The index at the catalogue's current version, (re)built through `conn` when
        the catalogue moved on. `config` is the app's (cache poll interval, database URL)."""
        version = catalogue_version.current(lambda: conn, config["CACHE_POLL_SECONDS"],
                                            config["DATABASE_URL"])
        index = self._index
        if index is not None and index.version == version:
            return index
        with self._lock:
            if self._index is None or self._index.version != version:
                signature = tuple(queries.areas_signature(conn).values())
                if self._areas[0] != signature:
                    self._areas = (signature, AreaIndex(conn))
                self._index = CompetenceIndex(conn, version, self._areas[1])
            return self._index


holder = IndexHolder()


def current_index():
    """For request handlers: the index, checked against (and loaded through) the request's
    connection. The resolver itself never reaches for a connection."""
    return holder.get(get_conn(), current_app.config)
