"""Rate limits on API answers (docs/api-conventions.md, "Rate limits"), in front of everything —
the competence fast path included — as plain WSGI.

A request with a token counts against that token (the storage sees a hash of it, never the
token), with the limit of its token code, else of its role (RATE_LIMIT_BY_TOKEN,
RATE_LIMIT_BY_ROLE; an unseen token is checked once, then cached), else RATE_LIMIT_PER_TOKEN.
An IAM-B token of a machine client counts against its client, whichever token it holds (each is
short-lived), with the limit RATE_LIMIT_BY_TOKEN names for `iam:<client_id>`, else of its role;
one without counts against its client address (behind TRUSTED_PROXY_HOPS reverse proxies: the
address they forward; ProxyFix runs before this), at the limit of its network where
RATE_LIMIT_BY_ADDRESS names one, else RATE_LIMIT_PER_ADDRESS. Every API answer carries
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window ends);
beyond the limit the answer is 429 `rate-limited` with `Retry-After`, and the request reaches
nothing else.

Counting is a fixed window (edge/windows.py). Storage: in process by default, so each
worker process counts on its own (an instance with four workers lets up to four times the limit
through); with RATE_LIMIT_STORAGE_URL (e.g. redis://host:6379/0) every process of every
instance shares one count. A shared storage that fails or is slow never stops answers: the
request goes on unlimited (without the headers), and the storage is left alone for
STORAGE_RETRY_SECONDS before it is asked again.
"""
import hashlib
import ipaddress
import json
import logging
import math
import time

from limits import parse
from limits.storage import storage_from_string

from ..http.observability import REQUEST_ID_HEADER, new_request_id, series_for
from .windows import MemoryWindows, SharedWindows

# Paths whose answers are limited: the JSON API and the RegRep binding; web pages, probes
# and metrics are not.
LIMITED_PREFIXES = ("/api/", "/rest/")
KEY_PREFIX = "regmap-rate"
# How RATE_LIMIT_BY_TOKEN names an IAM-B machine client: iam:<client_id>.
IAM_CLIENT_PREFIX = "iam:"
# A shared storage must answer within this (seconds); after a failure it is left alone for
# STORAGE_RETRY_SECONDS.
STORAGE_TIMEOUT = 0.05
STORAGE_RETRY_SECONDS = 5

log = logging.getLogger(__name__)


def named_limits(setting, what, name_of=str):
    """"name=limit; name=limit" -> {name_of(name): parsed limit}; a malformed entry stops
    the start."""
    limits = {}
    for entry in filter(None, (part.strip() for part in setting.split(";"))):
        name, _, limit = entry.partition("=")
        try:
            limits[name_of(name.strip())] = parse(limit.strip())
        except ValueError:
            raise ValueError(f"{what}: {entry!r} is not <name>=<count>/<second|minute|hour>") \
                from None
    return limits


class RateLimit:
    """`actor_of(header)` says who a token acts as (or None when unknown): the limits by
    role and token code need it; the edge itself knows no tokens."""

    def __init__(self, app, wsgi_app, actor_of=lambda header: None):
        config = app.config
        self.wsgi_app, self.actor_of = wsgi_app, actor_of
        url = config["RATE_LIMIT_STORAGE_URL"]
        self.windows = SharedWindows(storage_from_string(
            url, key_prefix=KEY_PREFIX, socket_timeout=STORAGE_TIMEOUT,
            socket_connect_timeout=STORAGE_TIMEOUT)) if url else MemoryWindows()
        self._storage_down_until = 0.0
        self.per_token = parse(config["RATE_LIMIT_PER_TOKEN"])
        self.per_address = parse(config["RATE_LIMIT_PER_ADDRESS"])
        self.by_role = named_limits(config["RATE_LIMIT_BY_ROLE"], "RATE_LIMIT_BY_ROLE")
        self.by_token = named_limits(config["RATE_LIMIT_BY_TOKEN"], "RATE_LIMIT_BY_TOKEN")
        self.by_network = named_limits(config["RATE_LIMIT_BY_ADDRESS"], "RATE_LIMIT_BY_ADDRESS",
                                       ipaddress.ip_network)
        self._address_limits = {}   # address -> limit: each address is matched once
        self.problem_type = config["PROBLEM_BASE_URL"] + "rate-limited"

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(LIMITED_PREFIXES):
            return self.wsgi_app(environ, start_response)
        limit, key = self._limit_and_key(environ)
        if time.monotonic() < self._storage_down_until:
            return self.wsgi_app(environ, start_response)
        try:
            allowed, reset_at, remaining = self.windows.hit(limit, key)
        except Exception as exc:  # noqa: BLE001 - any storage failure: answer unlimited
            self._storage_down_until = time.monotonic() + STORAGE_RETRY_SECONDS
            log.warning("rate limit storage unavailable (%s); not limiting for %d s",
                        type(exc).__name__, STORAGE_RETRY_SECONDS)
            return self.wsgi_app(environ, start_response)
        seconds = max(1, math.ceil(reset_at - time.time()))
        headers = [("RateLimit-Limit", str(limit.amount)),
                   ("RateLimit-Remaining", str(max(0, remaining))),
                   ("RateLimit-Reset", str(seconds))]
        if not allowed:
            return self._refuse(environ, start_response, headers, seconds)

        def with_headers(status, response_headers, exc_info=None):
            return start_response(status, response_headers + headers, exc_info)
        return self.wsgi_app(environ, with_headers)

    def _limit_and_key(self, environ):
        token = environ.get("HTTP_AUTHORIZATION")
        if not token:
            address = environ.get("REMOTE_ADDR") or "unknown"
            return self._address_limit(address), "address:" + address
        key = "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
        if not (self.by_role or self.by_token):
            return self.per_token, key
        actor = self.actor_of(token)
        if actor is None:
            return self.per_token, key
        if actor.client_id:
            name = IAM_CLIENT_PREFIX + actor.client_id
            return (self.by_token.get(name) or self.by_role.get(actor.role)
                    or self.per_token), "client:" + name
        return (self.by_token.get(actor.token_code) or self.by_role.get(actor.role)
                or self.per_token), key

    def _address_limit(self, address):
        """A caller's address within a RATE_LIMIT_BY_ADDRESS network (the Intermediäre
        Plattform's, say) has that network's limit."""
        if not self.by_network:
            return self.per_address
        limit = self._address_limits.get(address)
        if limit is None:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                ip = None
            limit = next((lim for net, lim in self.by_network.items()
                          if ip is not None and ip.version == net.version and ip in net),
                         self.per_address)
            if len(self._address_limits) < 100_000:
                self._address_limits[address] = limit
        return limit

    def _refuse(self, environ, start_response, headers, seconds):
        request_id = new_request_id()
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        body = json.dumps({
            "type": self.problem_type, "title": "Too many requests", "status": 429,
            "detail": f"rate limit exceeded; try again in {seconds} s",
            "instance": f"{path}?{query}" if query else path,
            "request_id": request_id}).encode()
        start_response("429 TOO MANY REQUESTS", [
            ("Content-Type", "application/problem+json"), ("Content-Length", str(len(body))),
            ("Retry-After", str(seconds)), (REQUEST_ID_HEADER, request_id), *headers])
        # One series for every refusal: paths named by callers would multiply the series.
        series_for(environ.get("REQUEST_METHOD", "GET"), "rate-limited", 429)[0].inc()
        return [body]
