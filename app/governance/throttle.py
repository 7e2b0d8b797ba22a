"""Rate limits on the doors anyone can knock on, counted in the database so that every
worker and instance shares them (a limit per process would multiply by the processes).

- Failed sign-ins: per e-mail address *and* client address (MAX_FAILURES in WINDOW), so a
  stranger cannot lock someone out from elsewhere; and per e-mail address from all clients
  (MAX_FAILURES_PER_ADDRESS), which bounds guessing spread over many clients.
- Registrations: per client address (MAX_REGISTRATIONS in REGISTRATION_WINDOW).

Behind a reverse proxy the client address is the one it forwards (TRUSTED_PROXY_HOPS).
"""
from datetime import timedelta

from . import queries

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 50
WINDOW = timedelta(minutes=15)
MAX_REGISTRATIONS = 10
REGISTRATION_WINDOW = timedelta(hours=1)
SIGN_IN, REGISTRATION = "sign-in", "registration"


def _wait(conn, kind, key, limit, window):
    """Seconds until `key` is below `limit` again, or 0."""
    count, oldest_age = queries.rate_events(conn, kind, key, window)
    if count < limit:
        return 0
    return max(1, int((window.total_seconds() - oldest_age) + 1))


def sign_in_wait(conn, email, client):
    return max(_wait(conn, SIGN_IN, f"{email}|{client}", MAX_FAILURES, WINDOW),
               _wait(conn, SIGN_IN, f"{email}|*", MAX_FAILURES_PER_ADDRESS, WINDOW))


def sign_in_failed(conn, email, client):
    queries.record_rate_events(conn, SIGN_IN, [f"{email}|{client}", f"{email}|*"], WINDOW)


def sign_in_succeeded(conn, email, client):
    queries.clear_rate_events(conn, SIGN_IN, f"{email}|{client}")


def registration_wait(conn, client):
    return _wait(conn, REGISTRATION, client, MAX_REGISTRATIONS, REGISTRATION_WINDOW)


def registered(conn, client):
    queries.record_rate_events(conn, REGISTRATION, [client], REGISTRATION_WINDOW)
