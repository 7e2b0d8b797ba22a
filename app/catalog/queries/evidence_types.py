"""SQL of evidence types (Nachweistypen)."""
from psycopg.types.json import Jsonb

from .common import STATUS, Listing

_EVIDENCE_TYPE_SELECT = """
    SELECT t.id, t.code, t.uri, t.title_de, t.title_en, t.description_de, t.description_en,
           t.formats, t.identity_attributes, t.oots_classification_uri,
           t.classification_concepts, t.status, t.illustrative, t.version, t.created_at,
           t.updated_at,
           COALESCE((SELECT array_agg(r.code::text ORDER BY r.code) FROM evidence_type_register er
                     JOIN register r ON r.id = er.register_id
                     WHERE er.evidence_type_id = t.id), '{}'::text[]) AS registers
    FROM evidence_type t"""


EVIDENCE_TYPES = Listing("evidence_type", _EVIDENCE_TYPE_SELECT, {
    "register_id": "EXISTS (SELECT 1 FROM evidence_type_register er "
                   "WHERE er.evidence_type_id = t.id AND er.register_id = %(register_id)s)",
    "status": STATUS})
get_evidence_type, list_evidence_types = EVIDENCE_TYPES.get, EVIDENCE_TYPES.list


def insert_evidence_type(conn, v):
    return conn.execute("""
        INSERT INTO evidence_type (code, uri, title_de, title_en, description_de,
                                   description_en, formats, identity_attributes,
                                   oots_classification_uri, classification_concepts, status,
                                   illustrative)
        VALUES (%(code)s, %(uri)s, %(title_de)s, %(title_en)s, %(description_de)s,
                %(description_en)s, %(formats)s, %(identity_attributes)s,
                %(oots_classification_uri)s, %(classification_concepts)s, %(status)s,
                %(illustrative)s)
        RETURNING id
    """, _evidence_type_params(v)).fetchone()["id"]


def _evidence_type_params(v):
    return {**v, "formats": Jsonb(v["formats"]),
            "classification_concepts": Jsonb(v.get("classification_concepts") or [])}


def update_evidence_type(conn, type_id, v):
    conn.execute("""
        UPDATE evidence_type SET title_de = %(title_de)s, title_en = %(title_en)s,
               description_de = %(description_de)s, description_en = %(description_en)s,
               formats = %(formats)s, identity_attributes = %(identity_attributes)s,
               oots_classification_uri = %(oots_classification_uri)s,
               classification_concepts = %(classification_concepts)s, status = %(status)s,
               illustrative = %(illustrative)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_evidence_type_params(v), "id": type_id})


def replace_evidence_type_registers(conn, type_id, register_ids):
    conn.execute("DELETE FROM evidence_type_register WHERE evidence_type_id = %(id)s",
                 {"id": type_id})
    if register_ids:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO evidence_type_register (evidence_type_id, register_id)"
                            " VALUES (%s, %s)", [(type_id, r) for r in register_ids])


