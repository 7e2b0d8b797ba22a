"""SQL for review: proposals and their decisions."""
from ..db.pool import jsonb


def pending_proposal(conn, collection, object_id, for_update=False):
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        "SELECT p.id, p.kind, p.payload, p.base_version, p.proposed_by, p.proposed_at, "
        "u.email AS proposed_by_email FROM proposal p JOIN app_user u ON u.id = p.proposed_by "
        f"WHERE p.collection = %(c)s AND p.object_id = %(id)s AND p.status = 'pending'{lock}",
        {"c": collection, "id": object_id}).fetchone()


def pending_proposals(conn, collection, object_ids):
    """Pending proposals of many objects at once (lists)."""
    rows = conn.execute(
        "SELECT p.id, p.object_id, p.kind, p.payload, p.base_version, p.proposed_at, "
        "u.email AS proposed_by_email FROM proposal p JOIN app_user u ON u.id = p.proposed_by "
        "WHERE p.collection = %(c)s AND p.object_id = ANY(%(ids)s) AND p.status = 'pending'",
        {"c": collection, "ids": list(object_ids)}).fetchall()
    return {row["object_id"]: row for row in rows}


def insert_proposal(conn, *, collection, object_id, kind, payload, base_version, proposed_by):
    conn.execute("""
        INSERT INTO proposal (collection, object_id, kind, payload, base_version, proposed_by,
                              status)
        VALUES (%(c)s, %(id)s, %(kind)s, %(payload)s, %(base)s, %(by)s, 'pending')
    """, {"c": collection, "id": object_id, "kind": kind, "payload": jsonb(payload),
          "base": base_version, "by": proposed_by})


def decide_proposal(conn, proposal_id, status, *, decided_by, reason=None):
    conn.execute("""
        UPDATE proposal SET status = %(s)s, decided_by = %(by)s, decided_at = now(),
               reason = %(reason)s WHERE id = %(id)s
    """, {"s": status, "by": decided_by, "reason": reason, "id": proposal_id})


def list_pending_proposals(conn, *, kinds, limit, offset):
    params = {"kinds": list(kinds), "limit": limit, "offset": offset}
    total = conn.execute("SELECT count(*) AS n FROM proposal WHERE status = 'pending' "
                         "AND collection = ANY(%(kinds)s)", params).fetchone()["n"]
    rows = conn.execute("""
        SELECT p.id, p.collection, p.kind, p.proposed_at, u.email AS proposed_by_email,
               COALESCE(o.code, pm.code, r.code, pc.code) AS object_code
        FROM proposal p JOIN app_user u ON u.id = p.proposed_by
        LEFT JOIN offer o ON p.collection = 'offers' AND o.id = p.object_id
        LEFT JOIN permission pm ON p.collection = 'permissions' AND pm.id = p.object_id
        LEFT JOIN registration r ON p.collection = 'registrations' AND r.id = p.object_id
        LEFT JOIN postcode_curation pc ON p.collection = 'postcodes' AND pc.id = p.object_id
        WHERE p.status = 'pending' AND p.collection = ANY(%(kinds)s)
        ORDER BY p.id LIMIT %(limit)s OFFSET %(offset)s
    """, params).fetchall()
    return rows, total
