"""SQL for governance: users, tokens, registrations, proposals, audit and change feed."""
import json

from psycopg.types.json import Jsonb


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _jsonb(document):
    # Dates and timestamps inside audit documents are written as ISO strings.
    return Jsonb(document, dumps=lambda obj: json.dumps(obj, default=_iso)) \
        if document is not None else None


# --- tokens and users ---------------------------------------------------------------------

def actor_for_token(conn, token_hash):
    return conn.execute("""
        SELECT u.id AS user_id, u.code AS user_code, u.email, u.role,
               u.organisation_id, o.code AS organisation_code, t.expires_at
        FROM api_token t
        JOIN app_user u ON u.id = t.user_id
        LEFT JOIN organisation o ON o.id = u.organisation_id
        WHERE t.token_hash = %(hash)s AND t.revoked_at IS NULL AND t.expires_at > now()
          AND u.status = 'active'
          AND (o.id IS NULL OR o.status = 'active')
    """, {"hash": token_hash}).fetchone()


_USER_COLUMNS = """u.id, u.code, u.email, u.name, u.role, u.status, u.organisation_id,
                   o.code AS organisation, u.version, u.created_at, u.updated_at"""


def get_user(conn, *, code=None, email=None, for_update=False):
    column, value = ("u.code", code) if code else ("u.email", email)
    lock = " FOR UPDATE OF u" if for_update else ""
    return conn.execute(
        f"SELECT {_USER_COLUMNS} FROM app_user u LEFT JOIN organisation o "
        f"ON o.id = u.organisation_id WHERE {column} = %(value)s{lock}",
        {"value": value}).fetchone()


def password_hash_of(conn, user_id):
    row = conn.execute("SELECT password_hash FROM app_user WHERE id = %(id)s",
                       {"id": user_id}).fetchone()
    return row["password_hash"] if row else None


