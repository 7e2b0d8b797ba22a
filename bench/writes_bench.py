"""Competence while the catalogue changes: lookups with a routing token under
gunicorn while a data manager and a provider write, next to a bare Flask hello endpoint in
the same run; and how long a write takes to be answered by every worker.

    .venv/bin/python bench/writes_bench.py
Needs wrk (apt-get install wrk) and a database: DATABASE_URL, else the embedded one of
./scripts/serve.sh. Migrates it and seeds the demo catalogue first (both idempotent).
DURATION (15s), CONNECTIONS (8), WORKERS (2), RUNS (3), WRITES_PER_SECOND (6) and
VISIBILITY_WRITES (100) override the defaults.

Protocol: a warm-up pass over every lookup first; then RUNS rounds of hello, competence
without writes and competence with writes, DURATION each; the median of the rounds is
reported. Every answer names its worker (SERVED_BY_HEADER), so "every worker" is measured.
"""
import itertools
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import gunicorn, lua_paths, regmap, wrk  # noqa: E402

EVIDENCE_TYPES = ("meldebescheinigung", "gewerbeanzeige", "fahrzeugdaten-zb1")
DURATION = os.environ.get("DURATION", "15s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
RUNS = int(os.environ.get("RUNS", "3"))
WRITES_PER_SECOND = float(os.environ.get("WRITES_PER_SECOND", "6"))
VISIBILITY_WRITES = int(os.environ.get("VISIBILITY_WRITES", "100"))
API = "/api/v1"


def lookups(database_url, count=2000):
    """count municipalities x the three evidence types: distinct (type, area) lookups."""
    with psycopg.connect(database_url) as conn:
        ags = [r[0] for r in conn.execute(
            "SELECT key FROM area WHERE level = 'municipality' AND source_status = 'current' "
            "AND area_type_code NOT IN ('65', '66') ORDER BY md5(key) LIMIT %s", (count,))]
    return lua_paths("writes", [f"{API}/competence?evidence_type={t}&ags={a}" for a in ags
                                for t in EVIDENCE_TYPES]), ags


class Writer(threading.Thread):
    """Writes at a steady rate while it runs: organisation edits, offer edit proposals by a
    provider and their approval by a data manager, token creation."""

    def __init__(self, api, dm, provider, provider_offer, organisations):
        super().__init__(daemon=True)
        self.api, self.dm, self.provider = api, dm, provider
        self.offer, self.organisations = provider_offer, organisations
        self.stop, self.done, self.failed = threading.Event(), 0, []

    def run(self):
        dm, provider = requests.Session(), requests.Session()
        dm.headers.update(self.dm)
        provider.headers.update(self.provider)
        steps = itertools.cycle(("organisation", "propose", "approve", "token"))
        n, interval = 0, 1 / WRITES_PER_SECOND
        next_at = time.monotonic()
        while not self.stop.is_set():
            n += 1
            step = next(steps)
            if step == "organisation":
                code = self.organisations[n % len(self.organisations)]
                r = _patch(dm, f"{self.api}{API}/organisations/{code}",
                           {"abbreviation": f"B{n}"})
            elif step == "propose":
                r = _patch(provider, f"{self.api}{API}/offers/{self.offer}",
                           {"endpoint_url": f"https://bench.example/{n}"})
            elif step == "approve":
                # As a reviewer: approve what was looked at (its ETag in If-Match).
                url = f"{self.api}{API}/offers/{self.offer}"
                r = dm.post(f"{url}/approve", headers={"If-Match": dm.get(url).headers["ETag"]})
            else:
                r = dm.post(f"{self.api}{API}/tokens", json={"name": f"bench {n}",
                                                            "expires_days": 1})
            if r.status_code >= 300:
                self.failed.append((step, r.status_code))
            else:
                self.done += 1
            next_at += interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))


def _patch(session, url, body):
    etag = session.get(url).headers["ETag"]
    return session.patch(url, json=body, headers={"If-Match": etag})


