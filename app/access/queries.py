"""SQL for access: the user behind an API token."""


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
