"""Which connection a read reads through, when a streaming replica is configured.

Reads of a read-only request (GET, HEAD, OPTIONS) go to the replica; writes, sign-in and every
read of a writing request go to the primary (db.get_conn). A process never answers from a
replica older than its own last write: freshness.CatalogueVersion compares the replica's
change-feed position with the position of this process's last commit, and while the replica
lags behind it, reads go to the primary. A replica that does not answer is skipped the same
way, so reads keep working; with the primary down, reads keep answering from the replica.
"""
import logging

from flask import current_app, g

from ..db.pool import get_conn, replica_conn
from ..http.conventions import read_only_request
from ..http.errors import ServiceUnavailable
from . import queries
from .freshness import catalogue_version

log = logging.getLogger(__name__)

def read_conn():
    """The connection this request reads through: the replica where the rule above allows
    it, else the primary. Decided once per request."""
    if "db_read_conn" not in g:
        g.db_read_conn = _replica_if_current() or get_conn()
    return g.db_read_conn


def _replica_if_current():
    if current_app.extensions["regmap.replica_pool"] is None or \
            not read_only_request() or "db_conn" in g:
        return None
    try:
        conn = replica_conn()
    except ServiceUnavailable:
        log.warning("the replica does not answer; reading from the primary")
        return None
    if not catalogue_version.replica_has_own_writes(
            lambda: conn, current_app.config["CACHE_POLL_SECONDS"]):
        return None
    return conn


def replica_behind(conn, position):
    """Whether `conn` is a replica that has not replayed feed position `position` yet. A cache
    that read up to there from the primary (its own write) then finds nothing new on it, and
    no gap in the feed."""
    return getattr(conn, "regmap_replica", False) and \
        (queries.feed_cursor(conn)[0] or 0) < (position or 0)


def edge_version(app):
    """The catalogue version for the layers in front of Flask (no request context): the
    follower's value, or with CACHE_POLL_SECONDS <= 0 (tests) a read as the Flask path does."""
    config = app.config
    if config["CACHE_POLL_SECONDS"] > 0:
        return catalogue_version.current(None, config["CACHE_POLL_SECONDS"],
                                         config["DATABASE_URL"], config["DATABASE_REPLICA_URL"])
    with app.app_context():
        return catalogue_version.current(read_conn, 0, config["DATABASE_URL"])
