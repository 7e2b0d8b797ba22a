"""Search benchmark: full rebuild of the demo catalogue's index, latency of a
realistic query mix under gunicorn, and the delay from a committed change to its being
findable.

    .venv/bin/python bench/search_bench.py     # DATABASE_URL (demo catalogue seeded), else
                                               # the embedded database of ./scripts/serve.sh
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import gunicorn  # noqa: E402

# What data managers and registration forms type: whole words, parts, typos, prefixes,
# umlaut spellings, codes.
QUERIES = ["Meldebescheinigung", "Bescheinigung", "Meldebescheingung", "melde",
           "Fahrzeug", "Fahrzeugregistr", "Handwerksrollen", "Auslaenderzentralregister",
           "Gewerbe", "Gewerbeanzeige Köln", "Amt Südtondern", "suedtondern", "Bramstedtlund",
           "München", "muenchen", "Kraftfahrt-Bundesamt", "kba", "15", "idnrg-30",
           "Personalausweis", "Passregister", "Waffen", "Luftfahrt", "Bewohnerparkausweis",
           "Wohnsitz", "Stralsund", "Hansestadt", "01054018", "Verbandsgemeinde", "Trier"]
ROUNDS = int(os.environ.get("ROUNDS", "20"))


def regmap(*args, env):
    return subprocess.run([str(Path(sys.executable).parent / "regmap"), *args], env=env,
                          check=True, capture_output=True, text=True, cwd=ROOT).stdout


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    env["SEARCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="regmap-search-bench-")
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    token = regmap("token", "create", "--email", "bench-dm@regmap.example", "--role",
                   "data_manager", env=env).strip()

    started = time.perf_counter()
    output = regmap("search", "reindex", env=env)
    print(f"full rebuild: {output.strip()} in {time.perf_counter() - started:.1f} s "
          "(regmap search reindex, incl. start-up)")

    with gunicorn("app.wsgi:app", 18183, "/readyz", workers=2,
                  env={k: env[k] for k in ("DATABASE_URL", "SEARCH_INDEX_DIR")}) as api:
        with requests.Session() as session:
            for q in QUERIES:  # warm both workers' searchers
                session.get(f"{api}/api/v1/search", params={"q": q})
            latencies = []
            for _ in range(ROUNDS):
                for q in QUERIES:
                    t = time.perf_counter()
                    r = session.get(f"{api}/api/v1/search", params={"q": q, "page_size": 20})
                    latencies.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, r.text
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
        print(f"query mix: {len(QUERIES)} queries x {ROUNDS} rounds, sequential over HTTP: "
              f"p50 {p(0.5):.1f} ms, p90 {p(0.9):.1f} ms, p99 {p(0.99):.1f} ms, "
              f"max {latencies[-1]:.1f} ms")
        slowest = {}
        with requests.Session() as session:
            for q in QUERIES:
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    session.get(f"{api}/api/v1/search", params={"q": q, "page_size": 20})
                    times.append((time.perf_counter() - t) * 1000)
                slowest[q] = statistics.median(times)
        top = sorted(slowest.items(), key=lambda kv: -kv[1])[:5]
        print("slowest queries (median ms): " + ", ".join(f"{q!r} {ms:.1f}" for q, ms in top))

        delays = []
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(5):
            name = f"Benchmarkbehörde Nummer{n} {time.time_ns()}"
            code = f"bench-{time.time_ns()}"
            r = requests.post(f"{api}/api/v1/organisations", headers=headers,
                              json={"code": code, "name": name, "kind": "Testbehörde"})
            assert r.status_code == 201, r.text
            committed = time.perf_counter()
            while True:
                hits = requests.get(f"{api}/api/v1/search", params={"q": name},
                                    headers={"Connection": "close"}).json()["items"]
                if hits and hits[0]["code"] == code:
                    delays.append(time.perf_counter() - committed)
                    break
                time.sleep(0.01)
        print("change -> findable (fresh connections, any worker): "
              + ", ".join(f"{d * 1000:.0f}" for d in delays) + " ms")


if __name__ == "__main__":
    main()
