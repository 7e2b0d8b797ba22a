"""Request IDs, logging and Prometheus metrics.

Every response carries X-Request-ID (the caller's, when it is a sane token, else a new one);
every log line written while handling a request names it.
"""
import functools
import itertools
import logging
import os
import re
import sys
import time
import uuid

from flask import current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess

REQUEST_ID_HEADER = "X-Request-ID"
# Accept the caller's id only when it cannot smuggle anything into logs or headers.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

REQUESTS = Counter("regmap_http_requests_total", "HTTP requests answered",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("regmap_http_request_duration_seconds", "Time to answer a request",
                    ["method", "endpoint"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))

PRIMARY_AVAILABLE = Gauge("regmap_primary_available",
                          "1 while the primary database takes writes, 0 while it does not "
                          "(as last seen by /readyz)", multiprocess_mode="livemostrecent")


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


# Generated ids: a random prefix per process and a counter (cheaper than a uuid4 per request,
# and unique across processes and restarts all the same).
_prefix = (None, None)
_sequence = itertools.count()


def new_request_id():
    global _prefix
    pid, prefix = _prefix
    if pid != os.getpid():  # a new process (e.g. forked): a prefix of its own
        pid, prefix = os.getpid(), uuid.uuid4().hex[:16]
        _prefix = (pid, prefix)
    return f"{prefix}{next(_sequence):016x}"


def sane_request_id(incoming):
    return bool(incoming) and _SANE_REQUEST_ID.match(incoming) is not None


def request_id_of(environ):
    """The request id of a request answered in front of Flask, as start_request gives one:
    the caller's X-Request-ID when it is sane, else a new one."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if sane_request_id(incoming) else new_request_id()


def observe_answer(method, endpoint, status, started):
    """Count an answer given in front of Flask and its latency (`started`: perf_counter)."""
    counter, latency = series_for(method, endpoint, status)
    counter.inc()
    latency.observe(time.perf_counter() - started)


def start_request():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    context = g._get_current_object()
    context.request_id = incoming if sane_request_id(incoming) else new_request_id()
    context.started = time.perf_counter()


# Labelled series, looked up once: prometheus_client's labels() costs more than the request
# it measures on the hot path.
_series = {}


# Label values come from a closed set: any other method name is "other" (a caller must not
# be able to grow /metrics by inventing methods).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def series_for(method, endpoint, status):
    method = method if method in _METHODS else "other"
    key = (method, endpoint, status)
    found = _series.get(key)
    if found is None:
        found = _series[key] = (REQUESTS.labels(method, endpoint, str(status)),
                                LATENCY.labels(method, endpoint))
    return found


SERVED_BY_HEADER = "X-Served-By"


def served_by():
    """The answering process, for SERVED_BY_HEADER (benchmarks: which worker answered)."""
    return f"{os.uname().nodename}:{os.getpid()}"


_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@functools.lru_cache(maxsize=1024)
def route_label(rule):
    """A route as metrics name it: `/municipalities/<key>`, whatever converter documents the
    segment (`<municipality:key>`), so dashboards keep their series."""
    return _CONVERTER.sub(r"<\1>", rule)


def finish_request(response):
    context, req = g._get_current_object(), request._get_current_object()
    response.headers[REQUEST_ID_HEADER] = getattr(context, "request_id", "-")
    if current_app.config.get("SERVED_BY_HEADER"):
        response.headers[SERVED_BY_HEADER] = served_by()
    endpoint = route_label(req.url_rule.rule) if req.url_rule else "unmatched"
    counter, latency = series_for(req.method, endpoint, response.status_code)
    counter.inc()
    started = getattr(context, "started", None)
    if started is not None:
        latency.observe(time.perf_counter() - started)
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
