"""A real multi-worker gunicorn against a database of its own, for tests about what several
worker processes see (cache freshness)."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests
from psycopg.rows import dict_row

from app import migrate
from app.access.actor import system_actor
from app.areas.seed import seed_areas
from app.catalog.seed import seed_catalog
from app.config import REPO_ROOT
from app.governance.users import ensure_user_with_role, issue_token

from . import dbutil


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(server_url, tmp_path, workers=3, env=None):
    with dbutil.fresh_database(server_url) as url:
        migrate.upgrade(url)
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            seed_areas(conn, REPO_ROOT / "catalog_seed")
            seed_catalog(conn, REPO_ROOT / "catalog_seed", system_actor("tests"))
            user = ensure_user_with_role(conn, system_actor("tests"),
                                         email="dm@live.example", role="data_manager")
            token = issue_token(conn, system_actor("tests"), user)["token"]
        port = free_port()
        metrics = Path(tmp_path) / "metrics"
        metrics.mkdir()
        env = dict(os.environ, DATABASE_URL=url, PROMETHEUS_MULTIPROC_DIR=str(metrics),
                   CACHE_POLL_SECONDS="0.25", LOG_LEVEL="WARNING",
                   SEARCH_INDEX_DIR=str(Path(tmp_path) / "search"), **(env or {}))
        gunicorn = Path(sys.executable).parent / "gunicorn"
        log = Path(tmp_path) / "gunicorn.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen(
                [str(gunicorn), "--config", "python:app.gunicorn_conf", "--workers",
                 str(workers), "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                 "--no-control-socket", "app.wsgi:app"],
                cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
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
                    raise RuntimeError("gunicorn did not start: "
                                       + log.read_text(errors="replace")[-2000:])
                time.sleep(0.1)
            yield {"base": base, "dm": {"Authorization": f"Bearer {token}"}, "database_url": url,
                   "metrics": metrics, "workers": workers}
        finally:
            process.terminate()
            process.wait(timeout=20)
