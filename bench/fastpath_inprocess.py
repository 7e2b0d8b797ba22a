"""Issue 28: what regmap's own Python costs per competence answer in front of Flask, without
an HTTP server: the app's WSGI callable (rate limit, signer, fast path) called in a loop on
one thread with a routing token, over the 1,000 lookups of bench/hot_paths_bench.py.

    DATABASE_URL=postgresql://…/regmap_bench .venv/bin/python bench/fastpath_inprocess.py
Seeds the demo catalogue where it is missing. N (30000) answers are timed after 3,000 to
warm; PROFILE=1 adds a cProfile listing (its overhead inflates every figure).
"""
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import regmap  # noqa: E402
from bench.hot_paths_bench import API, EVIDENCE_TYPES, scripts  # noqa: E402

N = int(os.environ.get("N", "30000"))


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    token = regmap("token", "create", "--email", "bench-inprocess@regmap.example", "--role",
                   "routing", env=env)
    _, ags = scripts(env["DATABASE_URL"])
    queries = [f"evidence_type={EVIDENCE_TYPES[i % 3]}&ags={a}" for i, a in enumerate(ags)]
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    app = create_app()
    statuses = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def answer(n):
        for i in range(n):
            body = app({"REQUEST_METHOD": "GET", "PATH_INFO": f"{API}/competence",
                        "QUERY_STRING": queries[i % len(queries)], "SERVER_NAME": "bench",
                        "SERVER_PORT": "80", "wsgi.url_scheme": "http",
                        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "bench",
                        "HTTP_AUTHORIZATION": f"Bearer {token}",
                        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr},
                       start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()

    answer(3000)
    statuses.clear()
    started = time.perf_counter()
    answer(N)
    seconds = time.perf_counter() - started
    print(f"{seconds / N * 1e6:.1f} µs per competence answer over {N} ({statuses})")
    if os.environ.get("PROFILE"):
        profile = cProfile.Profile()
        profile.runcall(answer, N)
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
