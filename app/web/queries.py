"""SQL for browser sessions (table web_session, migration 0003)."""


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
               u.organisation_id, o.code AS organisation_code, o.name AS organisation_name
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
