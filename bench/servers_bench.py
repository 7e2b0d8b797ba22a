"""Issue 28 item 1: which HTTP server serves regmap's hot paths fastest. gunicorn sync,
gunicorn gthread (`regmap serve`'s settings) and granian (WSGI), each serving a bare Flask
hello, a plain WSGI hello (no Flask: the ceiling of a Python answer), a canned answer (plain
WSGI with a competence answer's headers and body size: the ceiling of an answer that big),
competence and the logged permission check, one after the other in one run; all servers 2
workers on the same 2 cores as wrk and the database.

    .venv/bin/python bench/servers_bench.py
Needs wrk and a database (DATABASE_URL, else the embedded one); seeds the demo catalogue and
the permission of bench/hot_paths_bench.py. DURATION (10s) and CONNECTIONS (8) override.
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import granian, gunicorn, regmap, wrk  # noqa: E402
from bench.hot_paths_bench import prepare, scripts  # noqa: E402

DURATION = os.environ.get("DURATION", "10s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
SERVERS = {
    "gunicorn sync": lambda app, port, env: gunicorn(app, port, READY[app], env=env,
                                                     worker_class="sync"),
    "gunicorn gthread x16": lambda app, port, env: gunicorn(app, port, READY[app], env=env),
    "granian x4": lambda app, port, env: granian(app, port, READY[app], env=env),
}
READY = {"bench.hello_app:app": "/hello", "bench.hello_app:plain": "/",
         "bench.hello_app:canned": "/",
         "app.wsgi:app": "/readyz"}


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    paths, _ = scripts(env["DATABASE_URL"])
    routing = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-servers@regmap.example", "--role", "routing",
        env=env)}
    dm = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-servers-dm@regmap.example", "--role",
        "data_manager", env=env)}
    served = {"DATABASE_URL": env["DATABASE_URL"]}
    results = {}
    for n, (server, start) in enumerate(SERVERS.items()):
        port = 18300 + 10 * n
        with start("bench.hello_app:app", port, {}) as base:
            results[(server, "Flask hello")] = wrk(f"{base}/hello", connections=CONNECTIONS,
                                                   duration=DURATION)
        with start("bench.hello_app:plain", port + 1, {}) as base:
            results[(server, "plain WSGI hello")] = wrk(f"{base}/", connections=CONNECTIONS,
                                                        duration=DURATION)
        with start("bench.hello_app:canned", port + 3, {}) as base:
            results[(server, "canned answer")] = wrk(f"{base}/", connections=CONNECTIONS,
                                                     duration=DURATION)
        with start("app.wsgi:app", port + 2, served) as base:
            prepare(base, dm)
            for name in ("competence", "permission check"):
                wrk(base, connections=CONNECTIONS, duration="3s", script=paths[name],
                    headers=routing)  # every worker warm
                results[(server, name)] = wrk(base, connections=CONNECTIONS,
                                              duration=DURATION, script=paths[name],
                                              headers=routing)
    baseline = results[("gunicorn sync", "Flask hello")]["rps"]
    print(f"wrk 2 threads, {CONNECTIONS} connections, {DURATION} each; x = against a Flask "
          "hello under gunicorn with 2 sync workers")
    for (server, name), r in results.items():
        print(f"{server:<22} {name:<18} {r['rps']:>8.0f} req/s ({r['rps'] / baseline:4.2f}x)  "
              f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  non-2xx {r['non_2xx']}")
    (ROOT / "bench" / "results" / "servers.json").write_text(json.dumps(
        {f"{server}: {name}": r for (server, name), r in results.items()}, indent=2))


if __name__ == "__main__":
    main()