def visibility(api, dm, ags_list, workers):
    """Seconds from a committed offer edit until every worker answers it, per write."""
    session = requests.Session()
    session.headers.update(dm)
    seconds = []
    for n, ags in enumerate(ags_list[:VISIBILITY_WRITES]):
        code = f"demo-gewerbe-{ags}"
        url = f"{api}{API}/offers/{code}"
        endpoint = f"https://visible.example/{n}/{time.time_ns()}"
        etag = session.get(url).headers["ETag"]
        started = time.perf_counter()
        assert session.patch(url, json={"endpoint_url": endpoint},
                             headers={"If-Match": etag}).status_code == 200
        seen = set()
        while len(seen) < workers:
            r = requests.get(f"{api}{API}/competence", headers={"Connection": "close"},
                             params={"evidence_type": "gewerbeanzeige", "ags": ags})
            if r.status_code == 200 and r.json()["offer"]["endpoint_url"] == endpoint:
                seen.add(r.headers["X-Served-By"])
            if time.perf_counter() - started > 10:
                raise RuntimeError(f"write {n} not visible on every worker after 10 s")
        seconds.append(time.perf_counter() - started)
    return seconds


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    script, ags = lookups(env["DATABASE_URL"])
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        orgs = [r[0] for r in conn.execute(
            "SELECT code FROM organisation WHERE code LIKE 'gemeinde-%' ORDER BY md5(code) "
            "LIMIT 500")]
    provider_org = f"gemeinde-{ags[-1]}"
    routing = regmap("token", "create", "--email", "bench-routing@regmap.example",
                     "--role", "routing", env=env)
    dm = regmap("token", "create", "--email", "bench-dm@regmap.example",
                "--role", "data_manager", env=env)
    provider = regmap("token", "create", "--email", f"bench-{provider_org}@regmap.example",
                      "--role", "provider_admin", "--org", provider_org, env=env)
    bearer = {name: {"Authorization": f"Bearer {token}"}
              for name, token in (("routing", routing), ("dm", dm), ("provider", provider))}

    print(f"gunicorn {WORKERS} workers x 16 threads; wrk 2 threads, {CONNECTIONS} connections, "
          f"{DURATION} per run, median of {RUNS}; {len(ags) * len(EVIDENCE_TYPES)} distinct "
          f"lookups with a routing token; writes at {WRITES_PER_SECOND}/s")
    results = {"hello": [], "quiet": [], "writes": []}
    writes = {"done": 0, "failed": []}
    with gunicorn("bench.hello_app:app", 18191, "/hello", workers=WORKERS) as hello, \
            gunicorn("app.wsgi:app", 18192, "/readyz", workers=WORKERS,
                     env={"DATABASE_URL": env["DATABASE_URL"], "SERVED_BY_HEADER": "1"}) as api:
        # Warm-up: every lookup on every worker.
        wrk(api, connections=CONNECTIONS, duration="20s", script=script,
            headers=bearer["routing"])
        for _ in range(RUNS):
            results["hello"].append(wrk(f"{hello}/hello", connections=CONNECTIONS,
                                        duration=DURATION))
            results["quiet"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                        script=script, headers=bearer["routing"]))
            writer = Writer(api, bearer["dm"], bearer["provider"],
                            f"demo-gewerbe-{ags[-1]}", orgs)
            writer.start()
            started = time.monotonic()
            results["writes"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                         script=script, headers=bearer["routing"]))
            writer.stop.set()
            writer.join()
            results["writes"][-1]["writes_per_s"] = writer.done / (time.monotonic() - started)
            writes["done"] += writer.done
            writes["failed"] += writer.failed
        seen = visibility(api, bearer["dm"], ags[:-1], WORKERS)

    def median(name, key):
        return statistics.median(r[key] for r in results[name])
    hello_rps = median("hello", "rps")
    for name, label in (("hello", "bare Flask hello"), ("quiet", "competence, no writes"),
                        ("writes", "competence, with writes")):
        rps = median(name, "rps")
        extra = (f"  writes {median('writes', 'writes_per_s'):.1f}/s"
                 if name == "writes" else "")
        print(f"{label:<26} {rps:>8.0f} req/s ({rps / hello_rps:4.2f}x)  "
              f"p50 {median(name, 'p50_ms'):6.2f} ms  p99 {median(name, 'p99_ms'):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in results[name])}{extra}")
    quiet, busy = median("quiet", "rps"), median("writes", "rps")
    print(f"with writes / without: {busy / quiet:4.2f}; writes done {writes['done']}, "
          f"failed {len(writes['failed'])} {writes['failed'][:5]}")
    print(f"write -> answered by every worker ({len(seen)} writes): "
          f"p50 {percentile(seen, 50) * 1000:.0f} ms  p99 {percentile(seen, 99) * 1000:.0f} ms  "
          f"max {max(seen) * 1000:.0f} ms")
    (ROOT / "bench" / "results" / "writes.json").write_text(json.dumps(
        {"runs": results, "writes": writes, "visibility_s": seen}, indent=2))


if __name__ == "__main__":
    main()
