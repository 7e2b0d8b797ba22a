"""The hot paths of issue 28 side by side in one run: competence, the permission check (with
its log) and the area reads, against a bare Flask hello under gunicorn with 2 sync workers;
quiet, and again while a writer changes offers and permissions.

    .venv/bin/python bench/hot_paths_bench.py
Needs wrk (apt-get install wrk) and a database: DATABASE_URL, else the embedded one of
./scripts/serve.sh. Migrates it, seeds the demo catalogue and adds what the permission check
needs (a consumer, a permission; idempotent). DURATION (10s), CONNECTIONS (8), WORKERS (2),
RUNS (3) and writes_bench's WRITES_PER_SECOND (6) override the defaults; RUNS rounds of
hello, each path quiet and each path with writes, medians reported (hello alone moved
between 6,717 and 8,744 req/s across the runs of 2026-12-07). regmap runs as `regmap serve`
does (app/gunicorn_conf.py: gthread, 16 threads), or with SERVER=granian as
`regmap serve --server granian` does (app/granian_wsgi.py, its access log included, 16
blocking threads), with the limits out of reach.
"""
import functools
import json
import os
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
from bench.harness import granian, gunicorn, lua_paths, print_medians, regmap, wrk  # noqa: E402
from bench.writes_bench import Writer, _patch  # noqa: E402

