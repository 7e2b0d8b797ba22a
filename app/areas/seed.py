"""Load the reference areas and postcodes from catalog_seed/areas into the database.

One transaction; COPY into temporary stage tables, then a merge that touches only rows whose
data changed. A second run changes nothing; a changed file updates rows in place and retires
(never deletes) what vanished. The sources and their licences: catalog_seed/README.md.
"""
import csv
import logging
import re
from datetime import date
from pathlib import Path

from ..access.actor import system_actor
from ..record import audit
from ..values import identifiers
from ..values.folding import fold
from . import queries
from .keys import FEDERATION, ancestor_keys

log = logging.getLogger(__name__)

GEBIETSSTAND = date(2025, 11, 30)
CHANGE_LIST_FROM = date(2022, 12, 31)
MUNICIPALITIES = "areas/gemeinden_2025-11-30.csv"
AREAS_ABOVE = "areas/gebietseinheiten_2025-11-30.csv"
KEY_CHANGES = "areas/ags_aenderungen_2022-12-31_bis_2025-11-30.csv"
POSTCODES = "areas/zuordnung_plz_ort_suche-postleitzahl_2023.csv"
SUCCESSIONS = "areas/nachfolgen_2022-12-31_bis_2025-11-30.csv"
RETIREMENT_REASONS = "areas/ohne_nachfolge_2022-12-31_bis_2025-11-30.csv"
NUTS = "areas/nuts_2016_de.csv"
SOURCE_GV100AD = "destatis-gv100ad-2025-11-30"
SOURCE_CHANGES = "destatis-gv100ad-changes-2022-12-31-2025-11-30"
SOURCE_PLZ = "suche-postleitzahl-osm-2023"


class SeedFileError(ValueError):
    """A source file that does not look like what it claims to be; nothing is loaded."""


# Which columns must hold which keys, per file: a malformed row stops the whole seed.
_KEY_COLUMNS = {
    MUNICIPALITIES: {"ags": identifiers.AGS, "ars": identifiers.ARS},
    AREAS_ABOVE: {"code": identifiers.AREA_ABOVE_MUNICIPALITY},
    KEY_CHANGES: {"ags": identifiers.AGS},
    POSTCODES: {"ags": identifiers.AGS, "plz": identifiers.PLZ},
    SUCCESSIONS: {"predecessor_ags": identifiers.AGS, "successor_ags": identifiers.AGS},
    RETIREMENT_REASONS: {"ags": identifiers.AGS},
    NUTS: {"area_key": identifiers.AREA_ABOVE_MUNICIPALITY, "nuts": identifiers.NUTS_DE},
}


