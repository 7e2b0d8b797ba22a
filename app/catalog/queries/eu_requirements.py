"""SQL of EU requirements (OOTS Evidence Broker)."""
import json

from psycopg.types.json import Jsonb

from .common import STATUS, Listing

_EU_REQUIREMENT_SELECT = """
    SELECT t.id, t.code, t.identifier, t.name_en, t.name_de, t.description_en,
           t.description_de, t.reference_frameworks,
           t.evidence_type_lists, t.status, t.illustrative, t.version, t.created_at,
           t.updated_at
    FROM eu_requirement t"""


EU_REQUIREMENTS = Listing("eu_requirement", _EU_REQUIREMENT_SELECT, {
    "procedure": ("t.reference_frameworks @> %(procedure)s::jsonb",
                  lambda procedure: json.dumps([{"procedure": procedure}])),
    "evidence_type_id": "EXISTS (SELECT 1 FROM eu_requirement_evidence_type e "
                        "WHERE e.requirement_id = t.id "
                        "AND e.evidence_type_id = %(evidence_type_id)s)",
    "status": STATUS})
get_eu_requirement, list_eu_requirements = EU_REQUIREMENTS.get, EU_REQUIREMENTS.list


def eu_requirement_evidence_types(conn, requirement_ids):
    """{requirement id: [[evidence type code, ...] per list position]}"""
    rows = conn.execute("""
        SELECT e.requirement_id, e.list_position, array_agg(et.code::text ORDER BY e.position)
               AS codes
        FROM eu_requirement_evidence_type e JOIN evidence_type et ON et.id = e.evidence_type_id
        WHERE e.requirement_id = ANY(%(ids)s)
        GROUP BY e.requirement_id, e.list_position
        ORDER BY e.requirement_id, e.list_position
    """, {"ids": list(requirement_ids)}).fetchall()
    result = {}
    for r in rows:
        lists = result.setdefault(r["requirement_id"], [])
        while len(lists) < r["list_position"]:
            lists.append([])
        lists.append(r["codes"])
    return result


def insert_eu_requirement(conn, v):
    return conn.execute("""
        INSERT INTO eu_requirement (code, identifier, name_en, name_de, description_en,
                                    description_de, reference_frameworks,
                                    evidence_type_lists, status, illustrative)
        VALUES (%(code)s, %(identifier)s, %(name_en)s, %(name_de)s, %(description_en)s,
                %(description_de)s, %(reference_frameworks)s, %(evidence_type_lists)s,
                %(status)s, %(illustrative)s)
        RETURNING id
    """, _eu_requirement_params(v)).fetchone()["id"]


def update_eu_requirement(conn, requirement_id, v):
    conn.execute("""
        UPDATE eu_requirement SET identifier = %(identifier)s, name_en = %(name_en)s,
               name_de = %(name_de)s, description_en = %(description_en)s,
               description_de = %(description_de)s, reference_frameworks = %(reference_frameworks)s,
               evidence_type_lists = %(evidence_type_lists)s, status = %(status)s,
               illustrative = %(illustrative)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_eu_requirement_params(v), "id": requirement_id})


def _eu_requirement_params(v):
    return {**v, "reference_frameworks": Jsonb(v["reference_frameworks"]),
            "evidence_type_lists": Jsonb([{"identifier": lst["identifier"],
                                           "name": lst["name"]}
                                          for lst in v["evidence_type_lists"]])}


def replace_eu_requirement_evidence_types(conn, requirement_id, lists):
    conn.execute("DELETE FROM eu_requirement_evidence_type WHERE requirement_id = %(id)s",
                 {"id": requirement_id})
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO eu_requirement_evidence_type (requirement_id, list_position, "
            "position, evidence_type_id) VALUES (%s, %s, %s, %s)",
            [(requirement_id, list_position, position, type_id)
             for list_position, lst in enumerate(lists)
             for position, type_id in enumerate(lst["evidence_type_ids"])])
