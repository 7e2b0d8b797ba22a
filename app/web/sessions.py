"""Browser sign-in: a session cookie for the web pages, and CSRF tokens for their forms.

The cookie holds a random id; the database keeps only its SHA-256 (like API tokens), with
the session's CSRF token. Visitors who are not signed in get a CSRF cookie of their own
(double submit), so the registration and sign-in forms are protected too. API endpoints
never read these cookies: they take bearer tokens only, so a cookie cannot be replayed
against the JSON API from another site.
"""
import hmac
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app, g, request

from ..access.actor import ANONYMOUS_ACTOR, Actor
from ..access.iam import subject_label
from ..access.secrets import sha256
from ..db.pool import get_conn
from ..governance import queries
from ..http.errors import InvalidParameter
from ..record import audit

SESSION_COOKIE = "regmap_session"
CSRF_COOKIE = "regmap_csrf"
CSRF_FIELD = "csrf_token"
SESSION_HOURS = 12
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Everything the pages use comes from this origin; no framing, no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY"}


class CsrfRejected(Exception):
    """A form came back without the token this browser was given."""


def load_visitor():
    """before_request of the web pages: the signed-in user (or anonymous) becomes the actor
    every domain function sees, then the CSRF check of anything that writes."""
    g.web_user = None
    if request.endpoint == "web.static":
        return
    _refuse_nul()
    raw = request.cookies.get(SESSION_COOKIE, "")
    if raw and len(raw) <= 100:
        row = queries.session_actor(get_conn(), sha256(raw))
        if row is not None:
            g.web_user = row
            g.actor = Actor(role=row["role"], user_id=row["user_id"],
                            user_code=row["user_code"], email=row["email"],
                            organisation_id=row["organisation_id"],
                            organisation_code=row["organisation_code"],
                            subject=row["iam_subject"] and subject_label(
                                {"iss": row["iam_issuer"], "sub": row["iam_subject"]}))
    if g.web_user is None:
        g.actor = ANONYMOUS_ACTOR
    if request.method not in _SAFE_METHODS:
        _check_csrf()


def _refuse_nul():
    """NUL cannot reach PostgreSQL text: a 400 page instead of a failing query."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise InvalidParameter(name.replace("\x00", ""), "form",
                                       "must not contain NUL characters")


def csrf_token():
    """The token this browser's forms carry (templates call it)."""
    if g.get("web_user"):
        return g.web_user["csrf_token"]
    token = g.get("new_csrf_cookie") or request.cookies.get(CSRF_COOKIE, "")
    if not 30 <= len(token) <= 100:
        token = g.new_csrf_cookie = secrets.token_urlsafe(32)
    return token


def _check_csrf():
    sent = request.form.get(CSRF_FIELD, "")
    expected = g.web_user["csrf_token"] if g.web_user else request.cookies.get(CSRF_COOKIE, "")
    # compare_digest takes ASCII str only: compare bytes, so odd input is a 403, not a 500.
    if not (sent and expected and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfRejected()


def cookie_options(**overrides):
    """Every cookie of the pages: HttpOnly, Secure unless configured off, Lax by default."""
    return {"httponly": True, "samesite": "Lax",
            "secure": current_app.config["WEB_COOKIE_SECURE"], "path": "/", **overrides}


def set_cookies(response):
    """after_request of the web pages."""
    if g.get("new_csrf_cookie"):
        response.set_cookie(CSRF_COOKIE, g.new_csrf_cookie, **cookie_options())
    if g.get("start_session"):
        response.set_cookie(SESSION_COOKIE, g.start_session, max_age=SESSION_HOURS * 3600,
                            **cookie_options())
    if g.get("end_session"):
        response.delete_cookie(SESSION_COOKIE, **cookie_options())
    if request.endpoint != "web.static":
        # Pages may show secrets once (tokens, claim secrets) and personal data: never cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers.update(SECURITY_HEADERS)
        if (g.get("web_user") or {}).get("iam_subject") and current_app.config["IAM_ISSUER"]:
            # Signed in through IAM-B: the sign-out form's redirect goes on to the provider's
            # end-session endpoint, and browsers hold a form's redirects to form-action.
            issuer = urlsplit(current_app.config["IAM_ISSUER"])
            response.headers["Content-Security-Policy"] = SECURITY_HEADERS[
                "Content-Security-Policy"].replace(
                    "form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}")
    return response


def start(actor):
    """Sign `actor` in: a new session id (never reused from before the sign-in) and a new
    CSRF token."""
    conn = get_conn()
    previous = request.cookies.get(SESSION_COOKIE, "")
    raw = secrets.token_urlsafe(32)
    expires = datetime.now(timezone.utc) + timedelta(hours=SESSION_HOURS)
    with audit.write_transaction(conn):
        queries.delete_expired_sessions(conn)
        if previous and len(previous) <= 100:
            queries.delete_session(conn, sha256(previous))  # never two live sessions per sign-in
        queries.insert_session(conn, session_hash=sha256(raw), user_id=actor.user_id,
                               csrf_token=secrets.token_urlsafe(32), expires_at=expires)
        audit.record(conn, actor, "user.sign-in", "users", actor.user_code)
    g.start_session = raw


def end():
    raw = request.cookies.get(SESSION_COOKIE, "")
    if raw and g.get("web_user"):
        conn = get_conn()
        with audit.write_transaction(conn):
            queries.delete_session(conn, sha256(raw))
            audit.record(conn, g.actor, "user.sign-out", "users", g.actor.user_code)
    g.end_session = True
