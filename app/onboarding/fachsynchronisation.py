"""Fachsynchronisation: dated status entries of the federal actors - the
organisations regmap already holds as the registers' federal counterparts, no second list -
per annex register, or for the actor as a whole where the report names no register.

Entries are only ever added (each audited and in the change feed); the status of an actor
and register is its newest entry. `regmap seed` records the August 2025 status of the
NOOTS status report from the shipped table, naming that source.
"""
import csv
from datetime import date
from pathlib import Path

from ..catalog.references import References, filter_id
from ..http.errors import NotFound, ValidationFailed, param_error
from ..record import audit
from ..values.identifiers import new_code
from . import queries

SHIPPED = "idnrg/fachsynchronisation_status_2025-08.csv"
SHIPPED_ON = date(2025, 8, 31)  # the report's period: August 2025
SHIPPED_SOURCE = ("Statusbericht NOOTS an den 48. IT-Planungsrat (26.09.2025), Übersicht zum "
                  "Status der Ansprache der Bundesakteure, Stand August 2025")
NOT_CONTACTED = "[bislang keine Interaktion"


def document(row):
    return {k: row[k] for k in ("code", "organisation", "abbreviation", "organisation_name",
                                "register", "idnrg_number", "status_on", "contacted",
                                "status", "source", "recorded_at", "recorded_by")}


def record(conn, actor, data):
    """Add one entry (data managers); the organisation must be the register's federal
    counterpart when a register is named."""
    refs = References(conn)
    organisation_id = refs.id("organisation", data["organisation"], "organisation",
                              active_only=True)
    register_id = refs.id("register", data.get("register"), "register")
    if register_id is not None and not queries.federal_counterpart_of(
            conn, organisation_id, register_id):
        detail = (f"{data['organisation']} is not a federal counterpart of "
                  f"{data['register']} (registers' federal_counterparts)")
        raise ValidationFailed(detail, errors=[param_error("register", "body", detail)])
    code = new_code("fs")
    with audit.write_transaction(conn):
        queries.insert_fachsynchronisation(conn, {
            "code": code, "organisation_id": organisation_id, "register_id": register_id,
            "status_on": data["status_on"], "contacted": data["contacted"],
            "status": data["status"], "source": data["source"], "recorded_by": actor.label})
        row = queries.get_fachsynchronisation(conn, code)
        audit.record(conn, actor, "fachsynchronisation.record", "fachsynchronisation", code,
                     after=document(row))
    return row


def entries(conn, args, window):
    rows, total = queries.list_fachsynchronisation(
        conn, organisation_id=filter_id(conn, "organisation", args.get("organisation")),
        register_id=filter_id(conn, "register", args.get("register")),
        latest=args.get("latest", False), **window)
    return [document(r) for r in rows], total


def get(conn, code):
    row = queries.get_fachsynchronisation(conn, code)
    if row is None:
        raise NotFound("Fachsynchronisation entry", code)
    return row


def register_numbers(text):
    """'1-3,13,21-23' -> [1, 2, 3, 13, 21, 22, 23]."""
    numbers = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        numbers += range(int(first), int(last or first) + 1)
    return numbers


def seed(conn, seed_dir, actor, abbreviation_to_code):
    """The shipped August 2025 status: one entry per actor and register (the actor as a
    whole where no register is named); what exists already is left as it is."""
    created = 0
    with open(Path(seed_dir) / SHIPPED, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    refs = References(conn)
    with audit.write_transaction(conn):
        for row in rows:
            organisation_id = refs.id("organisation", abbreviation_to_code[row["akteur"]],
                                      "organisation")
            numbers = register_numbers(row["register_nrs"]) or [None]
            for number in numbers:
                register = f"idnrg-{number}" if number else None
                register_id = refs.id("register", register, "register")
                if queries.fachsynchronisation_exists(conn, organisation_id, register_id,
                                                      SHIPPED_ON, SHIPPED_SOURCE):
                    continue
                code = new_code("fs")
                queries.insert_fachsynchronisation(conn, {
                    "code": code, "organisation_id": organisation_id,
                    "register_id": register_id, "status_on": SHIPPED_ON,
                    "contacted": not row["stand_august_2025"].startswith(NOT_CONTACTED),
                    "status": row["stand_august_2025"], "source": SHIPPED_SOURCE,
                    "recorded_by": actor.label})
                audit.record(conn, actor, "fachsynchronisation.record",
                             "fachsynchronisation", code,
                             after=document(queries.get_fachsynchronisation(conn, code)))
                created += 1
    return created


def overview(conn):
    """Per federal actor: the registers of its entries and its newest status (the entry with
    the latest day; its text and whether it was contacted)."""
    rows, _ = queries.list_fachsynchronisation(conn, latest=True, limit=100_000, offset=0)
    actors = {}
    for row in rows:  # newest first
        actor = actors.setdefault(row["organisation"], {
            "organisation": row["organisation"], "abbreviation": row["abbreviation"],
            "name": row["organisation_name"], "registers": [],
            "status_on": row["status_on"], "status": row["status"],
            "contacted": row["contacted"]})
        if row["idnrg_number"] is not None:
            actor["registers"].append(row["idnrg_number"])
    for actor in actors.values():
        actor["registers"].sort()
    return sorted(actors.values(), key=lambda a: (a["abbreviation"] or a["organisation"]))
