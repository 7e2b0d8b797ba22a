"""Searches beyond the search lane are refused in front of Flask, as plain WSGI.

A client flooding the search with worst-case queries gets 503s anyway (engine.py admits one
search at a time per process); answering those through the whole Flask machinery would cost
the CPU that competence answers need. The refusal here is the same problem document the
engine's lane would give, for a fraction of the cost; the engine's own admission stays the
rule (this is only a cheap early look at it).
"""
import json

from ..http.observability import REQUEST_ID_HEADER, new_request_id, series_for
from . import engine

PATH = "/api/v1/search"


class SearchGate:
    def __init__(self, app, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or not engine.search_lane_full():
            return self.wsgi_app(environ, start_response)
        request_id = new_request_id()
        body = json.dumps({
            "type": "about:blank", "title": "Service unavailable", "status": 503,
            "detail": engine.search_refusal(),
            "instance": PATH, "request_id": request_id}).encode()
        start_response("503 SERVICE UNAVAILABLE", [
            ("Content-Type", "application/problem+json"), ("Retry-After", "1"),
            ("Content-Length", str(len(body))), (REQUEST_ID_HEADER, request_id)])
        series_for(environ.get("REQUEST_METHOD", "GET"), PATH, 503)[0].inc()
        return [body]
