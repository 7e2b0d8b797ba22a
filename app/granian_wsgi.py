"""WSGI entry point for granian (`regmap serve`, the default server): the app, and in each worker
what app/gunicorn_conf.py's hooks do under gunicorn.

granian starts its workers with multiprocessing (spawn) and offers no per-worker hooks; a
worker that stops gracefully returns from its target, and multiprocessing then runs the
finalizers registered in it (multiprocessing.util.Finalize), not atexit. So here:
- at import (in the worker): the search child is started and the competence index built in
  the background (gunicorn: post_worker_init);
- at a graceful stop: the buffered check log is written, the search child ended and the
  worker's live metrics marked dead (gunicorn: worker_exit and child_exit);
- every answer gets an access-log line with its request id, as gunicorn's access log writes
  it (granian's own access log sees request headers only, not the X-Request-ID answered).
"""
import multiprocessing.util
import os
import sys
import time

from prometheus_client import multiprocess

from . import create_app
from .competence import check_log
from .competence import index as competence_index
from .search import process


class AccessLog:
    """One line per answer on stdout: client, request line, status, milliseconds, request id
    (the format of gunicorn_conf.access_log_format, less the body size)."""

    def __init__(self, wsgi_app, stream=None):
        self.wsgi_app, self.stream = wsgi_app, stream

    def __call__(self, environ, start_response):
        started, seen = time.perf_counter(), {}

        def logging_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["rid"] = next((v for k, v in headers if k.lower() == "x-request-id"), "-")
            return start_response(status, headers, exc_info)
        try:
            return self.wsgi_app(environ, logging_start_response)
        finally:
            query = environ.get("QUERY_STRING")
            line = (f'{environ.get("REMOTE_ADDR", "-")} "{environ.get("REQUEST_METHOD")} '
                    f'{environ.get("PATH_INFO", "")}{"?" + query if query else ""} '
                    f'{environ.get("SERVER_PROTOCOL", "HTTP/1.1")}" '
                    f'{seen.get("status", "-")} '
                    f'{round((time.perf_counter() - started) * 1000)}ms '
                    f'rid={seen.get("rid", "-")}\n')
            stream = self.stream or sys.stdout
            stream.write(line)
            stream.flush()  # as gunicorn's access log: a line is out when the answer is


def _worker_exit(flask_app):
    check_log.flush_all(flask_app)
    process.stop()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())


flask_app = create_app()
app = AccessLog(flask_app)
if multiprocessing.current_process().name != "MainProcess":
    multiprocessing.util.Finalize(None, _worker_exit, args=(flask_app,), exitpriority=10)
    if flask_app.config["SEARCH_PROCESS"]:
        process.prestart()
    competence_index.warm_in_background(flask_app)
