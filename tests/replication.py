"""A real PostgreSQL primary with a streaming replica, built from the server binaries on this
machine in a temporary directory, on ports chosen free at run time.

initdb refuses to run as root: as root, every server command runs as the `postgres` user in a
directory that user owns. Without server binaries, tests that need the pair are skipped and
say why.
"""
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from .live import free_port

SERVER_TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def server_bindir():
    """The newest directory holding PostgreSQL's server tools, or None."""
    candidates = []
    try:
        candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                         text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name), reverse=True)
    for bindir in candidates:
        if all((Path(bindir) / tool).exists() for tool in SERVER_TOOLS):
            return Path(bindir)
    return None


class StreamingPair:
    """Primary and replica: their URLs, and the levers a test pulls (pause replay, stop and
    start the primary)."""

    def __init__(self, bindir, root):
        self.bindir, self.root = bindir, root
        self.as_server_user = []
        if os.geteuid() == 0:
            self.as_server_user = ["runuser", "-u", "postgres", "--"]
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        self.primary_dir, self.replica_dir = root / "primary", root / "replica"
        self.primary_port, self.replica_port = free_port(), free_port()

    def url(self, which, dbname="postgres"):
        port = self.primary_port if which == "primary" else self.replica_port
        return f"postgresql://postgres@127.0.0.1:{port}/{dbname}"

    def _run(self, tool, *args):
        subprocess.run([*self.as_server_user, str(self.bindir / tool), *map(str, args)],
                       check=True, capture_output=True, cwd=self.root)

    def build(self, replica=True):
        self._run("initdb", "-D", self.primary_dir, "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        self._configure(self.primary_dir, self.primary_port)
        self.start("primary")
        if not replica:
            return
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", self.primary_port, "-U",
                  "postgres", "-D", self.replica_dir, "-R", "-X", "stream")
        # Reconnect to a restarted primary at once (default: 5 s between attempts).
        self._configure(self.replica_dir, self.replica_port,
                        "wal_retrieve_retry_interval = '200ms'")
        self.start("replica")

    def _configure(self, data_dir, port, *extra):
        settings = [f"port = {port}", "listen_addresses = '127.0.0.1'",
                    f"unix_socket_directories = '{self.root}'", "fsync = off",
                    *extra]
        self._append(data_dir / "postgresql.auto.conf", settings)

    def _append(self, path, settings):
        subprocess.run([*self.as_server_user, "sh", "-c", 'cat >> "$0"', str(path)],
                       input="\n".join(settings) + "\n", text=True, check=True)

    def start(self, which):
        data_dir = self.primary_dir if which == "primary" else self.replica_dir
        self._run("pg_ctl", "-D", data_dir, "-l", self.root / f"{which}.log", "-w", "start")

    def stop(self, which, mode="fast"):
        data_dir = self.primary_dir if which == "primary" else self.replica_dir
        self._run("pg_ctl", "-D", data_dir, "-m", mode, "-w", "stop")

    def server_pids(self, which="primary"):
        """The postmaster and every process it started (to freeze the whole server)."""
        data_dir = self.primary_dir if which == "primary" else self.replica_dir
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)],
                                  capture_output=True, text=True).stdout.split()
        return [postmaster, *map(int, children)]

    def signal(self, signum, which="primary"):
        for pid in self.server_pids(which):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass  # ended meanwhile

    def replica_sql(self, sql, dbname="postgres"):
        with psycopg.connect(self.url("replica", dbname), autocommit=True,
                             row_factory=dict_row) as conn:
            return conn.execute(sql).fetchall()


@contextmanager
def streaming_pair(replica=True):
    """A primary with a streaming replica (replica=False: a private server alone)."""
    bindir = server_bindir()
    if bindir is None:
        import pytest
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) on this "
                    "machine: the streaming-replica tests need them")
    root = Path(tempfile.mkdtemp(prefix="regmap-replication-"))
    pair = StreamingPair(bindir, root)
    try:
        pair.build(replica=replica)
        yield pair
    finally:
        for which in ("replica", "primary") if replica else ("primary",):
            try:
                pair.signal(signal.SIGCONT, which)  # a frozen server cannot stop
            except (OSError, ValueError):
                pass  # not running
            try:
                pair.stop(which, mode="immediate")
            except subprocess.CalledProcessError:
                pass  # not running
        shutil.rmtree(root, ignore_errors=True)
