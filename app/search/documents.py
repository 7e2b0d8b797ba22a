"""Catalogue objects as index documents: what is searched, shown, filtered and faceted."""
from ..catalog.evidence_types import evidence_types
from ..catalog.offers import offers
from ..catalog.organisations import organisations
from ..catalog.registers import registers
from ..catalog.services import services
from . import queries

# Index type -> (collection whose public statuses decide visibility, SQL reader, builder).
TYPES = {}


def _join(*parts):
    return " ".join(p for p in parts if p)


def _visibility(collection, status):
    return "public" if status in collection.public_statuses else "restricted"


def _document(kind, collection, row, *, title, text, keys, land="", owner=None,
              context="", shown_text=None):
    keys = [k for k in keys if k]
    return {"id": f"{collection.name}/{row['code']}", "type": kind, "code": row["code"],
            "title": title, "text": _join(shown_text or title, text),
            "words": _join(shown_text or title, text), "context": context,
            "keys": " ".join(k.lower() for k in keys), "land": land or "none",
            "status": row["status"], "visibility": _visibility(collection, row["status"]),
            "owner": str(owner) if owner else "none"}


def organisation(row):
    # The kind ("Gemeinde", "Meldebehörde") describes thousands of organisations: context.
    return _document("organisation", organisations, row, title=row["name"],
                     text=_join(row["abbreviation"], row["seat_name"]), context=row["kind"],
                     # An access point is found by the OOTS EDM versions it speaks.
                     keys=[row["code"], row["abbreviation"], row["dvdv_key"], row["seat_ags"],
                           *row["edm_versions"]],
                     land=(row["seat_ags"] or "")[:2], owner=row["id"])


def register(row):
    number = row["idnrg_number"]
    return _document("register", registers, row, title=row["name"],
                     text=_join(row["description"], row["legal_basis"],
                                row["keeping_authority_type"]),
                     keys=[row["code"], str(number) if number else None])


def evidence_type(row):
    return _document("evidence-type", evidence_types, row, title=row["title_de"],
                     text=_join(row["title_en"], row["description_de"], row["description_en"],
                                row["register_names"], row["concept_texts"]),
                     # The OOTS classification URI finds it as exactly as its own URI.
                     keys=[row["code"], row["uri"], row["oots_classification_uri"]])


def service(row):
    return _document("service", services, row, title=row["name_de"],
                     text=_join(row["name_en"], row["description"], row["requirement_names"]),
                     keys=[row["code"], row["leistungsschluessel"]])


def offer(row):
    areas = row["areas"]
    land = "DE" if areas == ["DE"] else areas[0][:2]
    return _document("offer", offers, row,
                     title=f"{row['evidence_title']} – {row['provider_name']}",
                     shown_text=row["provider_name"], text=row["area_names"],
                     context=_join(row["evidence_title"], row["evidence_type"]),
                     # OOTS: its eIDAS level of assurance and its media types, as codes.
                     keys=[row["code"], row["provider"], *areas, row["level_of_assurance"],
                           *row["formats"]], land=land,
                     owner=row["provider_id"])


TYPES = {
    "organisations": (queries.organisations, organisation),
    "registers": (queries.registers, register),
    "evidence-types": (queries.evidence_types, evidence_type),
    "services": (queries.services, service),
    "offers": (queries.offers, offer),
}
# Changes to these also change documents of another collection (names shown in offers).
DEPENDENTS = {"organisations": ("offers",), "evidence-types": ("offers",)}


def all_documents(conn):
    for reader, build in TYPES.values():
        for row in reader(conn):
            yield build(row)


def documents_for(conn, collection, codes):
    reader, build = TYPES[collection]
    return [build(row) for row in reader(conn, codes)]
