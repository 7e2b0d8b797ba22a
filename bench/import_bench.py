"""CSV import benchmark: 10,000 offers on one area key through
`POST /offers/import?dry_run=true` — every row overlapping the others (the case that was
quadratic: 55-74 s, or out of memory), and every row a consecutive period on the same key
(no overlap: each row is compared with the key's offers) — next to 10,000 rows on 10,000
different municipalities.

    .venv/bin/python bench/import_bench.py      # a fresh database on BENCH_DATABASE_URL,
                                                # else 127.0.0.1:5432, else embedded
"""
import sys
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.access.actor import system_actor  # noqa: E402
from app.areas.seed import seed_areas  # noqa: E402
from app.db import migrate  # noqa: E402
from app.governance.users import ensure_user_with_role, issue_token  # noqa: E402
from bench.seed_bench import server  # noqa: E402
from tests import dbutil  # noqa: E402

ROWS = 10_000


def main():
    with dbutil.fresh_database(server()) as url:
        migrate.upgrade(url)
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            seed_areas(conn, ROOT / "catalog_seed")
            dbutil.seed_catalogue(conn, ROOT / "catalog_seed")
            user = ensure_user_with_role(conn, system_actor("bench"), email="dm@bench.example",
                                         role="data_manager")
            token = issue_token(conn, system_actor("bench"), user)["token"]
            keys = [r["key"] for r in conn.execute(
                "SELECT key FROM area WHERE level = 'municipality' AND source_status = "
                "'current' ORDER BY key LIMIT %(n)s", {"n": ROWS})]
        app = create_app({"DATABASE_URL": url, "CACHE_POLL_SECONDS": 0})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        client.post("/api/v1/organisations", headers=headers | {"Content-Type":
                                                                "application/json"},
                    json={"code": "amt-a", "name": "Amt A", "kind": "Amt"})

        def period(n):
            return f"{2000 + n // 12:04d}-{n % 12 + 1:02d}-01", \
                f"{2000 + (n + 1) // 12:04d}-{(n + 1) % 12 + 1:02d}-01"
        cases = {
            "one key, every row overlapping": lambda n: ("01054018", "", ""),
            "one key, consecutive periods": lambda n: ("01054018", *period(n)),
            "10,000 keys, one row each": lambda n: (keys[n], "", ""),
        }
        print(f"| case ({ROWS:,} rows, dry run) | status | seconds | problems |")
        print("|---|---|---|---|")
        for label, spec in cases.items():
            body = "provider,evidence_type,areas,service_id,endpoint_url,valid_from,valid_to\n"
            body += "".join("amt-a,meldebescheinigung,{},urn:{},https://x.example/{},{},{}\n"
                            .format(spec(n)[0], n, n, *spec(n)[1:]) for n in range(ROWS))
            started = time.perf_counter()
            r = client.post("/api/v1/offers/import?dry_run=true", data=body.encode(),
                            headers=headers)
            took = time.perf_counter() - started
            print(f"| {label} | {r.status_code} | {took:.2f} | "
                  f"{(r.json or {}).get('error_count', 0)} |")


if __name__ == "__main__":
    main()
