"""SQL for governance: users, tokens, registrations."""
from ..db.pool import jsonb

# --- tokens and users ---------------------------------------------------------------------

_USER_COLUMNS = """u.id, u.code, u.email, u.name, u.role, u.status, u.organisation_id,
                   o.code AS organisation, o.status AS organisation_status, u.version,
                   u.created_at, u.updated_at"""


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


def update_user_registration_data(conn, user_id, *, email, name, password_hash=None):
    """A resubmission's corrections; the password hash only when a new one is given."""
    conn.execute("""
        UPDATE app_user SET email = %(email)s, name = %(name)s,
               password_hash = coalesce(%(pw)s, password_hash),
               version = version + 1, updated_at = now() WHERE id = %(id)s
    """, {"email": email, "name": name, "pw": password_hash, "id": user_id})


def set_password_hash(conn, user_id, password_hash):
    conn.execute("UPDATE app_user SET password_hash = %(pw)s, version = version + 1, "
                 "updated_at = now() WHERE id = %(id)s", {"pw": password_hash, "id": user_id})


def end_web_sessions(conn, user_id):
    """Sign the user out of every browser (new password, deactivation)."""
    conn.execute("DELETE FROM web_session WHERE user_id = %(id)s", {"id": user_id})


def insert_token(conn, *, code, user_id, name, token_hash, expires_at, created_by,
                 environment=None):
    return conn.execute("""
        INSERT INTO api_token (code, user_id, name, token_hash, expires_at, created_by,
                               environment)
        VALUES (%(code)s, %(user)s, %(name)s, %(hash)s, %(expires)s, %(by)s, %(env)s)
        RETURNING code, name, created_at, expires_at, revoked_at, environment
    """, {"code": code, "user": user_id, "name": name, "hash": token_hash,
          "expires": expires_at, "by": created_by, "env": environment}).fetchone()


_TOKEN_COLUMNS = """t.id, t.code, t.name, t.created_at, t.expires_at, t.revoked_at,
                    t.environment,
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
    r.version, r.created_at, r.updated_at, r.organisation_id, r.user_id, r.conflicts,
    r.applicant,
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


def insert_registration(conn, *, code, claim_secret_hash, organisation_id, user_id,
                        conflicts=(), applicant=None):
    conn.execute("""
        INSERT INTO registration (code, claim_secret_hash, organisation_id, user_id, status,
                                  conflicts, applicant)
        VALUES (%(code)s, %(hash)s, %(org)s, %(user)s, 'pending', %(conflicts)s,
                %(applicant)s)
    """, {"code": code, "hash": claim_secret_hash, "org": organisation_id, "user": user_id,
          "conflicts": jsonb(list(conflicts)), "applicant": jsonb(applicant)})


def set_registration_status(conn, registration_id, status, *, reason=None, decided_by=None):
    conn.execute("""
        UPDATE registration SET status = %(status)s, reason = %(reason)s,
               decided_by = %(by)s,
               decided_at = CASE WHEN %(by)s::bigint IS NULL THEN NULL ELSE now() END,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {"status": status, "reason": reason, "by": decided_by, "id": registration_id})


# --- rate limits (throttle.py) --------------------------------------------------------------

def rate_events(conn, kind, key, window):
    """(events of `key` within `window`, seconds since the oldest of them)."""
    row = conn.execute("""
        SELECT count(*) AS n,
               COALESCE(extract(epoch FROM clock_timestamp() - min(at)), 0) AS age
        FROM rate_event WHERE kind = %(kind)s AND key = %(key)s
          AND at > clock_timestamp() - %(window)s
    """, {"kind": kind, "key": key, "window": window}).fetchone()
    return row["n"], float(row["age"])


def record_rate_events(conn, kind, keys, window):
    """One event per key now; events of these keys older than the window go."""
    conn.execute("DELETE FROM rate_event WHERE kind = %(kind)s AND key = ANY(%(keys)s) "
                 "AND at <= clock_timestamp() - %(window)s",
                 {"kind": kind, "keys": list(keys), "window": window})
    conn.execute("INSERT INTO rate_event (kind, key) SELECT %(kind)s, unnest(%(keys)s::text[])",
                 {"kind": kind, "keys": list(keys)})


def clear_rate_events(conn, kind, key):
    conn.execute("DELETE FROM rate_event WHERE kind = %(kind)s AND key = %(key)s",
                 {"kind": kind, "key": key})


# --- browser sessions (web/sessions.py signs in with them) ------------------------------
def insert_session(conn, *, session_hash, user_id, csrf_token, expires_at):
    conn.execute(
        "INSERT INTO web_session (session_hash, user_id, csrf_token, expires_at) "
        "VALUES (%(hash)s, %(user)s, %(csrf)s, %(expires)s)",
        {"hash": session_hash, "user": user_id, "csrf": csrf_token, "expires": expires_at})


def session_actor(conn, session_hash):
    """The signed-in user of a live session; none once the user or organisation is no
    longer active."""
    return conn.execute("""
        SELECT s.csrf_token, u.id AS user_id, u.code AS user_code, u.email, u.name, u.role,
               u.organisation_id, o.code AS organisation_code, o.name AS organisation_name,
               u.iam_issuer, u.iam_subject
        FROM web_session s
        JOIN app_user u ON u.id = s.user_id
        LEFT JOIN organisation o ON o.id = u.organisation_id
        WHERE s.session_hash = %(hash)s AND s.expires_at > now() AND u.status = 'active'
          AND (o.id IS NULL OR o.status = 'active')
    """, {"hash": session_hash}).fetchone()


def delete_session(conn, session_hash):
    conn.execute("DELETE FROM web_session WHERE session_hash = %(hash)s", {"hash": session_hash})


def delete_expired_sessions(conn):
    """Housekeeping at every sign-in (indexed on expires_at): dead sessions do not pile up."""
    conn.execute("DELETE FROM web_session WHERE expires_at <= now()")


def upsert_iam_user(conn, *, code, issuer, subject, role, organisation_id, name):
    """The subject's user record as its token describes it (created active at first sight;
    a deactivated one stays deactivated)."""
    return conn.execute("""
        INSERT INTO app_user (code, role, name, organisation_id, status, iam_issuer,
                              iam_subject)
        VALUES (%(code)s, %(role)s, %(name)s, %(org)s, 'active', %(iss)s, %(sub)s)
        ON CONFLICT (iam_issuer, iam_subject) DO UPDATE
            SET role = EXCLUDED.role, name = EXCLUDED.name,
                organisation_id = EXCLUDED.organisation_id,
                version = app_user.version + 1, updated_at = now()
        RETURNING id, code, role, name, organisation_id, status, version, iam_issuer,
                  iam_subject
    """, {"code": code, "role": role, "name": name, "org": organisation_id, "iss": issuer,
          "sub": subject}).fetchone()
