"""Who is calling: bearer tokens -> the acting user, and the role checks on every endpoint.

Authorisation runs before any body or query validation, so a denied caller learns nothing
about the validity of what it sent.
"""
import functools
import threading
import time
from datetime import datetime, timezone

from flask import current_app, g

from ..db.pool import get_conn
from ..http.api import document_problems
from ..http.conventions import authorization_header
from ..http.errors import Forbidden, Unauthorized
from ..record import queries as record_queries
from ..record.freshness import catalogue_version
from ..record.replica import edge_version, read_conn, replica_behind
from . import queries
from .actor import ANONYMOUS_ACTOR, Actor
from .iam import looks_like_jwt
from .roles import ANONYMOUS
from .secrets import TOKEN_PREFIX, sha256


def current_actor():
    if "actor" not in g:
        g.actor = _authenticate(authorization_header())
    return g.actor


# The changes that can alter what a token acts as: a revoked token, a deactivated user, a
# suspended organisation. Any other change leaves the cache as it is.
CREDENTIAL_COLLECTIONS = frozenset({"tokens", "users", "organisations", "registrations"})
MAX_CHANGES_FOLLOWED = 5_000
# Changes there that alter no token already known: something new, a web sign-in.
HARMLESS_ACTIONS = frozenset({"token.create", "user.create", "user.sign-in",
                              "organisation.create", "registration.submit"})


def _may_alter_a_token(change):
    if change["collection"] not in CREDENTIAL_COLLECTIONS:
        return False
    if change["action"] == "user.iam-provision":
        return change["before"] is not None  # a first sign-in creates the user
    return change["action"] not in HARMLESS_ACTIONS


class _ActorCache:
    """Known tokens -> actors, at a catalogue version. When the version moves, the cache
    follows the change feed from its cursor and empties only if a change touched
    credentials (or it cannot tell: a gap in the feed, a flood of changes)."""

    def __init__(self, limit=10_000):
        self.version, self.entries, self.limit = None, {}, limit
        # Hashes of Authorization headers found unknown at this version (the edge's
        # negative cache: a revoked token is still a secret, so only its hash is kept).
        self.unknown = set()
        self.cursor = None
        self._lock = threading.Lock()

    def get(self, version, token_hash):
        if version != self.version:
            return None
        found = self.entries.get(token_hash)
        if found and found[1] > time.time():
            return found[0]
        return None

    def follow(self, connect, version):
        """Bring the cache to `version` (read through `connect()`, only when it is not)."""
        if version == self.version:
            return
        with self._lock:
            if version == self.version:
                return
            conn = connect()
            if self.cursor is None or not self._unaffected(conn):
                self.cursor = record_queries.feed_cursor(conn)
                self.entries = {}
            self.unknown = set()
            self.version = version

    def _unaffected(self, conn):
        position, audit_id = self.cursor
        if replica_behind(conn, position):
            return True
        if position and record_queries.audit_id_at(conn, position) != audit_id:
            return False
        changes = record_queries.changes_after(conn, position, MAX_CHANGES_FOLLOWED + 1)
        if len(changes) > MAX_CHANGES_FOLLOWED or any(map(_may_alter_a_token, changes)):
            return False
        if changes:
            self.cursor = (changes[-1]["position"], changes[-1]["id"])
        return True

    def known_unknown(self, version, header):
        return version == self.version and sha256(header) in self.unknown

    def mark_unknown(self, version, header):
        if version == self.version and len(self.unknown) < self.limit:
            self.unknown.add(sha256(header))

    def put(self, version, token_hash, actor, expires_at):
        if version == self.version and len(self.entries) < self.limit:
            self.entries[token_hash] = (actor, expires_at.timestamp())


_actors = _ActorCache()


def cached_actor(version, header):
    """The actor for an Authorization header if it is known at this catalogue version,
    ANONYMOUS_ACTOR without a header, else None (then the full check must run)."""
    if not header:
        return ANONYMOUS_ACTOR
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return _actors.get(version, sha256(token.strip()))


