"""SQL for access: the user behind an API token, and the local record of an IAM-B subject."""


def actor_for_token(conn, token_hash):
    return conn.execute("""
        SELECT u.id AS user_id, u.code AS user_code, u.email, u.role,
               u.organisation_id, o.code AS organisation_code, t.expires_at,
               t.code AS token_code, t.environment
        FROM api_token t
        JOIN app_user u ON u.id = t.user_id
        LEFT JOIN organisation o ON o.id = u.organisation_id
        WHERE t.token_hash = %(hash)s AND t.revoked_at IS NULL AND t.expires_at > now()
          AND u.status = 'active'
          AND (o.id IS NULL OR o.status = 'active')
    """, {"hash": token_hash}).fetchone()


_IAM_USER_COLUMNS = ("id, code, role, name, organisation_id, status, version, iam_issuer, "
                     "iam_subject")


def active_organisation(conn, code):
    return conn.execute("SELECT id, code FROM organisation WHERE code = %(code)s "
                        "AND status = 'active'", {"code": code}).fetchone()


def iam_user(conn, issuer, subject, for_update=False):
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {_IAM_USER_COLUMNS} FROM app_user WHERE iam_issuer = %(iss)s "
        f"AND iam_subject = %(sub)s{lock}", {"iss": issuer, "sub": subject}).fetchone()
