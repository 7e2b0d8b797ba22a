"""gunicorn settings (`--config python:app.gunicorn_conf`); command-line flags override."""
import os

from prometheus_client import multiprocess

from app.config import Config

preload_app = False  # the connection pool must not cross a fork
worker_class = "gthread"
threads = Config.from_env().GUNICORN_THREADS
timeout = 30
graceful_timeout = 20
# No runtime control socket: nothing uses it, and several servers on one machine would share
# its default path.
control_socket_disable = True
accesslog = "-"
# The request id of every access-log line, as sent back in X-Request-ID.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def worker_exit(server, worker):
    # A graceful stop loses no permission-check log entry (competence/check_log.py).
    from app.competence import check_log
    from app.search import process
    check_log.flush_all(worker.wsgi)
    process.stop()  # its search child ends with it (no traceback at Ctrl-C)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # The worker's search process is started before the first search needs it, and its
    # competence index is built before the first lookup.
    from app.competence.index import warm_in_background
    if Config.from_env().SEARCH_PROCESS:
        from app.search import process
        process.prestart()
    warm_in_background(worker.wsgi)