def edge_actor(app, header):
    """The actor of an Authorization header for the layers in front of Flask (the rate
    limit): from this process's cache, else checked once as the Flask path would (and cached
    for it). A token found unknown is remembered as such until the catalogue changes, so a
    flood of one bogus token costs one query. None for a malformed or unknown token, or when
    the check cannot run: the caller falls back to its default."""
    if not header:
        return ANONYMOUS_ACTOR
    try:
        version = edge_version(app)
        actor = cached_actor(version, header)
        if actor is not None or _actors.known_unknown(version, header):
            return actor
        with app.app_context():
            return _authenticate(header)
    except Unauthorized:
        _actors.mark_unknown(version, header)
        return None
    except Exception:  # noqa: BLE001 - no database: not known here
        return None


def _authenticate(header):
    """The actor of an Authorization header: an own token (rmt_...) or, where IAM_ISSUER is
    set, an IAM-B access token (a JWT, access/iam.py). Either is cached by its hash until it
    expires or a credential changes."""
    if not header:
        return ANONYMOUS_ACTOR
    scheme, _, token = header.partition(" ")
    token = token.strip()
    config, iam = current_app.config, current_app.extensions.get("regmap.iam")
    is_jwt = iam is not None and looks_like_jwt(token)
    if scheme.lower() != "bearer" or not (is_jwt or (
            token.startswith(TOKEN_PREFIX) and len(token) <= 200)):
        raise Unauthorized("expected 'Authorization: Bearer <token>'"
                           + (" with an IAM-B access token" if iam else ""))
    if not is_jwt and not config["OWN_TOKENS"]:
        raise Unauthorized("regmap's own tokens are switched off here: use an IAM-B access "
                           "token")
    token_hash = sha256(token)
    version = catalogue_version.current(read_conn, config["CACHE_POLL_SECONDS"],
                                        config["DATABASE_URL"], config["DATABASE_REPLICA_URL"])
    _actors.follow(read_conn, version)
    actor = _actors.get(version, token_hash)
    if actor is not None:
        return actor
    if not is_jwt and _actors.known_unknown(version, header):
        # Found unknown at this version in front of Flask: no second query (an IAM-B token
        # is checked again, for the reason its refusal gives).
        raise Unauthorized("the token is unknown, expired or revoked")
    if is_jwt:
        claims = iam.verify(token)
        actor = iam.actor(get_conn(), claims)
        expires_at = datetime.fromtimestamp(claims["exp"], timezone.utc)
    else:
        row = queries.actor_for_token(read_conn(), token_hash)
        if row is None:
            raise Unauthorized("the token is unknown, expired or revoked")
        actor, expires_at = _token_actor(row), row["expires_at"]
    _actors.put(version, token_hash, actor, expires_at)
    return actor


def _token_actor(row):
    return Actor(role=row["role"], user_id=row["user_id"], user_code=row["user_code"],
                 email=row["email"], organisation_id=row["organisation_id"],
                 organisation_code=row["organisation_code"], token_code=row["token_code"],
                 environment=row["environment"])


def requires(*roles):
    """Only these roles may call the endpoint: anonymous callers get 401, others 403.
    Checked before any validation; documents 401/403 and the bearer scheme in OpenAPI."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            ensure_role(*roles)
            return view(*args, **kwargs)
        wrapper = document_problems(wrapper, (401, 403))
        # Where anonymous callers are let in, the token is optional (it changes what is
        # shown): OpenAPI says so with the empty requirement.
        security = [{}, {"bearerAuth": []}] if ANONYMOUS in roles else [{"bearerAuth": []}]
        wrapper._apidoc["manual_doc"] = {**wrapper._apidoc.get("manual_doc", {}),
                                         "security": security}
        return wrapper
    return decorator


def ensure_role(*roles):
    actor = current_actor()
    if actor.role in roles:
        return actor
    if actor.role == ANONYMOUS:
        raise Unauthorized()
    raise Forbidden(f"the role {actor.role} may not do this")