def _read_csv(seed_dir, name):
    with open(Path(seed_dir) / name, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    checks = [(column, re.compile(identifiers.anchored(pattern)))
              for column, pattern in _KEY_COLUMNS[name].items()]
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise SeedFileError(f"{name}, line {line}: wrong number of columns")
        for column, pattern in checks:
            if not pattern.match(row[column]):
                raise SeedFileError(f"{name}, line {line}: {column} {row[column]!r} is malformed")
    return rows


def _int_or_none(text):
    return int(text) if text else None


def _parent(candidates, known):
    return next((key for key in candidates if key in known), None)


def build_area_rows(seed_dir, existing_keys=frozenset()):
    """Area rows as tuples in AREA_STAGE_COLUMNS order (the parent foreign key is checked at
    commit, so order does not matter). `existing_keys` are already in the database."""
    municipalities = _read_csv(seed_dir, MUNICIPALITIES)
    above = _read_csv(seed_dir, AREAS_ABOVE)
    changes = _read_csv(seed_dir, KEY_CHANGES)
    postcodes = _read_csv(seed_dir, POSTCODES)

    current_keys = {FEDERATION} | {r["code"] for r in above} | {r["ags"] for r in municipalities}
    rows = [(FEDERATION, "federation", None, "Deutschland", fold("Deutschland"), None, None,
             None, None, None, None, None, None, "current", SOURCE_GV100AD, None, None)]

    for r in above:
        key, level = r["code"], r["ebene"]
        parent = {
            "land": lambda k: [FEDERATION],
            "regierungsbezirk": lambda k: [k[:2]],
            "kreis": lambda k: [k[:3], k[:2]],
            "gemeindeverband": lambda k: [k[:5], k[:3], k[:2]],
        }[level](key)
        rows.append((key, level, None, r["name"], fold(r["name"]), r["typ"] or None, None,
                     r["sitz"] or None, _parent(parent, current_keys), None, None, None, None,
                     "current", SOURCE_GV100AD, None, None))

    for r in municipalities:
        ags, ars = r["ags"], r["ars"]
        rows.append((ags, "municipality", ars, r["name"], fold(r["name"]), r["gemeinde_typ"],
                     r["gemeinde_typ_code"], None,
                     _parent(ancestor_keys(ags, ars), current_keys),
                     _int_or_none(r["bevoelkerung"]), _int_or_none(r["flaeche_ha"]),
                     r["plz_verwaltungssitz"] or None, r["plz_mehrere"] == "true", "current",
                     SOURCE_GV100AD, None, None))

    current_ars = {r["ars"] for r in municipalities}
    known = set(current_keys)
    for r in changes:
        if r["aenderung"] != "removed":
            continue
        ags, ars = r["ags"], r["ars_2022_12_31"]
        rows.append((ags, "municipality", ars if ars not in current_ars else None,
                     r["name_2022_12_31"], fold(r["name_2022_12_31"]), None, None, None,
                     _parent(ancestor_keys(ags, ars), current_keys), None, None, None, None,
                     "retired", SOURCE_CHANGES, CHANGE_LIST_FROM, GEBIETSSTAND))
        known.add(ags)

    # The 2023 PLZ table names a few AGS that neither GV100AD 2025 nor the change list knows.
    # Keep them as retired municipalities (name from the PLZ table) so no row is lost, and
    # none of them can ever resolve as if current. A key the database already holds keeps its
    # own data: if the directory dropped it, the merge retires it.
    orphans = {}
    for r in postcodes:
        if r["ags"] not in known and r["ags"] not in existing_keys:
            orphans.setdefault(r["ags"], r["ort"])
    for ags, place in sorted(orphans.items()):
        rows.append((ags, "municipality", None, place, fold(place), None, None, None,
                     _parent(ancestor_keys(ags, None), current_keys), None, None, None, None,
                     "retired", SOURCE_PLZ, None, GEBIETSSTAND))
    return rows


def build_former_ars_rows(seed_dir):
    """ARS that changed while the AGS stayed (a municipality moved to another Verband)."""
    rows = []
    for r in _read_csv(seed_dir, KEY_CHANGES):
        old, new = r["ars_2022_12_31"], r["ars_2025_11_30"]
        if r["aenderung"] == "changed" and old and new and old != new:
            rows.append((old, r["ags"], GEBIETSSTAND, SOURCE_CHANGES))
    return rows


def _sourced(name, line, row):
    if row["source_kind"] not in ("official", "secondary") or not row["source"].strip():
        raise SeedFileError(f"{name}, line {line}: every row names its source")
    return f"{row['source_kind']}: {row['source']}"


def build_succession_rows(seed_dir):
    """The curated successions: (predecessor, successor, effective_on or None, source). A
    row without a date happened between the two editions of the change list."""
    rows = []
    for line, r in enumerate(_read_csv(seed_dir, SUCCESSIONS), start=2):
        source = _sourced(SUCCESSIONS, line, r)
        try:
            day = date.fromisoformat(r["effective_on"]) if r["effective_on"] else None
        except ValueError:
            raise SeedFileError(f"{SUCCESSIONS}, line {line}: effective_on is not a date") \
                from None
        rows.append((r["predecessor_ags"], r["successor_ags"], day, source))
    return rows


def build_retirement_reason_rows(seed_dir, successions):
    """Retired keys the sources record without a (complete) successor: (ags, reason,
    source). A key with a recorded successor needs none, so both at once is an error."""
    succeeded = {predecessor for predecessor, _, _, _ in successions}
    rows = []
    for line, r in enumerate(_read_csv(seed_dir, RETIREMENT_REASONS), start=2):
        source = _sourced(RETIREMENT_REASONS, line, r)
        if r["ags"] in succeeded:
            raise SeedFileError(f"{RETIREMENT_REASONS}, line {line}: {r['ags']} has a "
                                "successor in " + SUCCESSIONS)
        if not r["reason"].strip():
            raise SeedFileError(f"{RETIREMENT_REASONS}, line {line}: the reason is empty")
        rows.append((r["ags"], r["reason"], source))
    return rows


def added_keys(seed_dir):
    """Keys the change list names as new since its first edition."""
    return [r["ags"] for r in _read_csv(seed_dir, KEY_CHANGES) if r["aenderung"] == "added"]


def build_postcode_rows(seed_dir):
    return [(r["plz"], r["ags"], r["ort"], fold(r["ort"]), _int_or_none(r["osm_id"]),
             SOURCE_PLZ)
            for r in _read_csv(seed_dir, POSTCODES)]


def _seed_postcodes_only(conn, postcodes, progress, actor):
    if progress is not None:
        progress.reset(total=len(postcodes))
    queries.create_stage_tables(conn)
    queries.copy_rows(conn, "postcode_stage", queries.POSTCODE_STAGE_COLUMNS, postcodes,
                      progress.update if progress is not None else None)
    report = {"postcodes": queries.merge_postcodes(conn)}
    queries.drop_stage_tables(conn)
    if any(report["postcodes"].values()):
        audit.record(conn, actor or system_actor("seed"), "areas.seed", "areas",
                     "reference-data", after=report)
    return report


def seed_areas(conn, seed_dir, progress=None, actor=None):
    """Load everything in one transaction; returns what changed, per table. A run that
    changed something is audited (and so reaches the change feed and every cache)."""
    former = build_former_ars_rows(seed_dir)
    postcodes = build_postcode_rows(seed_dir)
    successions = build_succession_rows(seed_dir)
    reasons = build_retirement_reason_rows(seed_dir, successions)
    with audit.write_transaction(conn):
        in_force = queries.current_edition(conn)
        if in_force is not None and in_force > GEBIETSSTAND:
            # A newer edition was imported (regmap areas import): the shipped one must not
            # turn the areas back. Postcodes are a source of their own and still load.
            log.info("areas: edition %s is in force, newer than the shipped %s; kept",
                     in_force, GEBIETSSTAND)
            return _seed_postcodes_only(conn, postcodes, progress, actor)
        areas = build_area_rows(seed_dir, existing_keys=queries.area_keys(conn))
        if progress is not None:
            progress.reset(total=len(areas) + len(former) + len(postcodes))
        tick = progress.update if progress is not None else None
        queries.create_stage_tables(conn)
        queries.copy_rows(conn, "area_stage", queries.AREA_STAGE_COLUMNS, areas, tick)
        queries.copy_rows(conn, "former_ars_stage", queries.FORMER_ARS_STAGE_COLUMNS, former,
                          tick)
        queries.copy_rows(conn, "postcode_stage", queries.POSTCODE_STAGE_COLUMNS, postcodes,
                          tick)
        report = {
            "areas": queries.merge_areas(conn, retired_by=GEBIETSSTAND),
            "former_ars": queries.merge_former_ars(conn),
            "postcodes": queries.merge_postcodes(conn),
            "successions": queries.merge_successions(
                conn, successions, added_keys(seed_dir), first_listed=GEBIETSSTAND),
            "retirement_reasons": queries.merge_retirement_reasons(conn, reasons),
            "nuts": queries.merge_nuts(conn, [(r["area_key"], r["nuts"])
                                              for r in _read_csv(seed_dir, NUTS)]),
        }
        queries.record_edition(conn, GEBIETSSTAND, SOURCE_GV100AD)
        # The change list describes every key from its first day on: the area data starts
        # there, and no day before it is answered.
        queries.record_edition(conn, CHANGE_LIST_FROM, SOURCE_CHANGES)
        # ON COMMIT DROP does not fire inside a savepoint (tests); drop explicitly.
        queries.drop_stage_tables(conn)
        if any(n for counts in report.values() for n in counts.values()):
            audit.record(conn, actor or system_actor("seed"), "areas.seed", "areas",
                         "reference-data", after=report)
    log.info("seeded areas: %s", report)
    return report