def list_users(conn, *, organisation_id=None, limit, offset):
    where = "u.organisation_id = %(org)s" if organisation_id else "true"
    params = {"org": organisation_id, "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM app_user u WHERE {where}", params)
    rows = conn.execute(
        f"SELECT {_USER_COLUMNS} FROM app_user u LEFT JOIN organisation o "
        f"ON o.id = u.organisation_id WHERE {where} ORDER BY u.code "
        "LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total.fetchone()["n"]


def insert_user(conn, *, code, email, name, role, organisation_id, status, password_hash):
    return conn.execute("""
        INSERT INTO app_user (code, email, name, role, organisation_id, status, password_hash)
        VALUES (%(code)s, %(email)s, %(name)s, %(role)s, %(org)s, %(status)s, %(pw)s)
        RETURNING id
    """, {"code": code, "email": email, "name": name, "role": role, "org": organisation_id,
          "status": status, "pw": password_hash}).fetchone()["id"]


def set_user_status(conn, user_id, status):
    conn.execute("UPDATE app_user SET status = %(s)s, version = version + 1, updated_at = now() "
                 "WHERE id = %(id)s", {"s": status, "id": user_id})


def update_user_registration_data(conn, user_id, *, email, name, password_hash):
    conn.execute("""
        UPDATE app_user SET email = %(email)s, name = %(name)s, password_hash = %(pw)s,
               version = version + 1, updated_at = now() WHERE id = %(id)s
    """, {"email": email, "name": name, "pw": password_hash, "id": user_id})


def set_password_hash(conn, user_id, password_hash):
    conn.execute("UPDATE app_user SET password_hash = %(pw)s, version = version + 1, "
                 "updated_at = now() WHERE id = %(id)s", {"pw": password_hash, "id": user_id})


def end_web_sessions(conn, user_id):
    """Sign the user out of every browser (new password, deactivation)."""
    conn.execute("DELETE FROM web_session WHERE user_id = %(id)s", {"id": user_id})


def insert_token(conn, *, code, user_id, name, token_hash, expires_at, created_by):
    return conn.execute("""
        INSERT INTO api_token (code, user_id, name, token_hash, expires_at, created_by)
        VALUES (%(code)s, %(user)s, %(name)s, %(hash)s, %(expires)s, %(by)s)
        RETURNING code, name, created_at, expires_at, revoked_at
    """, {"code": code, "user": user_id, "name": name, "hash": token_hash,
          "expires": expires_at, "by": created_by}).fetchone()


_TOKEN_COLUMNS = """t.id, t.code, t.name, t.created_at, t.expires_at, t.revoked_at,
                    u.id AS user_id, u.code AS user_code, u.email AS user_email,
                    u.organisation_id"""


def get_token(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM api_token t JOIN app_user u ON u.id = t.user_id "
        f"WHERE t.code = %(code)s{lock}", {"code": code}).fetchone()


def list_tokens(conn, *, user_id=None, organisation_id=None, limit, offset):
    where = ["true"]
    if user_id:
        where.append("t.user_id = %(user)s")
    if organisation_id:
        where.append("u.organisation_id = %(org)s")
    where = " AND ".join(where)
    params = {"user": user_id, "org": organisation_id, "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM api_token t JOIN app_user u "
                         f"ON u.id = t.user_id WHERE {where}", params).fetchone()["n"]
    rows = conn.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM api_token t JOIN app_user u ON u.id = t.user_id "
        f"WHERE {where} ORDER BY t.code LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total


def revoke_token(conn, token_id):
    conn.execute("UPDATE api_token SET revoked_at = now() WHERE id = %(id)s "
                 "AND revoked_at IS NULL", {"id": token_id})


def revoke_tokens_of_user(conn, user_id):
    conn.execute("UPDATE api_token SET revoked_at = now() WHERE user_id = %(id)s "
                 "AND revoked_at IS NULL", {"id": user_id})


# --- registrations ------------------------------------------------------------------------

_REGISTRATION_COLUMNS = """r.id, r.code, r.claim_secret_hash, r.status, r.reason, r.decided_at,
    r.version, r.created_at, r.updated_at, r.organisation_id, r.user_id,
    o.code AS organisation_code, o.name AS organisation_name, u.code AS user_code,
    u.email AS user_email, u.name AS user_name, u.role AS user_role, d.email AS decided_by"""


def get_registration(conn, code, for_update=False):
    lock = " FOR UPDATE OF r" if for_update else ""
    return conn.execute(
        f"SELECT {_REGISTRATION_COLUMNS} FROM registration r "
        "JOIN organisation o ON o.id = r.organisation_id JOIN app_user u ON u.id = r.user_id "
        f"LEFT JOIN app_user d ON d.id = r.decided_by WHERE r.code = %(code)s{lock}",
        {"code": code}).fetchone()


def list_registrations(conn, *, status=None, limit, offset):
    where = "r.status = %(status)s" if status else "true"
    params = {"status": status, "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM registration r WHERE {where}",
                         params).fetchone()["n"]
    rows = conn.execute(
        f"SELECT {_REGISTRATION_COLUMNS} FROM registration r "
        "JOIN organisation o ON o.id = r.organisation_id JOIN app_user u ON u.id = r.user_id "
        f"LEFT JOIN app_user d ON d.id = r.decided_by WHERE {where} ORDER BY r.code "
        "LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total


def insert_registration(conn, *, code, claim_secret_hash, organisation_id, user_id):
    conn.execute("""
        INSERT INTO registration (code, claim_secret_hash, organisation_id, user_id, status)
        VALUES (%(code)s, %(hash)s, %(org)s, %(user)s, 'pending')
    """, {"code": code, "hash": claim_secret_hash, "org": organisation_id, "user": user_id})


def set_registration_status(conn, registration_id, status, *, reason=None, decided_by=None):
    conn.execute("""
        UPDATE registration SET status = %(status)s, reason = %(reason)s,
               decided_by = %(by)s,
               decided_at = CASE WHEN %(by)s::bigint IS NULL THEN NULL ELSE now() END,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {"status": status, "reason": reason, "by": decided_by, "id": registration_id})


# --- proposals ----------------------------------------------------------------------------

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
        "SELECT p.object_id, p.kind, p.payload, p.base_version, p.proposed_at, "
        "u.email AS proposed_by_email FROM proposal p JOIN app_user u ON u.id = p.proposed_by "
        "WHERE p.collection = %(c)s AND p.object_id = ANY(%(ids)s) AND p.status = 'pending'",
        {"c": collection, "ids": list(object_ids)}).fetchall()
    return {row["object_id"]: row for row in rows}


def insert_proposal(conn, *, collection, object_id, kind, payload, base_version, proposed_by):
    conn.execute("""
        INSERT INTO proposal (collection, object_id, kind, payload, base_version, proposed_by,
                              status)
        VALUES (%(c)s, %(id)s, %(kind)s, %(payload)s, %(base)s, %(by)s, 'pending')
    """, {"c": collection, "id": object_id, "kind": kind, "payload": _jsonb(payload),
          "base": base_version, "by": proposed_by})


def decide_proposal(conn, proposal_id, status, *, decided_by, reason=None):
    conn.execute("""
        UPDATE proposal SET status = %(s)s, decided_by = %(by)s, decided_at = now(),
               reason = %(reason)s WHERE id = %(id)s
    """, {"s": status, "by": decided_by, "reason": reason, "id": proposal_id})


def list_pending_proposals(conn, *, limit, offset):
    params = {"limit": limit, "offset": offset}
    total = conn.execute("SELECT count(*) AS n FROM proposal WHERE status = 'pending'"
                         ).fetchone()["n"]
    rows = conn.execute("""
        SELECT p.id, p.collection, p.kind, p.proposed_at, u.email AS proposed_by_email,
               COALESCE(o.code, pm.code) AS object_code
        FROM proposal p JOIN app_user u ON u.id = p.proposed_by
        LEFT JOIN offer o ON p.collection = 'offers' AND o.id = p.object_id
        LEFT JOIN permission pm ON p.collection = 'permissions' AND pm.id = p.object_id
        WHERE p.status = 'pending' ORDER BY p.id LIMIT %(limit)s OFFSET %(offset)s
    """, params).fetchall()
    return rows, total


# --- audit and change feed ----------------------------------------------------------------

def insert_audit(conn, *, actor_user_id, actor, action, collection, object_code,
                 object_version, before, after, reason, request_id):
    conn.execute("""
        INSERT INTO audit_log (actor_user_id, actor, action, collection, object_code,
                               object_version, before, after, reason, request_id)
        VALUES (%(uid)s, %(actor)s, %(action)s, %(collection)s, %(code)s, %(version)s,
                %(before)s, %(after)s, %(reason)s, %(rid)s)
    """, {"uid": actor_user_id, "actor": actor, "action": action, "collection": collection,
          "code": object_code, "version": object_version, "before": _jsonb(before),
          "after": _jsonb(after), "reason": reason, "rid": request_id})


def publish_changes(conn):
    """Give this transaction's audit entries their change-feed positions. Locking the
    counter row until commit is what makes positions follow commit order."""
    pending = conn.execute("""
        SELECT count(*) AS n FROM audit_log a
        WHERE a.txid = pg_current_xact_id()
          AND NOT EXISTS (SELECT 1 FROM change_feed c WHERE c.audit_id = a.id)
    """).fetchone()["n"]
    if not pending:
        return 0
    last = conn.execute("UPDATE change_counter SET position = position + %(n)s "
                        "RETURNING position", {"n": pending}).fetchone()["position"]
    conn.execute("""
        INSERT INTO change_feed (position, audit_id)
        SELECT %(first)s + row_number() OVER (ORDER BY a.id) - 1, a.id FROM audit_log a
        WHERE a.txid = pg_current_xact_id()
          AND NOT EXISTS (SELECT 1 FROM change_feed c WHERE c.audit_id = a.id)
    """, {"first": last - pending + 1})
    return pending


_AUDIT_COLUMNS = """a.id, a.at, a.actor, a.action, a.collection, a.object_code,
                    a.object_version, a.before, a.after, a.reason, a.request_id"""


def list_audit(conn, *, actor=None, collection=None, object_code=None, action=None,
               since=None, until=None, limit, offset):
    where = ["true"]
    if actor:
        where.append("a.actor = %(actor)s")
    if collection:
        where.append("a.collection = %(collection)s")
    if object_code:
        where.append("a.object_code = %(code)s")
    if action:
        where.append("a.action = %(action)s")
    if since:
        where.append("a.at >= %(since)s")
    if until:
        where.append("a.at < %(until)s")
    where = " AND ".join(where)
    params = {"actor": actor, "collection": collection, "code": object_code, "action": action,
              "since": since, "until": until, "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM audit_log a WHERE {where}",
                         params).fetchone()["n"]
    rows = conn.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit_log a WHERE {where} "
                        "ORDER BY a.id LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total


def list_changes(conn, *, since, limit):
    return conn.execute(f"""
        SELECT c.position, {_AUDIT_COLUMNS} FROM change_feed c
        JOIN audit_log a ON a.id = c.audit_id
        WHERE c.position > %(since)s ORDER BY c.position LIMIT %(limit)s
    """, {"since": since, "limit": limit}).fetchall()


def last_change_position(conn):
    return conn.execute("SELECT position FROM change_counter").fetchone()["position"]


def catalogue_version(conn):
    """(last change-feed position, last audit id): differs after every catalogue write.
    The audit id also tells apart states that rolled back to the same position (tests)."""
    row = conn.execute("SELECT position, (SELECT max(id) FROM audit_log) AS last_audit "
                       "FROM change_counter").fetchone()
    return row["position"], row["last_audit"]


def insert_audit_many(conn, entries):
    """Bulk audit entries (seeding): dicts with the arguments of insert_audit."""
    with conn.cursor() as cur:
        cur.executemany("""
            INSERT INTO audit_log (actor_user_id, actor, action, collection, object_code,
                                   object_version, before, after, reason, request_id)
            VALUES (%(actor_user_id)s, %(actor)s, %(action)s, %(collection)s, %(object_code)s,
                    %(object_version)s, %(before)s, %(after)s, %(reason)s, %(request_id)s)
        """, [{**e, "before": _jsonb(e.get("before")), "after": _jsonb(e.get("after")),
               "reason": e.get("reason"), "request_id": None} for e in entries])
