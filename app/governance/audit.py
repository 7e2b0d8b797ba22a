"""The audit trail: every change is recorded in the transaction that makes it, and published
to the change feed just before that transaction commits."""
from contextlib import contextmanager

from flask import g, has_request_context

from ..freshness import catalogue_version
from . import queries


def record(conn, actor, action, collection, code, *, version=None, before=None, after=None,
           reason=None):
    """Append one audit entry. `before`/`after` are full documents (never secrets)."""
    queries.insert_audit(
        conn, actor_user_id=actor.user_id, actor=actor.label, action=action,
        collection=collection, object_code=code, object_version=version,
        before=before, after=after, reason=reason,
        request_id=g.get("request_id") if has_request_context() else None)


def record_created(conn, actor, what, collection, documents):
    """One '<what>.create' entry per new document, in bulk (seeding)."""
    queries.insert_audit_many(conn, [
        {"actor_user_id": actor.user_id, "actor": actor.label, "action": f"{what}.create",
         "collection": collection, "object_code": d["code"], "object_version": d["version"],
         "after": d} for d in documents])


@contextmanager
def write_transaction(conn):
    """A transaction whose audit entries reach the change feed in commit order; once it is
    done, this process's caches are stale (it answers its own writes at once)."""
    with conn.transaction():
        yield
        queries.publish_changes(conn)
    catalogue_version.mark_changed()
