"""The audit trail: every change is recorded in the transaction that makes it, and published
to the change feed just before that transaction commits."""
from contextlib import contextmanager

from flask import g, has_request_context

from . import queries
from .freshness import catalogue_version


def record(conn, actor, action, collection, code, *, version=None, before=None, after=None,
           reason=None):
    """Append one audit entry. `before`/`after` are full documents (never secrets).
    `actor` is anything with `user_id` and `label` (access.actor.Actor)."""
    queries.insert_audit(
        conn, actor_user_id=actor.user_id, actor=actor.label, action=action,
        collection=collection, object_code=code, object_version=version,
        before=before, after=after, reason=reason,
        request_id=g.get("request_id") if has_request_context() else None)


def record_many(conn, actor, action, collection, documents, *, before=None, reason=None):
    """One `action` entry per document, in one statement (bulk writes). `before`, when
    given, maps codes to the documents as they were."""
    request_id = g.get("request_id") if has_request_context() else None
    queries.insert_audit_many(conn, [
        {"actor_user_id": actor.user_id, "actor": actor.label, "action": action,
         "collection": collection, "object_code": d["code"], "object_version": d["version"],
         "before": (before or {}).get(d["code"]), "after": d, "reason": reason,
         "request_id": request_id}
        for d in documents])


@contextmanager
def write_transaction(conn):
    """A transaction whose audit entries reach the change feed in commit order; once it is
    done, this process's caches are stale (it answers its own writes at once).

    Re-entrant: a write verb called inside another one's transaction (a registration creates
    its organisation through the organisations collection) joins it, so the unit of work
    commits, and publishes its changes, exactly once, at the outermost level."""
    if getattr(conn, "regmap_in_write", False):
        yield
        return
    conn.regmap_in_write = True
    try:
        with conn.transaction():
            yield
            position = queries.publish_changes(conn)
    finally:
        conn.regmap_in_write = False
    catalogue_version.mark_changed(position)
