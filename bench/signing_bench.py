"""What signing competence answers costs (goal: signed >= 0.7x unsigned): the demo
catalogue's 6,000 lookups with a routing token, unsigned and signed (`Accept-Signature`, an
Ed25519 key made for the run), next to a bare Flask hello under the same gunicorn settings,
in one run.

    .venv/bin/python bench/signing_bench.py
Needs wrk and a database (DATABASE_URL, else the embedded one); seeds the demo catalogue.
DURATION, CONNECTIONS, WORKERS, RUNS as in bench/writes_bench.py.
"""
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from app.edge.signing import new_private_key_pem  # noqa: E402
from bench.harness import gunicorn, regmap, wrk  # noqa: E402
from bench.writes_bench import CONNECTIONS, DURATION, RUNS, WORKERS, lookups  # noqa: E402

ASK_FOR_SIGNATURE = {"Accept-Signature": 'regmap=("@status" "content-digest")'}


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    script, _ = lookups(env["DATABASE_URL"])
    routing = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-routing@regmap.example", "--role", "routing",
        env=env)}
    with tempfile.TemporaryDirectory() as keys:
        key = Path(keys) / "signing.pem"
        key.write_bytes(new_private_key_pem())
        results = {"hello": [], "unsigned": [], "signed": []}
        with gunicorn("bench.hello_app:app", 18391, "/hello", workers=WORKERS) as hello, \
                gunicorn("app.wsgi:app", 18392, "/readyz", workers=WORKERS, env={
                    "DATABASE_URL": env["DATABASE_URL"], "SIGNING_KEYS": str(key)}) as api:
            wrk(api, connections=CONNECTIONS, duration="20s", script=script, headers=routing)
            for _ in range(RUNS):
                results["hello"].append(wrk(f"{hello}/hello", connections=CONNECTIONS,
                                            duration=DURATION))
                results["unsigned"].append(wrk(api, connections=CONNECTIONS,
                                               duration=DURATION, script=script,
                                               headers=routing))
                results["signed"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                             script=script,
                                             headers={**routing, **ASK_FOR_SIGNATURE}))
    hello_rps = statistics.median(r["rps"] for r in results["hello"])
    print(f"gunicorn {WORKERS} workers; wrk {CONNECTIONS} connections, {DURATION} per run, "
          f"median of {RUNS}; 6000 distinct lookups with a routing token")
    for name, label in (("hello", "bare Flask hello"), ("unsigned", "competence, unsigned"),
                        ("signed", "competence, signed")):
        rps = statistics.median(r["rps"] for r in results[name])
        print(f"{label:<24} {rps:>8.0f} req/s ({rps / hello_rps:4.2f}x)  "
              f"p50 {statistics.median(r['p50_ms'] for r in results[name]):6.2f} ms  "
              f"p99 {statistics.median(r['p99_ms'] for r in results[name]):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in results[name])}")
    signed = statistics.median(r["rps"] for r in results["signed"])
    unsigned = statistics.median(r["rps"] for r in results["unsigned"])
    print(f"signed / unsigned: {signed / unsigned:4.2f}")


if __name__ == "__main__":
    main()
