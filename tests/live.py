"""Real gunicorn servers against databases of their own, for tests about what several worker
processes, instances or a replica see (cache freshness)."""
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests
from psycopg.rows import dict_row

from app.access.actor import system_actor
from app.areas.seed import seed_areas
from app.config import REPO_ROOT
from app.db import migrate
from app.governance.users import ensure_user_with_role, issue_token

from . import dbutil


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url, demo=True):
    """Migrate and seed the database at `url` (areas, and the demo catalogue unless
    demo=False); headers of a data manager's token."""
    migrate.upgrade(url)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        seed_areas(conn, REPO_ROOT / "catalog_seed")
        if demo:
            dbutil.seed_catalogue(conn, REPO_ROOT / "catalog_seed")
        user = ensure_user_with_role(conn, system_actor("tests"),
                                     email="dm@live.example", role="data_manager")
        token = issue_token(conn, system_actor("tests"), user)["token"]
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def serving(url, work_dir, workers=2, env=None, stop=signal.SIGTERM, port=None,
            server="granian", stdout=None):
    """`regmap serve` on a free port against `url`, with a VAR_DIR (search index, metrics)
    of its own: `work_dir`; its base URL once /readyz answers. Its stderr is kept in
    `work_dir`/server.log. At the end `stop` goes to its whole process group, as Ctrl-C
    in a terminal sends SIGINT to every process of the foreground job. `port`: one chosen
    before (a provider must know the redirect URI), else a free one. `server`: what
    `regmap serve --server` runs; `stdout`: a file for its access log (else dropped)."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    # Tests poll answers in tight loops from one address; rate limits have tests of their own.
    env = {**os.environ, "DATABASE_URL": url, "CACHE_POLL_SECONDS": "0.25",
           "LOG_LEVEL": "WARNING", "VAR_DIR": str(work_dir),
           "RATE_LIMIT_PER_ADDRESS": "1000000/second", "RATE_LIMIT_PER_TOKEN": "1000000/second",
           "RATE_LIMIT_BY_ROLE": "", **(env or {})}
    env.pop("SEARCH_INDEX_DIR", None)  # under VAR_DIR: each instance has its own
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # regmap serve: VAR_DIR/metrics
    regmap = Path(sys.executable).parent / "regmap"
    log = work_dir / "server.log"
    with open(log, "wb") as log_file:
        # The access log goes to stdout: not kept.
        process = subprocess.Popen(
            [str(regmap), "serve", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--server", server],
            cwd=REPO_ROOT, env=env, stdout=stdout or subprocess.DEVNULL, stderr=log_file,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # still booting
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{server} did not start: "
                                   + log.read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, stop)
        process.wait(timeout=30)


@contextmanager
def live_server(server_url, tmp_path, workers=3, env=None, port=None, server="granian"):
    with dbutil.fresh_database(server_url) as url:
        dm = prepare(url)
        with serving(url, tmp_path, workers, env, port=port, server=server) as base:
            yield {"base": base, "dm": dm, "database_url": url,
                   "metrics": Path(tmp_path) / "metrics", "workers": workers}


def wait_for(condition, seconds, step=0.02):
    """The first true value of condition() within `seconds` (else its last value) and the
    seconds it took."""
    started = time.monotonic()
    while True:
        value = condition()
        elapsed = time.monotonic() - started
        if value or elapsed > seconds:
            return value, elapsed
        time.sleep(step)
