"""SQL of services (Leistungen) and their evidence requirements."""
from .common import STATUS, Listing, contains

_SERVICE_SELECT = """
    SELECT t.id, t.code, t.leistungsschluessel, t.name_de, t.name_en, t.description, t.status,
           t.illustrative, t.version, t.created_at, t.updated_at
    FROM service t"""


SERVICES = Listing("service", _SERVICE_SELECT, {
    "name_like": ("lower(t.name_de) LIKE %(name_like)s", contains),
    "evidence_type_id": """EXISTS (SELECT 1 FROM service_requirement sr
                           JOIN requirement_evidence_list l ON l.requirement_id = sr.id
                           JOIN requirement_evidence_item i ON i.list_id = l.id
                           WHERE sr.service_id = t.id
                             AND i.evidence_type_id = %(evidence_type_id)s)""",
    "status": STATUS})
get_service, list_services = SERVICES.get, SERVICES.list


def service_requirements(conn, service_ids):
    """{service_id: [requirement rows with 'lists': [[evidence type codes]]]}"""
    rows = conn.execute("""
        SELECT sr.service_id, sr.id, sr.code, sr.name, sr.description, sr.position,
               l.position AS list_position, array_agg(et.code::text ORDER BY i.position) AS types
        FROM service_requirement sr
        LEFT JOIN requirement_evidence_list l ON l.requirement_id = sr.id
        LEFT JOIN requirement_evidence_item i ON i.list_id = l.id
        LEFT JOIN evidence_type et ON et.id = i.evidence_type_id
        WHERE sr.service_id = ANY(%(ids)s)
        GROUP BY sr.service_id, sr.id, l.position
        ORDER BY sr.service_id, sr.position, l.position
    """, {"ids": list(service_ids)}).fetchall()
    result = {}
    for row in rows:
        requirements = result.setdefault(row["service_id"], [])
        if not requirements or requirements[-1]["id"] != row["id"]:
            requirements.append({"id": row["id"], "code": row["code"], "name": row["name"],
                                 "description": row["description"], "lists": []})
        if row["list_position"] is not None:
            requirements[-1]["lists"].append([t for t in row["types"] if t])
    return result


def insert_service(conn, v):
    return conn.execute("""
        INSERT INTO service (code, leistungsschluessel, name_de, name_en, description, status,
                             illustrative)
        VALUES (%(code)s, %(leistungsschluessel)s, %(name_de)s, %(name_en)s, %(description)s,
                %(status)s, %(illustrative)s)
        RETURNING id
    """, v).fetchone()["id"]


def update_service(conn, service_id, v):
    conn.execute("""
        UPDATE service SET leistungsschluessel = %(leistungsschluessel)s, name_de = %(name_de)s,
               name_en = %(name_en)s, description = %(description)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**v, "id": service_id})


def replace_service_requirements(conn, service_id, requirements):
    """requirements: [{code, name, description, lists: [[evidence_type_id, ...], ...]}]"""
    conn.execute("DELETE FROM service_requirement WHERE service_id = %(id)s", {"id": service_id})
    for position, requirement in enumerate(requirements):
        requirement_id = conn.execute("""
            INSERT INTO service_requirement (service_id, position, code, name, description)
            VALUES (%(s)s, %(p)s, %(code)s, %(name)s, %(description)s) RETURNING id
        """, {"s": service_id, "p": position, "code": requirement["code"],
              "name": requirement["name"], "description": requirement.get("description")}
        ).fetchone()["id"]
        for list_position, type_ids in enumerate(requirement["lists"]):
            list_id = conn.execute(
                "INSERT INTO requirement_evidence_list (requirement_id, position) "
                "VALUES (%(r)s, %(p)s) RETURNING id", {"r": requirement_id, "p": list_position}
            ).fetchone()["id"]
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO requirement_evidence_item (list_id, "
                                "evidence_type_id, position) VALUES (%s, %s, %s)",
                                [(list_id, t, i) for i, t in enumerate(type_ids)])


