"""SQL of abstract permissions."""
from .common import STATUS, Listing

_PERMISSION_SELECT = """
    SELECT t.id, t.code, t.consumer_id, c.code AS consumer, t.service_id AS service_pk,
           s.code AS service, t.evidence_type_id, et.code AS evidence_type, t.provider_id,
           p.code AS provider, t.legal_basis, t.may_use_identification_number, t.valid_from,
           t.valid_to, t.status, t.illustrative, t.environment, t.version, t.created_at,
           t.updated_at
    FROM permission t JOIN organisation c ON c.id = t.consumer_id
    JOIN service s ON s.id = t.service_id JOIN evidence_type et ON et.id = t.evidence_type_id
    LEFT JOIN organisation p ON p.id = t.provider_id"""


PERMISSIONS = Listing("permission", _PERMISSION_SELECT, {
    "consumer_id": "t.consumer_id = %(consumer_id)s",
    "service_id": "t.service_id = %(service_id)s",
    "evidence_type_id": "t.evidence_type_id = %(evidence_type_id)s",
    "status": STATUS, "environment": "t.environment = %(environment)s"},
    owner_column="t.consumer_id")
get_permission, list_permissions = PERMISSIONS.get, PERMISSIONS.list


def insert_permission(conn, v):
    return conn.execute("""
        INSERT INTO permission (code, consumer_id, service_id, evidence_type_id, provider_id,
                                legal_basis, may_use_identification_number, valid_from,
                                valid_to, status, illustrative, environment)
        VALUES (%(code)s, %(consumer_id)s, %(service_pk)s, %(evidence_type_id)s,
                %(provider_id)s, %(legal_basis)s, %(may_use_identification_number)s,
                %(valid_from)s, %(valid_to)s, %(status)s, %(illustrative)s, %(environment)s)
        RETURNING id
    """, v).fetchone()["id"]


def update_permission(conn, permission_id, v):
    conn.execute("""
        UPDATE permission SET consumer_id = %(consumer_id)s, service_id = %(service_pk)s,
               evidence_type_id = %(evidence_type_id)s, provider_id = %(provider_id)s,
               legal_basis = %(legal_basis)s,
               may_use_identification_number = %(may_use_identification_number)s,
               valid_from = %(valid_from)s, valid_to = %(valid_to)s, status = %(status)s,
               environment = %(environment)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**v, "id": permission_id})


