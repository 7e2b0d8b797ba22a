"""Seed benchmark: `regmap seed` of the full reference data into an empty database, next to
a naive row-by-row INSERT of the same rows.

    .venv/bin/python bench/seed_bench.py            # PostgreSQL at BENCH_DATABASE_URL,
                                                    # else 127.0.0.1:5432, else embedded
Each measurement uses a fresh database (migrated to head) and is repeated; the median counts.
"""
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.areas import queries, seed  # noqa: E402
from app.db import migrate  # noqa: E402
from tests import dbutil  # noqa: E402

RUNS = int(os.environ.get("RUNS", "3"))


def server():
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    except psycopg.OperationalError:
        return dbutil.server_url()


def server_version(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def time_cli_seed(url):
    env = dict(os.environ, DATABASE_URL=url)
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/regmap"), "seed"], env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - started


def time_in_process_seed(url):
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        started = time.perf_counter()
        seed.seed_areas(conn, ROOT / "catalog_seed")
        return time.perf_counter() - started


def time_naive_inserts(url):
    """The same rows, one INSERT statement each, in one transaction."""
    seed_dir = ROOT / "catalog_seed"
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        started = time.perf_counter()
        areas = seed.build_area_rows(seed_dir)
        former = seed.build_former_ars_rows(seed_dir)
        postcodes = seed.build_postcode_rows(seed_dir)
        with conn.transaction():
            for table, columns, rows in (
                    ("area", queries.AREA_STAGE_COLUMNS, areas),
                    ("former_ars", queries.FORMER_ARS_STAGE_COLUMNS, former),
                    ("postcode_area", queries.POSTCODE_STAGE_COLUMNS, postcodes)):
                statement = (f"INSERT INTO {table} ({', '.join(columns)}) "
                             f"VALUES ({', '.join(['%s'] * len(columns))})")
                for row in rows:
                    conn.execute(statement, row)
        return time.perf_counter() - started


def measure(label, fn, base):
    times = []
    for _ in range(RUNS):
        with dbutil.fresh_database(base) as url:
            migrate.upgrade(url)
            times.append(fn(url))
    print(f"{label:<48} median {statistics.median(times):6.2f} s   "
          f"runs: {', '.join(f'{t:.2f}' for t in times)}")
    return statistics.median(times)


def main():
    base = server()
    print(f"PostgreSQL {server_version(base)}, {RUNS} runs each, fresh database per run")
    cli = measure("regmap seed (CLI, incl. process start)", time_cli_seed, base)
    inproc = measure("seed_areas() in process (COPY + merge)", time_in_process_seed, base)
    naive = measure("naive: one INSERT per row, one transaction", time_naive_inserts, base)
    print(f"COPY+merge is {naive / inproc:.1f}x faster than row-by-row INSERT; "
          f"CLI total {cli:.2f} s (target < 10 s)")


if __name__ == "__main__":
    main()
