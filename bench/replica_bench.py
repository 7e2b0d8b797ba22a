"""Competence and a list endpoint served from a streaming replica: the same
lookups as bench/writes_bench.py and a paged offers list, while writes run, with a bare Flask
hello in the same run; and the load on the primary (transactions/s from pg_stat_database)
with the replica configured and, for comparison, without it.

    .venv/bin/python bench/replica_bench.py
Needs wrk (apt-get install wrk) and PostgreSQL's server binaries (initdb, pg_ctl,
pg_basebackup; run as root they run as the postgres user). Builds its own primary and
streaming replica in a temporary directory (tests/replication.py), seeds the demo catalogue
on the primary. DURATION (15s), CONNECTIONS (8), WORKERS (2), RUNS (3) and
WRITES_PER_SECOND (6) override the defaults.
"""
import os
import signal
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import writes_bench  # noqa: E402
from bench.harness import gunicorn, lua_paths, regmap, wrk  # noqa: E402
from tests.replication import streaming_pair  # noqa: E402

DURATION = os.environ.get("DURATION", "15s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
RUNS = int(os.environ.get("RUNS", "3"))
API = "/api/v1"


def transactions(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                            "WHERE datname = current_database()").fetchone()[0]


def list_paths(url):
    """Pages of the offers list, per evidence type (anonymous, public)."""
    with psycopg.connect(url) as conn:
        types = [r[0] for r in conn.execute(
            "SELECT code FROM evidence_type WHERE status = 'active' ORDER BY code")]
    return lua_paths("replica-list", [f"{API}/offers?evidence_type={t}&page={p}&page_size=20"
                                      for t in types for p in range(1, 51)])


def measured(name, url, primary, replica, **wrk_args):
    """wrk's numbers plus transactions/s on the primary and the replica meanwhile."""
    before = transactions(primary), transactions(replica)
    started = time.monotonic()
    result = wrk(url, **wrk_args)
    seconds = time.monotonic() - started
    after = transactions(primary), transactions(replica)
    result["primary_tps"] = (after[0] - before[0]) / seconds
    result["replica_tps"] = (after[1] - before[1]) / seconds
    return result


def main():
    # Stopped with SIGTERM, the pair's servers are still shut down and removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with streaming_pair() as pair:
        with psycopg.connect(pair.url("primary"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE regmap")
        primary, replica = pair.url("primary", "regmap"), pair.url("replica", "regmap")
        env = dict(os.environ, DATABASE_URL=primary)
        regmap("db", "upgrade", env=env)
        regmap("seed", "--demo", env=env)
        script, ags = writes_bench.lookups(primary)
        lists = list_paths(primary)
        with psycopg.connect(primary) as conn:
            orgs = [r[0] for r in conn.execute(
                "SELECT code FROM organisation WHERE code LIKE 'gemeinde-%' "
                "ORDER BY md5(code) LIMIT 500")]
        provider_org = f"gemeinde-{ags[-1]}"
        tokens = {
            "routing": regmap("token", "create", "--email", "bench-routing@regmap.example",
                              "--role", "routing", env=env),
            "dm": regmap("token", "create", "--email", "bench-dm@regmap.example",
                         "--role", "data_manager", env=env),
            "provider": regmap("token", "create", "--email",
                               f"bench-{provider_org}@regmap.example", "--role",
                               "provider_admin", "--org", provider_org, env=env)}
        bearer = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
        time.sleep(2)  # the replica replays the seed

        print(f"gunicorn {WORKERS} workers x 4 threads; wrk 2 threads, {CONNECTIONS} "
              f"connections, {DURATION} per run, median of {RUNS}; "
              f"{len(ags) * len(writes_bench.EVIDENCE_TYPES)} distinct lookups with a routing "
              f"token; writes at {writes_bench.WRITES_PER_SECOND}/s during the lookups")
        results = {}
        with gunicorn("bench.hello_app:app", 18291, "/hello", workers=WORKERS) as hello:
            for setup, extra in (("replica", {"DATABASE_REPLICA_URL": replica}),
                                 ("primary only", {})):
                with gunicorn("app.wsgi:app", 18292, "/readyz", workers=WORKERS,
                              env={"DATABASE_URL": primary, "SERVED_BY_HEADER": "1",
                                   **extra}) as api:
                    wrk(api, connections=CONNECTIONS, duration="20s", script=script,
                        headers=bearer["routing"])
                    wrk(api, connections=CONNECTIONS, duration="10s", script=lists)
                    for _ in range(RUNS):
                        results.setdefault("hello", []).append(measured(
                            "hello", f"{hello}/hello", primary, replica,
                            connections=CONNECTIONS, duration=DURATION))
                        writer = writes_bench.Writer(api, bearer["dm"], bearer["provider"],
                                                     f"demo-gewerbe-{ags[-1]}", orgs)
                        writer.start()
                        results.setdefault((setup, "lookups + writes"), []).append(measured(
                            "lookups", api, primary, replica, connections=CONNECTIONS,
                            duration=DURATION, script=script, headers=bearer["routing"]))
                        writer.stop.set()
                        writer.join()
                        results.setdefault((setup, "offers list"), []).append(measured(
                            "list", api, primary, replica, connections=CONNECTIONS,
                            duration=DURATION, script=lists))

    def median(runs, key):
        return statistics.median(r[key] for r in runs)
    hello_rps = median(results.pop("hello"), "rps")
    print(f"{'bare Flask hello':<36} {hello_rps:>8.0f} req/s")
    for (setup, what), runs in results.items():
        rps = median(runs, "rps")
        print(f"{setup + ': ' + what:<36} {rps:>8.0f} req/s ({rps / hello_rps:4.2f}x)  "
              f"p50 {median(runs, 'p50_ms'):6.2f} ms  p99 {median(runs, 'p99_ms'):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in runs)}  primary "
              f"{median(runs, 'primary_tps'):7.0f} tx/s  replica "
              f"{median(runs, 'replica_tps'):7.0f} tx/s")


if __name__ == "__main__":
    main()
