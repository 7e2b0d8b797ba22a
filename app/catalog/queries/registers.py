"""SQL of registers (the IDNrG register map)."""
from .common import STATUS, Listing, contains

_REGISTER_SELECT = """
    SELECT t.id, t.code, t.idnrg_number, t.name, t.description, t.legal_basis,
           t.keeping_authority_type, t.data_categories, t.status, t.illustrative, t.version,
           t.created_at, t.updated_at,
           COALESCE((SELECT array_agg(o.code::text ORDER BY o.code) FROM register_organisation ro
                     JOIN organisation o ON o.id = ro.organisation_id
                     WHERE ro.register_id = t.id AND ro.relation = 'keeper'),
                    '{}'::text[]) AS keepers,
           COALESCE((SELECT array_agg(o.code::text ORDER BY o.code) FROM register_organisation ro
                     JOIN organisation o ON o.id = ro.organisation_id
                     WHERE ro.register_id = t.id AND ro.relation = 'federal_counterpart'),
                    '{}'::text[]) AS federal_counterparts
    FROM register t"""


REGISTERS = Listing("register", _REGISTER_SELECT, {
    "name_like": ("lower(t.name) LIKE %(name_like)s", contains), "status": STATUS,
    "keeper_id": "EXISTS (SELECT 1 FROM register_organisation ro WHERE ro.register_id = t.id"
                 " AND ro.organisation_id = %(keeper_id)s)"},
    order="t.idnrg_number NULLS LAST, t.code")
get_register, list_registers = REGISTERS.get, REGISTERS.list


def insert_register(conn, v):
    return conn.execute("""
        INSERT INTO register (code, idnrg_number, name, description, legal_basis,
                              keeping_authority_type, data_categories, status, illustrative)
        VALUES (%(code)s, %(idnrg_number)s, %(name)s, %(description)s, %(legal_basis)s,
                %(keeping_authority_type)s, %(data_categories)s, %(status)s, %(illustrative)s)
        RETURNING id
    """, v).fetchone()["id"]


def update_register(conn, register_id, v):
    conn.execute("""
        UPDATE register SET idnrg_number = %(idnrg_number)s, name = %(name)s,
               description = %(description)s, legal_basis = %(legal_basis)s,
               keeping_authority_type = %(keeping_authority_type)s,
               data_categories = %(data_categories)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**v, "id": register_id})


def replace_register_organisations(conn, register_id, keeper_ids, counterpart_ids):
    conn.execute("DELETE FROM register_organisation WHERE register_id = %(id)s",
                 {"id": register_id})
    rows = [(register_id, org, "keeper") for org in keeper_ids] + \
           [(register_id, org, "federal_counterpart") for org in counterpart_ids]
    if rows:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO register_organisation (register_id, organisation_id, "
                            "relation) VALUES (%s, %s, %s)", rows)


