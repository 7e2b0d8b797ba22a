"""Hostile load (issue 14): 20 clients sending worst-case searches as fast as they get
answers, while wrk runs the routing service's competence lookups for 30 s; and /healthz
sampled every 100 ms throughout. Compared with the same lookups without the searches.

    .venv/bin/python bench/hostile_bench.py
Needs wrk and a database: DATABASE_URL, else the embedded one of ./scripts/serve.sh (migrated
and seeded with the demo catalogue first). DURATION (30s), WORKERS (2), SEARCHERS (20).

Worst cases are the reported ones (single letters, which matched most of the index) and
broad prefixes; each search either answers within its budget or is refused at once (503:
the search lane is full, or the time budget ran out).
"""
import itertools
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db import resolve_database_url  # noqa: E402
from bench import writes_bench  # noqa: E402
from bench.harness import gunicorn, regmap, wrk  # noqa: E402

DURATION = os.environ.get("DURATION", "30s")
WORKERS = int(os.environ.get("WORKERS", "2"))
SEARCHERS = int(os.environ.get("SEARCHERS", "20"))
WORST = ["a b", "e e", "a", "e", "s t r", "ver", "amt", "gem", "be ge", "stadt amt kreis",
         "z y x w v u", "melde bescheinigung gemeinde stadt amt"]


class Searchers:
    def __init__(self, base):
        self.base, self.stop = base, threading.Event()
        self.statuses, self.seconds = [], []
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True)
                        for n in range(SEARCHERS)]

    def run(self, n):
        session = requests.Session()
        for q in itertools.cycle(WORST[n % len(WORST):] + WORST[:n % len(WORST)]):
            if self.stop.is_set():
                return
            started = time.perf_counter()
            try:
                r = session.get(f"{self.base}/api/v1/search", params={"q": q}, timeout=60)
                self.statuses.append(r.status_code)
            except requests.RequestException:
                self.statuses.append("error")
            self.seconds.append(time.perf_counter() - started)


class HealthProbe(threading.Thread):
    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.stop, self.seconds, self.failures = base, threading.Event(), [], 0

    def run(self):
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                ok = requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            self.seconds.append(time.perf_counter() - started)
            self.failures += not ok
            self.stop.wait(0.1)


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    script, ags = writes_bench.lookups(env["DATABASE_URL"])
    routing = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-routing@regmap.example", "--role", "routing",
        env=env)}
    with gunicorn("bench.hello_app:app", 18391, "/hello", workers=WORKERS) as hello, \
            gunicorn("app.wsgi:app", 18392, "/readyz", workers=WORKERS,
                     env={"DATABASE_URL": env["DATABASE_URL"]}) as api:
        # Warm-up: every lookup, and the search index built in every worker.
        wrk(api, duration="20s", script=script, headers=routing)
        # The search index is built in the background at first use: wait until every
        # worker answers searches (20 in a row), else the run would measure refusals.
        answered, deadline = 0, time.monotonic() + 300
        while answered < 20 and time.monotonic() < deadline:
            ok = requests.get(f"{api}/api/v1/search", params={"q": "Meldebescheinigung"},
                              headers={"Connection": "close"}, timeout=120).status_code == 200
            answered = answered + 1 if ok else 0
            time.sleep(0 if ok else 1)
        hello_run = wrk(f"{hello}/hello", duration=DURATION)
        quiet = wrk(api, duration=DURATION, script=script, headers=routing)
        probe = HealthProbe(api)
        searchers = Searchers(api)
        probe.start()
        for thread in searchers.threads:
            thread.start()
        time.sleep(2)  # every searcher has a request in flight
        # CPU the load generators take from the same cores: this process's searching
        # threads (self) and wrk (a child).
        before = resource.getrusage(resource.RUSAGE_SELF), \
            resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        hostile = wrk(api, duration=DURATION, script=script, headers=routing)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF), \
            resource.getrusage(resource.RUSAGE_CHILDREN)
        searchers.stop.set()
        probe.stop.set()
        probe.join()
        for thread in searchers.threads:
            thread.join(timeout=70)

    print(f"gunicorn {WORKERS} workers x 4 threads; wrk 8 connections, {DURATION}; "
          f"{SEARCHERS} searching clients cycling over {len(WORST)} worst-case queries")
    for label, run in (("bare Flask hello", hello_run), ("competence, quiet", quiet),
                       ("competence, hostile searches", hostile)):
        print(f"{label:<30} {run['rps']:>8.0f} req/s  p50 {run['p50_ms']:6.2f} ms  "
              f"p99 {run['p99_ms']:7.2f} ms  non-2xx {run['non_2xx']}")
    print(f"hostile / quiet: {hostile['rps'] / quiet['rps']:.2f}")
    seconds = sorted(probe.seconds)
    print(f"/healthz every 100 ms ({len(seconds)} probes): p50 "
          f"{statistics.median(seconds) * 1000:.1f} ms  max {seconds[-1] * 1000:.1f} ms  "
          f"over 100 ms {sum(s > 0.1 for s in seconds)}  failed {probe.failures}")
    def cpu(index):
        return (after[index].ru_utime + after[index].ru_stime
                - before[index].ru_utime - before[index].ru_stime) / elapsed
    print(f"CPU of the load generators during the hostile run: searching clients "
          f"{cpu(0):.2f} cores, wrk {cpu(1):.2f} cores (of {os.cpu_count()})")
    counts = {s: searchers.statuses.count(s) for s in set(searchers.statuses)}
    slowest = max(searchers.seconds) if searchers.seconds else 0
    print(f"searches: {len(searchers.statuses)} answered {counts}; slowest {slowest:.2f} s")


if __name__ == "__main__":
    main()
