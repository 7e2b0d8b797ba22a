"""`regmap seed`: the catalogue facts the product ships (the OOTS code lists, IDNrG registers,
their federal counterparts, real organisations, the three evidence types other tools rely
on), and with
--demo the illustrative pilot catalogue. (The onboarding facts follow: onboarding/seed.py.)

Idempotent: an object is created when missing and updated only when the shipped data
differs from it, so a second run writes nothing.
"""
import csv
import json
import logging
from datetime import date
from pathlib import Path

from ..record import audit
from . import code_lists
from .evidence_types import evidence_types
from .offers import offers
from .organisations import organisations
from .queries import demo as demo_queries
from .queries import offers as offer_queries
from .references import References
from .registers import registers
from .rules import SHIPPED_AS_REAL
from .services import services

log = logging.getLogger(__name__)

ORGANISATIONS = "catalog/organisations.csv"
REGISTER_DETAILS = "catalog/register_details.csv"
IDNRG_REGISTERS = "idnrg/anlage_idnrg_registers.csv"
FEDERAL_COUNTERPARTS = "idnrg/fachsynchronisation_akteure_2025-08.csv"
EVIDENCE_TYPES = "catalog/evidence_types.json"
JURISDICTION_CONTEXTS = "catalog/oots_jurisdiction_contexts.csv"
CODE_LISTS = "catalog/oots_code_lists.csv"
DEMO = "demo/catalog.json"


