"""Competence at national scale: the generated catalogue of `regmap seed
--national` (120 evidence types, ~476,000 offers), its load time, lookups with and without
writes next to a bare Flask hello, memory per worker, worker start to first answer, and
throughput while every worker rebuilds its index.

    .venv/bin/python bench/national_bench.py
Needs wrk and a PostgreSQL server: BENCH_SERVER_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
the benchmark creates (and keeps, for reruns) the database `regmap_national` on it; FRESH=1
drops it first, so that the seed's time is measured on an empty database.
DURATION, CONNECTIONS, WORKERS, RUNS, WRITES_PER_SECOND as in bench/writes_bench.py;
SERVER=granian serves regmap as `regmap serve` does (granian, 16 threads per worker) instead
of gunicorn; the hello stays under gunicorn sync workers.
"""
import functools
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import granian, gunicorn, lua_paths, regmap, wrk  # noqa: E402
from bench.writes_bench import API, CONNECTIONS, DURATION, RUNS, WORKERS, Writer  # noqa: E402

SERVER = os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HTTP_SERVER = os.environ.get("SERVER", "gunicorn")


def database(name):
    with psycopg.connect(SERVER, autocommit=True) as conn:
        if os.environ.get("FRESH") == "1":
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))


def national_lookups(url, count=6000):
    """`count` distinct (evidence type, municipality) lookups across the 120 types."""
    with psycopg.connect(url) as conn:
        types = [r[0] for r in conn.execute(
            "SELECT code FROM evidence_type WHERE code LIKE 'gen-%' ORDER BY code")]
        ags = [r[0] for r in conn.execute(
            "SELECT key FROM area WHERE level = 'municipality' AND source_status = 'current' "
            "AND area_type_code NOT IN ('65', '66') ORDER BY md5(key) LIMIT %s", (count,))]
    return lua_paths("national", [f"{API}/competence?evidence_type={types[i % len(types)]}"
                                  f"&ags={a}" for i, a in enumerate(ags)]), ags


def area_and_check_paths(url, ags):
    """Every current municipality, Kreis and postcode read, and a permission check."""
    with psycopg.connect(url) as conn:
        keys = [r[0] for r in conn.execute(
            "SELECT key FROM area WHERE level IN ('municipality', 'kreis') "
            "AND source_status = 'current' ORDER BY key")]
        plz = [r[0] for r in conn.execute("SELECT DISTINCT plz FROM postcode_area ORDER BY plz")]
    return {"areas": [f"{API}/areas/{k}" for k in keys],
            "municipalities": [f"{API}/municipalities/{k}" for k in keys if len(k) == 8],
            "postcodes": [f"{API}/postcodes/{p}" for p in plz],
            "check": [f"{API}/permissions/check?consumer=gemeinde-{ags}"
                      "&service=bewohnerparkausweis&evidence_type=meldebescheinigung"]}


def worker_rss_mb(port):
    """Resident memory of each worker serving `port`: the processes of that command line
    (gunicorn's `-b 127.0.0.1:<port>`, granian's `--port <port>`) whose parent has it too
    (the master's children; not the workers' own children, such as the search process)."""
    gunicorns = set(subprocess.run(["pgrep", "-f", f"127.0.0.1(:| --port ){port}"],
                                   capture_output=True, text=True).stdout.split())
    sizes = []
    for pid in gunicorns:
        for child in subprocess.run(["pgrep", "-P", pid], capture_output=True,
                                    text=True).stdout.split():
            if child not in gunicorns:
                continue
            status = Path(f"/proc/{child}/status").read_text()
            kb = int(next(line.split()[1] for line in status.splitlines()
                          if line.startswith("VmRSS")))
            sizes.append(kb / 1024)
    return sizes


def force_rebuild(url):
    """One '<what>.create-many' entry of no offers: every index rebuilds (in the background)."""
    code = ("from app import create_app\nfrom app.access.actor import system_actor\n"
            "from app.catalog.offers import offers\nfrom app.db.pool import get_conn\n"
            "app = create_app()\nwith app.app_context():\n"
            "    offers.submit_many(get_conn(), system_actor('bench'), [], "
            "one_entry={'bench': 'forced rebuild'})\n")
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ, DATABASE_URL=url),
                   check=True, cwd=ROOT, capture_output=True)


