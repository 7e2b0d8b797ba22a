"""The check log: what logging every permission check costs, and what is
lost when the service stops or crashes.

    .venv/bin/python bench/check_log_bench.py
Needs wrk and a database: DATABASE_URL, else the embedded one of ./scripts/serve.sh (migrated
and seeded with the demo catalogue first). DURATION (15s), WORKERS (2).

1. Throughput of /permissions/check (wrk, 8 connections, routing token) without the log
   (CHECK_LOG=0), with the buffered log (CHECK_LOG_FLUSH_SECONDS=0.5, the default) and with
   each entry inserted by its check (0), next to a bare Flask endpoint in the same run.
2. Graceful stop: after the buffered run, gunicorn is stopped with SIGTERM; every check wrk
   counted must be in the log (a few more may be: answers in flight when wrk stopped).
3. Crash: 8 clients check for 5 s, then every gunicorn process gets SIGKILL at once. Each
   client remembers the X-Request-ID and time of every answer; the answers missing from the
   log must all be younger than the flush interval (plus the time of one write).
"""
import os
import signal
import subprocess
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
from bench.harness import GUNICORN, gunicorn, lua_paths, regmap, wrk  # noqa: E402

DURATION = os.environ.get("DURATION", "15s")
WORKERS = int(os.environ.get("WORKERS", "2"))
FLUSH_SECONDS = 0.5


def prepare(env):
    """A permission to check (the demo catalogue has none): the first demo authority may
    use the Meldebescheinigung for the first demo service. Returns the check's query."""
    dm = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-dm@regmap.example", "--role", "data_manager",
        env=env)}
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        consumer, service = conn.execute("""
            SELECT (SELECT code FROM organisation WHERE status = 'active' ORDER BY id LIMIT 1),
                   (SELECT code FROM service WHERE status = 'active' ORDER BY id LIMIT 1)
        """).fetchone()
    query = {"consumer": consumer, "service": service, "evidence_type": "meldebescheinigung"}
    with gunicorn("app.wsgi:app", 18393, "/readyz", workers=1,
                  env={"DATABASE_URL": env["DATABASE_URL"]}) as api:
        existing = requests.get(f"{api}/api/v1/permissions", params={
            "consumer": consumer, "service": service}, headers=dm, timeout=30).json()
        if not existing["items"]:
            r = requests.post(f"{api}/api/v1/permissions", headers=dm, timeout=30, json={
                **query, "legal_basis": "bench (illustrative)",
                "may_use_identification_number": False})
            assert r.status_code == 201, r.text
    return query


def logged(database_url, request_ids=None):
    with psycopg.connect(database_url) as conn:
        if request_ids is None:
            return conn.execute("SELECT count(*) FROM permission_check").fetchone()[0]
        return {row[0] for row in conn.execute(
            "SELECT request_id FROM permission_check WHERE request_id = ANY(%s)",
            (list(request_ids),))}


def throughput(env, routing, script, flush_seconds, log=True):
    before = logged(env["DATABASE_URL"])
    with gunicorn("app.wsgi:app", 18394, "/readyz", workers=WORKERS,
                  env={"DATABASE_URL": env["DATABASE_URL"], "CHECK_LOG": "1" if log else "0",
                       "CHECK_LOG_FLUSH_SECONDS": str(flush_seconds)}) as api:
        wrk(api, duration="5s", script=script, headers=routing)  # warm-up
        time.sleep(2 * FLUSH_SECONDS + 0.5)  # the warm-up's entries are written
        warm = logged(env["DATABASE_URL"])
        run = wrk(api, duration=DURATION, script=script, headers=routing)
        time.sleep(0.2)
    # gunicorn has stopped (SIGTERM, graceful): what it answered is in the log.
    run["logged"] = logged(env["DATABASE_URL"]) - warm
    run["warm_up_logged"] = warm - before
    return run


def crash(env, routing, path):
    """Clients check until every gunicorn process is killed; answers missing from the log."""
    process = subprocess.Popen(
        [str(GUNICORN), "--config", "python:app.gunicorn_conf", "--workers", str(WORKERS),
         "--bind", "127.0.0.1:18395", "--access-logfile", "/dev/null",
         "--no-control-socket", "--log-level", "warning", "app.wsgi:app"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": env["DATABASE_URL"], "LOG_LEVEL":
                       "WARNING", "CHECK_LOG_FLUSH_SECONDS": str(FLUSH_SECONDS)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = "http://127.0.0.1:18395"
    for _ in range(150):
        try:
            if requests.get(base + "/readyz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    answers, stop = [], threading.Event()

    def client():
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.get(base + path, headers=routing, timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 200:
                answers.append((r.headers["X-Request-ID"], time.time()))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    # Every process of the server at once: no worker gets to flush.
    os.killpg(process.pid, signal.SIGKILL)
    killed_at = time.time()
    stop.set()
    for thread in threads:
        thread.join()
    process.wait()
    answered = {rid: at for rid, at in answers if at <= killed_at}
    found = logged(env["DATABASE_URL"], answered)
    lost = {rid: killed_at - at for rid, at in answered.items() if rid not in found}
    return len(answered), lost


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    query = prepare(env)
    path = "/api/v1/permissions/check?" + "&".join(f"{k}={v}" for k, v in query.items())
    script = lua_paths("permission_check", [path])
    routing = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-routing@regmap.example", "--role", "routing",
        env=env)}
    with gunicorn("bench.hello_app:app", 18391, "/hello", workers=WORKERS) as hello:
        hello_run = wrk(f"{hello}/hello", duration=DURATION)
    unlogged = throughput(env, routing, script, FLUSH_SECONDS, log=False)
    buffered = throughput(env, routing, script, FLUSH_SECONDS)
    unbuffered = throughput(env, routing, script, 0)
    crash_answered, lost = crash(env, routing, path)

    print(f"gunicorn {WORKERS} workers x 16 threads; wrk 8 connections, {DURATION}")
    for label, run in (("bare Flask hello", hello_run), ("check, no log", unlogged),
                       (f"check, buffered log ({FLUSH_SECONDS} s)", buffered),
                       ("check, insert per check", unbuffered)):
        print(f"{label:<32} {run['rps']:>8.0f} req/s  p50 {run['p50_ms']:6.2f} ms  "
              f"p99 {run['p99_ms']:7.2f} ms  non-2xx {run['non_2xx']}")
    print(f"buffered log / no log: {buffered['rps'] / unlogged['rps']:.2f}")
    for label, run in (("buffered", buffered), ("insert per check", unbuffered)):
        answered = run["requests"] - run["non_2xx"]
        print(f"graceful stop, {label}: wrk counted {answered} answered checks, "
              f"{run['logged']} logged ({run['logged'] - answered:+d})")
    ages = sorted(lost.values())
    print(f"crash (SIGKILL to every process after 5 s): {crash_answered} answered, "
          f"{len(lost)} not logged" + (f", aged {ages[0] * 1000:.0f}–{ages[-1] * 1000:.0f} "
                                       f"ms at the kill" if ages else ""))


if __name__ == "__main__":
    main()