def shipped_csv(seed_dir, name):
    with open(Path(seed_dir) / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _ensure(conn, actor, collection, code, desired, counts):
    """Create, or update where the shipped data differs (compared after normalising)."""
    current = collection.load(conn, code)
    if current is None:
        collection.submit(conn, actor, {**desired, "code": code})
        counts["created"] += 1
        return
    refs = References(conn)
    wanted = collection.prepare(refs, actor, {**collection.editable(current), **desired},
                                current=current)
    have = collection.prepare(refs, actor, collection.editable(current), current=current)
    if wanted != have:
        collection.change(conn, actor, code, {**collection.editable(current), **desired},
                          current["version"])
        counts["updated"] += 1


def organisation_codes(seed_dir):
    """{abbreviation: code} of the shipped organisations."""
    return {row["abbreviation"]: row["code"] for row in shipped_csv(seed_dir, ORGANISATIONS)}


def seed_catalog(conn, seed_dir, actor):
    counts = {"created": 0, "updated": 0}
    with audit.write_transaction(conn):
        # First: every coded field written below is checked against them.
        lists = code_lists.merge_shipped(conn, shipped_csv(seed_dir, CODE_LISTS))
        if lists:
            audit.record(conn, actor, "code-lists.seed", code_lists.COLLECTION,
                         "reference-data", after={"changed": lists})
        counts["code lists"] = len(lists)
        abbreviation_to_code = organisation_codes(seed_dir)
        for row in shipped_csv(seed_dir, ORGANISATIONS):
            _ensure(conn, actor, organisations, row["code"], {
                "name": row["name"], "abbreviation": row["abbreviation"], "kind": row["kind"],
                "seat_ags": row["seat_ags"] or None, "status": "active"}, counts)

        details = {int(r["nr"]): r for r in shipped_csv(seed_dir, REGISTER_DETAILS)}
        counterparts = {}
        for row in shipped_csv(seed_dir, FEDERAL_COUNTERPARTS):
            counterparts.setdefault(int(row["register_nr"]), set()).add(
                abbreviation_to_code[row["akteur"]])
        for row in shipped_csv(seed_dir, IDNRG_REGISTERS):
            number = int(row["nr"])
            detail = details.get(number, {})
            # The specialised law where the annex names it, always with the IDNrG line.
            generic = f"§ 1 IDNrG i. V. m. Anlage Nr. {number}"
            special = detail.get("legal_basis")
            _ensure(conn, actor, registers, f"idnrg-{number}", {
                "idnrg_number": number, "name": row["register"],
                "legal_basis": f"{special}; {generic}" if special else generic,
                "description": detail.get("description") or None,
                "keeping_authority_type": detail.get("keeping_authority_type") or None,
                "keepers": sorted(filter(None, (detail.get("keepers") or "").split(" "))),
                "federal_counterparts": sorted(counterparts.get(number, ())),
                "status": "active"}, counts)

        contexts = offer_queries.merge_jurisdiction_contexts(
            conn, shipped_csv(seed_dir, JURISDICTION_CONTEXTS))
        if contexts:
            audit.record(conn, actor, "jurisdiction-contexts.seed", "jurisdiction-contexts",
                         "reference-data", after={"changed": contexts})
        counts["jurisdiction contexts"] = contexts

        # Real entries; a catalogue seeded by an older --demo holds them as illustrative
        # ones, which the shipped data declares real (audited like any update).
        shipped = json.loads((Path(seed_dir) / EVIDENCE_TYPES).read_text(encoding="utf-8"))
        for item in shipped["evidence_types"]:
            _ensure(conn, actor, evidence_types, item["code"],
                    {**{k: v for k, v in item.items() if k != "code"}, SHIPPED_AS_REAL: True},
                    counts)
    log.info("seeded catalogue facts: %s", counts)
    return counts


def seed_demo(conn, seed_dir, actor):
    """The pilot use cases, every entry flagged illustrative."""
    demo = json.loads((Path(seed_dir) / DEMO).read_text(encoding="utf-8"))
    counts = {"created": 0, "updated": 0}
    with audit.write_transaction(conn):
        for item in demo["services"]:
            _ensure(conn, actor, services, item["code"],
                    {**{k: v for k, v in item.items() if k != "code"}, "illustrative": True},
                    counts)
        for item in demo["federal_offers"]:
            if offers.load(conn, item["code"]) is None:
                offers.submit(conn, actor, {**_dated(item), "illustrative": True})
                counts["created"] += 1
        _demo_cross_border(conn, actor, demo["cross_border"], counts)

        rules = demo["municipal_offers"]
        starts = date.fromisoformat(rules["valid_from"])
        kinds = {"starts": starts,
                 "verband_types": rules["meldebescheinigung_verband_types"],
                 "land_verband_types": [
                     f"{land}:{t}" for land, types in
                     rules["meldebescheinigung_verband_types_by_land"].items() for t in types]}
        # Through the collections' bulk verb: the same checks (references, overlaps) and
        # audit entries as any other write.
        new_orgs = organisations.submit_many(conn, actor, [
            {**row, "status": "active", "illustrative": True}
            for row in demo_queries.demo_organisations(conn, **kinds)])
        new_offers = offers.submit_many(conn, actor, [
            {"code": row["code"], "provider": row["provider"],
             "evidence_type": row["evidence_type"], "areas": [row["area_key"]],
             "service_id": row["service_id"], "endpoint_url": row["endpoint_url"],
             "connection_parameters": {"protocol": "XTA2"}, "status": "active",
             "valid_from": starts, "valid_to": row["valid_to"],
             "illustrative": True}
            for row in demo_queries.demo_municipal_offers(
                conn, endpoint_base=rules["endpoint_base"], **kinds)])
        counts["created"] += len(new_orgs) + len(new_offers)
    log.info("seeded demo catalogue: %s", counts)
    return counts


def _demo_cross_border(conn, actor, demo, counts):
    """The OOTS DSD's birth-certificate sample as illustrative catalogue entries."""
    for item in demo["organisations"]:
        _ensure(conn, actor, organisations, item["code"],
                {**{k: v for k, v in item.items() if k != "code"}, "status": "active",
                 "illustrative": True}, counts)
    for item in demo["evidence_types"]:
        _ensure(conn, actor, evidence_types, item["code"],
                {**{k: v for k, v in item.items() if k != "code"}, "illustrative": True},
                counts)
    for item in demo["offers"]:
        if offers.load(conn, item["code"]) is None:
            offers.submit(conn, actor, {**_dated(item), "status": "active",
                                        "illustrative": True})
            counts["created"] += 1


def _dated(item):
    """A seed file's offer with its ISO validity days as dates (as the API's schema loads
    them)."""
    return {**item, **{k: date.fromisoformat(item[k]) for k in ("valid_from", "valid_to")
                       if item.get(k)}}