def main():
    url = database("regmap_national")
    env = dict(os.environ, DATABASE_URL=url)
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    started = time.perf_counter()
    report = regmap("seed", "--national", env=env)
    print(f"regmap seed --national: {time.perf_counter() - started:.1f} s "
          f"({report.splitlines()[-1]})")
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT count(*) FROM offer_area").fetchone()[0]
        orgs = [r[0] for r in conn.execute(
            "SELECT code FROM organisation WHERE code LIKE 'gemeinde-%' ORDER BY md5(code) "
            "LIMIT 500")]
    print(f"offer-area rows: {rows}")
    script, ags = national_lookups(url)
    routing = regmap("token", "create", "--email", "bench-routing@regmap.example", "--role",
                     "routing", env=env)
    dm = regmap("token", "create", "--email", "bench-dm@regmap.example", "--role",
                "data_manager", env=env)
    provider_org = f"gemeinde-{ags[-1]}"
    provider = regmap("token", "create", "--email", f"bench-{provider_org}@regmap.example",
                      "--role", "provider_admin", "--org", provider_org, env=env)
    bearer = {"Authorization": f"Bearer {routing}"}

    serve = (functools.partial(granian, "app.granian_wsgi:app", blocking_threads=16)
             if HTTP_SERVER == "granian" else functools.partial(gunicorn, "app.wsgi:app"))
    spawned = time.perf_counter()
    hello_workers = "sync" if HTTP_SERVER == "granian" else None  # issue 28's baseline
    with gunicorn("bench.hello_app:app", 18291, "/hello", workers=WORKERS,
                  worker_class=hello_workers) as hello, \
            serve(18292, "/healthz", workers=WORKERS,
                  env={"DATABASE_URL": url, "SERVED_BY_HEADER": "1"}) as api:
        first = requests.get(f"{api}{API}/competence", headers=bearer, timeout=60, params={
            "evidence_type": "gen-gemeinde-01", "ags": ags[0]})
        print(f"{HTTP_SERVER} start to first answer: {time.perf_counter() - spawned:.1f} s "
              f"(status {first.status_code})")
        wrk(api, connections=CONNECTIONS, duration="30s", script=script, headers=bearer)
        print("RSS per worker after warm-up (every evidence type loaded): "
              + ", ".join(f"{mb:.0f} MB" for mb in worker_rss_mb(18292)))
        # Issue 28: the area answers kept in memory and the permission index, on top.
        for name, paths in area_and_check_paths(url, ags[0]).items():
            wrk(api, connections=CONNECTIONS, duration="10s", headers=bearer,
                script=lua_paths(f"national-{name}", paths))
        print("RSS per worker with every municipality, Kreis and postcode answer kept and the "
              "permission index: "
              + ", ".join(f"{mb:.0f} MB" for mb in worker_rss_mb(18292)))
        results = {"hello": [], "quiet": [], "writes": [], "rebuild": []}

        def run(name, base, **kwargs):
            result = wrk(base, connections=CONNECTIONS, duration=DURATION, **kwargs)
            results[name].append(result)
            print(f"  {name:<8} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.2f} ms  "
                  f"p99 {result['p99_ms']:8.2f} ms", flush=True)

        for _ in range(RUNS):
            run("hello", f"{hello}/hello")
            run("quiet", api, script=script, headers=bearer)
            writer = Writer(api, {"Authorization": f"Bearer {dm}"},
                            {"Authorization": f"Bearer {provider}"},
                            f"gen-gemeinde-01-{ags[-1]}", orgs)
            writer.start()
            run("writes", api, script=script, headers=bearer)
            writer.stop.set()
            writer.join()
            if writer.failed:
                print("write failures:", writer.failed[:5])
        for _ in range(RUNS):
            # Every worker rebuilds its index in the background while the run goes on.
            trigger = threading.Timer(1.0, force_rebuild, args=(url,))
            trigger.start()
            run("rebuild", api, script=script, headers=bearer)
            trigger.join()
            wrk(api, connections=CONNECTIONS, duration="20s", script=script, headers=bearer)
    hello_rps = statistics.median(r["rps"] for r in results["hello"])
    for name, label in (("hello", "bare Flask hello"), ("quiet", "national, no writes"),
                        ("writes", "national, with writes"),
                        ("rebuild", "national, forced rebuild")):
        rps = statistics.median(r["rps"] for r in results[name])
        print(f"{label:<26} {rps:>8.0f} req/s ({rps / hello_rps:4.2f}x)  "
              f"p50 {statistics.median(r['p50_ms'] for r in results[name]):6.2f} ms  "
              f"p99 {statistics.median(r['p99_ms'] for r in results[name]):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in results[name])}")


if __name__ == "__main__":
    main()
