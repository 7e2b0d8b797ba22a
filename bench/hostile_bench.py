"""Hostile load: 20 clients sending worst-case searches as fast as they get
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
import multiprocessing
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
from app.db.pool import resolve_database_url  # noqa: E402
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


def search_attack(base, stop, results):
    """The searching clients, in a process of their own (their threads would otherwise share
    an interpreter lock with the health probe and distort what it measures)."""
    searchers = Searchers(base)
    for thread in searchers.threads:
        thread.start()
    stop.wait()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    searchers.stop.set()
    for thread in searchers.threads:
        thread.join(timeout=70)
    results.put((searchers.statuses, searchers.seconds, cpu.ru_utime + cpu.ru_stime))


def health_probe(base, stop, results):
    """/healthz every 100 ms on a new connection each time, as a load balancer probes."""
    seconds, failures = [], 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            ok = requests.get(f"{base}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            ok = False
        seconds.append(time.perf_counter() - started)
        failures += not ok
        stop.wait(0.1)
    results.put((seconds, failures))


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
        context = multiprocessing.get_context("spawn")
        stop, attack_results, probe_results = context.Event(), context.Queue(), context.Queue()
        attack = context.Process(target=search_attack, args=(api, stop, attack_results))
        probe = context.Process(target=health_probe, args=(api, stop, probe_results))
        attack.start()
        time.sleep(3)  # every searcher has a request in flight
        probe.start()
        started = time.monotonic()
        hostile = wrk(api, duration=DURATION, script=script, headers=routing)
        elapsed = time.monotonic() - started
        stop.set()
        statuses, search_seconds, attack_cpu = attack_results.get(timeout=120)
        health_seconds, health_failures = probe_results.get(timeout=30)
        attack.join()
        probe.join()

    print(f"gunicorn {WORKERS} workers x 16 threads; wrk 8 connections, {DURATION}; "
          f"{SEARCHERS} searching clients cycling over {len(WORST)} worst-case queries")
    for label, run in (("bare Flask hello", hello_run), ("competence, quiet", quiet),
                       ("competence, hostile searches", hostile)):
        print(f"{label:<30} {run['rps']:>8.0f} req/s  p50 {run['p50_ms']:6.2f} ms  "
              f"p99 {run['p99_ms']:7.2f} ms  non-2xx {run['non_2xx']}")
    print(f"hostile / quiet: {hostile['rps'] / quiet['rps']:.2f}")
    seconds = sorted(health_seconds)
    print(f"/healthz every 100 ms ({len(seconds)} probes): p50 "
          f"{statistics.median(seconds) * 1000:.1f} ms  max {seconds[-1] * 1000:.1f} ms  "
          f"over 100 ms {sum(s > 0.1 for s in seconds)}  failed {health_failures}")
    # The attack's CPU from its start (3 s before wrk) to its end: a rate over that span.
    print(f"CPU of the searching clients: {attack_cpu / (elapsed + 3):.2f} cores "
          f"(of {os.cpu_count()})")
    counts = {s: statuses.count(s) for s in set(statuses)}
    slowest = max(search_seconds) if search_seconds else 0
    print(f"searches: {len(statuses)} answered {counts}; slowest {slowest:.2f} s")

if __name__ == "__main__":
    main()
