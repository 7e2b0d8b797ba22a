"""Request IDs, logging and Prometheus metrics.

Every response carries X-Request-ID (the caller's, when it is a sane token, else a new one);
every log line written while handling a request names it.
"""
import logging
import os
import re
import sys
import time
import uuid

from flask import g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

REQUEST_ID_HEADER = "X-Request-ID"
# Accept the caller's id only when it cannot smuggle anything into logs or headers.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter("regmap_http_requests_total", "HTTP requests answered",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("regmap_http_request_duration_seconds", "Time to answer a request",
                    ["method", "endpoint"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _):
        pass


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        return True


def configure_logging(level):
    root = logging.getLogger()
    if not any(getattr(h, "_regmap", False) for h in root.handlers):
        handler = StderrHandler()
        handler._regmap = True
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces every plugin it loads; only its migration messages are news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def start_request():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


def finish_request(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    if "started" in g:
        LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - g.started)
    return response


def metrics_registry():
    """All workers' metrics under gunicorn (multiprocess mode), else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY
    return REGISTRY


def init_app(app):
    app.before_request(start_request)
    app.after_request(finish_request)
