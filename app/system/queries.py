def migration_revision(conn):
    """The alembic revision the database is at, or None before the first migration."""
    exists = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL AS e").fetchone()
    if not exists["e"]:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row["version_num"] if row else None
