"""EXPLAIN (ANALYZE) of the queries behind competence lookups: the index loads and the
per-request checks that do reach the database.

    .venv/bin/python bench/explain.py        # DATABASE_URL, else the embedded database
"""
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402

QUERIES = {
    "catalogue version (each poll, 4x per second per process)":
        "SELECT position, (SELECT max(id) FROM audit_log) FROM change_counter",
    "token -> actor (first request of a token per catalogue version)": """
        SELECT u.id, u.role, o.code, t.expires_at FROM api_token t
        JOIN app_user u ON u.id = t.user_id LEFT JOIN organisation o ON o.id = u.organisation_id
        WHERE t.token_hash = repeat('a', 64) AND t.revoked_at IS NULL
          AND t.expires_at > now()""",
    "active offers of one evidence type (index load)": """
        SELECT o.code, oa.area_key FROM offer o JOIN organisation p ON p.id = o.provider_id
        JOIN offer_area oa ON oa.offer_id = o.id
        WHERE o.evidence_type_id = (SELECT id FROM evidence_type
                                    WHERE code = 'fahrzeugdaten-zb1')
          AND o.status = 'active'""",
    "offers overlapping a new one (write path)": """
        SELECT DISTINCT t.code FROM offer t JOIN offer_area oa ON oa.offer_id = t.id
        WHERE t.evidence_type_id = 1 AND t.status = 'active'
          AND oa.area_key = ANY(ARRAY['03241001'])""",
    "municipality by AGS (GET /municipalities/{ags})":
        "SELECT * FROM area WHERE level = 'municipality' AND key = '09162000'",
}


def main():
    url = resolve_database_url(Config.from_env())
    with psycopg.connect(url) as conn:
        for title, sql in QUERIES.items():
            print(f"-- {title}")
            for (line,) in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql):
                print("   " + line)
            print()


if __name__ == "__main__":
    main()
