"""Competence benchmark: single lookups under gunicorn next to a bare Flask hello
endpoint in the same run; a batch of every municipality; the snapshot.

    .venv/bin/python bench/competence_bench.py
Needs wrk (apt-get install wrk) and a database with the demo catalogue: DATABASE_URL, else
the embedded one of ./scripts/serve.sh (`regmap seed --demo` is run first either way).
"""
import json
import os
import sys
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import gunicorn, regmap, wrk  # noqa: E402

EVIDENCE_TYPES = ("meldebescheinigung", "gewerbeanzeige", "fahrzeugdaten-zb1")
DURATION = os.environ.get("DURATION", "15s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))


def write_lua(database_url):
    with psycopg.connect(database_url) as conn:
        ags = [r[0] for r in conn.execute(
            "SELECT key FROM area WHERE level = 'municipality' AND source_status = 'current' "
            "AND area_type_code NOT IN ('65', '66') ORDER BY md5(key) LIMIT 1000")]
    paths = [f"/api/v1/competence?evidence_type={EVIDENCE_TYPES[i % 3]}&ags={a}"
             for i, a in enumerate(ags)]
    script = ROOT / "bench" / "results" / "competence.lua"
    script.parent.mkdir(exist_ok=True)
    script.write_text("local paths = {\n" + ",\n".join(f'  "{p}"' for p in paths) + "\n}\n"
                      "local i = 0\nrequest = function()\n  i = i % #paths + 1\n"
                      "  return wrk.format(\"GET\", paths[i])\nend\n")
    return script, ags


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    token = regmap("token", "create", "--email", "bench-routing@regmap.example", "--role",
                   "routing", env=env)
    script, _ = write_lua(env["DATABASE_URL"])
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        all_ags = [r[0] for r in conn.execute(
            "SELECT key FROM area WHERE level = 'municipality' AND source_status = 'current' "
            "ORDER BY key")]

    print(f"gunicorn {WORKERS} workers x 4 threads; wrk 2 threads, {CONNECTIONS} connections, "
          f"{DURATION} per run")
    with gunicorn("bench.hello_app:app", 18181, "/hello", workers=WORKERS) as hello, \
            gunicorn("app.wsgi:app", 18182, "/readyz", env={"DATABASE_URL": env["DATABASE_URL"]},
                     workers=WORKERS) as api:
        # Warm every worker's index (first lookup of a type loads it).
        for _ in range(20):
            for et in EVIDENCE_TYPES:
                requests.get(f"{api}/api/v1/competence", params={
                    "evidence_type": et, "ags": "09162000"}, headers={"Connection": "close"})
        runs = {
            "bare Flask hello": wrk(f"{hello}/hello", connections=CONNECTIONS,
                                    duration=DURATION),
            "competence, anonymous": wrk(api, connections=CONNECTIONS, duration=DURATION,
                                         script=script),
            "competence, routing token": wrk(api, connections=CONNECTIONS, duration=DURATION,
                                             script=script,
                                             headers={"Authorization": f"Bearer {token}"}),
        }
        baseline = runs["bare Flask hello"]["rps"]
        for name, r in runs.items():
            print(f"{name:<28} {r['rps']:>9.0f} req/s ({r['rps'] / baseline:4.2f}x)  "
                  f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  non-2xx {r['non_2xx']}")

        routing = {"Authorization": f"Bearer {token}"}
        for label, types in (("batch", EVIDENCE_TYPES),):
            for et in types:
                body = {"evidence_type": et, "lookups": [{"ags": a} for a in all_ags]}
                started = time.perf_counter()
                r = requests.post(f"{api}/api/v1/competence/batch", json=body, headers=routing)
                elapsed = time.perf_counter() - started
                ok = sum(1 for i in r.json()["items"] if i["status"] == 200)
                print(f"{label} {len(all_ags)} municipalities, {et:<20} {elapsed * 1000:7.0f} ms "
                      f"end to end ({ok} answered 200, {len(r.content) / 1e6:.1f} MB)")
        for et in EVIDENCE_TYPES:
            for accept in ("application/x-ndjson", "text/csv"):
                started = time.perf_counter()
                r = requests.get(f"{api}/api/v1/competence/snapshot",
                                 params={"evidence_type": et},
                                 headers={**routing, "Accept": accept})
                elapsed = time.perf_counter() - started
                lines = r.text.count("\n")
                print(f"snapshot {et:<20} {accept:<21} {elapsed * 1000:7.0f} ms "
                      f"({lines} lines, {len(r.content) / 1e6:.1f} MB)")
    # The shipped limits (RATE_LIMIT_BY_ROLE): the routing token at full speed, never a 429.
    with gunicorn("app.wsgi:app", 18183, "/readyz", env={"DATABASE_URL": env["DATABASE_URL"]},
                  workers=WORKERS, default_limits=True) as limited:
        for _ in range(20):
            requests.get(f"{limited}/api/v1/competence", headers=routing, params={
                "evidence_type": "meldebescheinigung", "ags": "09162000"})
        r = runs["competence, routing token, shipped limits"] = wrk(
            limited, connections=CONNECTIONS, duration=DURATION, script=script, headers=routing)
        print(f"{'competence, routing token, shipped limits':<28} {r['rps']:>9.0f} req/s  "
              f"non-2xx {r['non_2xx']} (429s would be non-2xx)")
    (ROOT / "bench" / "results" / "competence.json").write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