EVIDENCE_TYPES = ("meldebescheinigung", "gewerbeanzeige", "fahrzeugdaten-zb1")
DURATION = os.environ.get("DURATION", "10s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
RUNS = int(os.environ.get("RUNS", "3"))
SERVER = os.environ.get("SERVER", "gunicorn")
HELLO = "bare Flask hello (2 sync workers)"
API = "/api/v1"
CONSUMER, SERVICE, KFZ = "bench-parkamt", "bewohnerparkausweis", "fahrzeugdaten-zb1"


def scripts(database_url):
    with psycopg.connect(database_url) as conn:
        ags = [r[0] for r in conn.execute(
            "SELECT key FROM area WHERE level = 'municipality' AND source_status = 'current' "
            "AND area_type_code NOT IN ('65', '66') ORDER BY md5(key) LIMIT 1000")]
        plz = [r[0] for r in conn.execute(
            "SELECT DISTINCT plz FROM postcode_area ORDER BY plz LIMIT 1000")]
    check = f"{API}/permissions/check?consumer={CONSUMER}&service={SERVICE}&evidence_type={KFZ}"
    return {
        "competence": lua_paths("hot-competence", [
            f"{API}/competence?evidence_type={EVIDENCE_TYPES[i % 3]}&ags={a}"
            for i, a in enumerate(ags)]),
        "permission check": lua_paths("hot-check", [check, f"{check}&provider=kba",
                                                    f"{check}&at=2030-01-01"]),
        "municipality": lua_paths("hot-municipality", [f"{API}/municipalities/{a}"
                                                       for a in ags]),
        "postcode": lua_paths("hot-postcode", [f"{API}/postcodes/{p}" for p in plz]),
    }, ags


def prepare(api, dm):
    """A consumer and a permission for the check (created once)."""
    session = requests.Session()
    session.headers.update(dm)
    if session.get(f"{api}{API}/organisations/{CONSUMER}").status_code == 404:
        session.post(f"{api}{API}/organisations", json={
            "code": CONSUMER, "name": "Parkraumbehörde (Benchmark)",
            "kind": "Straßenverkehrsbehörde"}).raise_for_status()
    found = session.get(f"{api}{API}/permissions", params={"consumer": CONSUMER}).json()
    if found["items"]:
        return found["items"][0]["code"]
    r = session.post(f"{api}{API}/permissions", json={
        "consumer": CONSUMER, "service": SERVICE, "evidence_type": KFZ, "provider": "kba",
        "legal_basis": "§ 45 Abs. 1b StVO", "may_use_identification_number": False})
    r.raise_for_status()
    return r.json()["code"]


class PermissionWriter(threading.Thread):
    """Edits the benchmark's permission at a steady rate (its legal basis), so every check
    meets an index that must follow the feed."""

    def __init__(self, api, dm, code, per_second):
        super().__init__(daemon=True)
        self.api, self.dm, self.code, self.interval = api, dm, code, 1 / per_second
        self.stop, self.done, self.failed = threading.Event(), 0, []

    def run(self):
        session = requests.Session()
        session.headers.update(self.dm)
        n, next_at = 0, time.monotonic()
        while not self.stop.is_set():
            n += 1
            r = _patch(session, f"{self.api}{API}/permissions/{self.code}",
                       {"legal_basis": f"§ 45 Abs. 1b StVO ({n})"})
            if r.status_code >= 300:
                self.failed.append(r.status_code)
            else:
                self.done += 1
            next_at += self.interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    paths, ags = scripts(env["DATABASE_URL"])
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        orgs = [r[0] for r in conn.execute(
            "SELECT code FROM organisation WHERE code LIKE 'gemeinde-%' ORDER BY md5(code) "
            "LIMIT 500")]
    provider_org = f"gemeinde-{ags[-1]}"
    tokens = {role: regmap("token", "create", "--email", f"bench-hot-{role}@regmap.example",
                           "--role", role, *(["--org", provider_org]
                                             if role == "provider_admin" else []), env=env)
              for role in ("routing", "data_manager", "provider_admin")}
    bearer = {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}
    print(f"hello: gunicorn {WORKERS} sync workers; regmap: {SERVER} {WORKERS} workers x 16 "
          f"threads; wrk 2 threads, {CONNECTIONS} connections, {DURATION} each")
    serve = (functools.partial(granian, "app.granian_wsgi:app", blocking_threads=16)
             if SERVER == "granian" else functools.partial(gunicorn, "app.wsgi:app"))
    runs = {}  # name -> one wrk result per round
    writes = {"done": 0, "seconds": 0.0, "failed": []}
    with gunicorn("bench.hello_app:app", 18201, "/hello", workers=WORKERS,
                  worker_class="sync") as hello, \
            serve(18202, "/readyz", workers=WORKERS,
                  env={"DATABASE_URL": env["DATABASE_URL"]}) as api:
        permission = prepare(api, bearer["data_manager"])
        for script in paths.values():  # warm every worker's indexes and answers
            wrk(api, connections=CONNECTIONS, duration="3s", script=script,
                headers=bearer["routing"])
        for _ in range(RUNS):
            runs.setdefault(HELLO, []).append(wrk(f"{hello}/hello", connections=CONNECTIONS,
                                                  duration=DURATION))
            for phase in ("quiet", "with writes"):
                writers = []
                if phase == "with writes":
                    writers = [Writer(api, bearer["data_manager"], bearer["provider_admin"],
                                      f"demo-gewerbe-{ags[-1]}", orgs),
                               PermissionWriter(api, bearer["data_manager"], permission, 2)]
                    for writer in writers:
                        writer.start()
                started = time.monotonic()
                for name, script in paths.items():
                    runs.setdefault(f"{name}, {phase}", []).append(wrk(
                        api, connections=CONNECTIONS, duration=DURATION, script=script,
                        headers=bearer["routing"]))
                if writers:
                    # The control: what the writer and PostgreSQL take from any server on
                    # these cores (the hello reads nothing the writes change).
                    runs.setdefault(f"{HELLO}, with writes", []).append(wrk(
                        f"{hello}/hello", connections=CONNECTIONS, duration=DURATION))
                for writer in writers:
                    writer.stop.set()
                    writer.join()
                    writes["done"] += writer.done
                    writes["failed"] += writer.failed
                if writers:
                    writes["seconds"] += time.monotonic() - started

    print(f"median of {RUNS} rounds")
    median = print_medians(runs, HELLO, width=36)
    print(f"writes while 'with writes' ran: {writes['done'] / writes['seconds']:.1f}/s, "
          f"failed {writes['failed'][:10]}")
    ratios = {name: (f"{name}, with writes", f"{name}, quiet") for name in paths}
    ratios["hello (control)"] = (f"{HELLO}, with writes", HELLO)
    for name, (busy, quiet) in ratios.items():
        print(f"{name:<20} with writes / quiet: {median(busy, 'rps') / median(quiet, 'rps'):4.2f}")
    (ROOT / "bench" / "results" / f"hot_paths_{SERVER}.json").write_text(json.dumps(
        {"runs": runs, "writes": writes}, indent=2))


if __name__ == "__main__":
    main()
