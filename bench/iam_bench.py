"""IAM-B access tokens against own tokens (issue 27), in one run: competence lookups with a
routing token of each kind, against a bare Flask hello under gunicorn with 2 sync workers,
quiet and while a writer changes offers; then what the first request of a token not seen yet
costs (verification alone, in process, and the whole first request over HTTP).

    .venv/bin/python bench/iam_bench.py
Needs wrk (apt-get install wrk), node and oidc-provider in tests/e2e/node_modules (the test
command installs it), and a database: DATABASE_URL, else the embedded one of
./scripts/serve.sh (migrated and seeded with the demo catalogue here). The provider is
tests/iam.py's, on loopback. DURATION (10s), CONNECTIONS (8), WORKERS (2), RUNS (3) and
NEW_TOKENS (300) override the defaults.
"""
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.access.iam import Iam, IamSettings  # noqa: E402
from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import gunicorn, print_medians, regmap, wrk  # noqa: E402
from bench.hot_paths_bench import scripts  # noqa: E402
from bench.writes_bench import Writer  # noqa: E402
from tests import iam  # noqa: E402

DURATION = os.environ.get("DURATION", "10s")
CONNECTIONS = int(os.environ.get("CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
RUNS = int(os.environ.get("RUNS", "3"))
NEW_TOKENS = int(os.environ.get("NEW_TOKENS", "300"))
HELLO = "bare Flask hello (2 sync workers)"
API = "/api/v1"
ALGORITHMS = ("RS256", "ES256", "EdDSA")


def verification_ms(provider):
    """Milliseconds Iam.verify takes for a token not seen yet (keys already fetched), per
    algorithm: what the first request of a new token adds before its actor is cached."""
    checker = Iam(IamSettings(issuer=provider.issuer, audience=iam.AUDIENCE), grace=3600,
                  refetch=30, provision=None)
    result = {}
    for alg in ALGORITHMS:
        tokens = [provider.token(f"bench-{alg}") for _ in range(NEW_TOKENS)]
        checker.verify(tokens[0])  # the key set is fetched once, not measured
        took = []
        for token in tokens:
            started = time.perf_counter()
            checker.verify(token)
            took.append((time.perf_counter() - started) * 1000)
        took.sort()
        result[alg] = {"median_ms": statistics.median(took),
                       "p99_ms": took[int(len(took) * 0.99) - 1]}
    return result


def first_request_ms(api, provider, url):
    """Latency of the first request of each new token against the same request with a token
    already cached (sequential, one connection)."""
    session = requests.Session()
    cached = {"Authorization": f"Bearer {provider.token('bench-RS256')}"}
    session.get(url, headers=cached).raise_for_status()
    new, again = [], []
    for _ in range(NEW_TOKENS // 3):
        token = {"Authorization": f"Bearer {provider.token('bench-RS256')}"}
        for sink, headers in ((new, token), (again, cached)):
            started = time.perf_counter()
            session.get(url, headers=headers).raise_for_status()
            sink.append((time.perf_counter() - started) * 1000)
    return {"new token median_ms": statistics.median(new),
            "cached token median_ms": statistics.median(again)}


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    reason = iam.unavailable()
    if reason:
        sys.exit(f"iam_bench: {reason}")
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    paths, ags = scripts(env["DATABASE_URL"])
    competence = paths["competence"]
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        orgs = [r[0] for r in conn.execute(
            "SELECT code FROM organisation WHERE code LIKE 'gemeinde-%' ORDER BY md5(code) "
            "LIMIT 500")]
    provider_org = f"gemeinde-{ags[-1]}"
    own = {role: {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", f"bench-iam-{role}@regmap.example", "--role", role,
        *(["--org", provider_org] if role == "provider_admin" else []), env=env)}
        for role in ("routing", "data_manager", "provider_admin")}
    provider = iam.Provider(Path(tempfile.mkdtemp(prefix="iam-bench-")), [
        iam.machine_client("bench-rdn", ["routing"]),
        *(iam.machine_client(f"bench-{alg}", ["routing"], alg=alg) for alg in ALGORITHMS)])
    provider.start()
    try:
        iam_env = {"DATABASE_URL": env["DATABASE_URL"], "IAM_ISSUER": provider.issuer,
                   "IAM_AUDIENCE": iam.AUDIENCE}
        runs = {}
        print(f"hello: gunicorn {WORKERS} sync workers; regmap: gunicorn {WORKERS} gthread "
              f"workers x 16 threads; wrk 2 threads, {CONNECTIONS} connections, {DURATION}")
        with gunicorn("bench.hello_app:app", 18211, "/hello", workers=WORKERS,
                      worker_class="sync") as hello, \
                gunicorn("app.wsgi:app", 18212, "/readyz", workers=WORKERS,
                         env=iam_env) as api:
            def callers():  # a fresh IAM-B token per round: they live 5 minutes
                return {"own token": own["routing"],
                        "IAM-B token": {"Authorization":
                                        f"Bearer {provider.token('bench-rdn')}"}}
            for headers in callers().values():  # warm indexes, answers and actor caches
                wrk(api, connections=CONNECTIONS, duration="3s", script=competence,
                    headers=headers)
            for _ in range(RUNS):
                runs.setdefault(HELLO, []).append(
                    wrk(f"{hello}/hello", connections=CONNECTIONS, duration=DURATION))
                for phase in ("quiet", "with writes"):
                    writer = None
                    if phase == "with writes":
                        writer = Writer(api, own["data_manager"], own["provider_admin"],
                                        f"demo-gewerbe-{ags[-1]}", orgs)
                        writer.start()
                    for name, headers in callers().items():
                        runs.setdefault(f"competence, {name}, {phase}", []).append(wrk(
                            api, connections=CONNECTIONS, duration=DURATION,
                            script=competence, headers=headers))
                    if writer:
                        writer.stop.set()
                        writer.join()
            first = first_request_ms(api, provider, f"{api}{API}/competence?evidence_type="
                                     f"meldebescheinigung&ags={ags[0]}")
        verify = verification_ms(provider)
    finally:
        provider.stop()

    print(f"median of {RUNS} rounds")
    median = print_medians(runs, HELLO, width=40)
    for phase in ("quiet", "with writes"):
        ratio = (median(f"competence, IAM-B token, {phase}", "rps")
                 / median(f"competence, own token, {phase}", "rps"))
        print(f"IAM-B / own token, {phase}: {ratio:4.2f}")
    for alg, numbers in verify.items():
        print(f"verification of a new token, {alg}: median {numbers['median_ms']:.3f} ms, "
              f"p99 {numbers['p99_ms']:.3f} ms ({NEW_TOKENS} tokens)")
    print("first request of a new token over HTTP: median "
          f"{first['new token median_ms']:.2f} ms, the same with a cached token "
          f"{first['cached token median_ms']:.2f} ms")
    (ROOT / "bench" / "results" / "iam.json").write_text(json.dumps(
        {"runs": runs, "verification": verify, "first_request": first}, indent=2))


if __name__ == "__main__":
    main()
