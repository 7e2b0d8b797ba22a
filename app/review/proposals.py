"""Proposals and their review, for every reviewed kind of object.

An organisation proposes (a new object, an edit, a retirement); the proposal waits, the
object's active state stays what routing sees; a data manager approves or rejects it.
Nobody decides on what they proposed themselves (four-eyes). At most one proposal per object
is pending: a newer one supersedes the older.

`kind` names the reviewed collection ("offers", "permissions", ...); the object is known by
its internal id. Callers run these inside their write transaction.
"""
from ..access.policy import redact
from ..http.errors import Conflict, Forbidden, PreconditionFailed
from . import queries

CREATE, UPDATE, RETIRE = "create", "update", "retire"
# The reviewed kinds: catalogue objects organisations propose, and self-service
# registrations of authorities.
CATALOGUE_KINDS = ("offers", "permissions")
REGISTRATIONS = "registrations"
# Data managers' curations of the postcode table, reviewed by a second data manager.
POSTCODES = "postcodes"


def propose(conn, actor, kind, object_id, change, *, payload=None, base_version=None):
    """Record what `actor` proposes for the object (superseding its pending proposal)."""
    previous = queries.pending_proposal(conn, kind, object_id, for_update=True)
    if previous:
        queries.decide_proposal(conn, previous["id"], "superseded", decided_by=actor.user_id)
    queries.insert_proposal(conn, collection=kind, object_id=object_id, kind=change,
                            payload=payload, base_version=base_version,
                            proposed_by=actor.user_id)


def take_for_review(conn, actor, kind, row, label, seen):
    """The pending proposal, locked for the decision; 409 if none, 403 for its author, 412
    unless `seen` - (object version, proposal id) from the reviewer's If-Match - is still
    what awaits review: an object or proposal changed after it was looked at is reviewed
    again, never approved unseen. `seen=None` only where the object cannot change while it
    awaits review (registrations)."""
    proposal = queries.pending_proposal(conn, kind, row["id"], for_update=True)
    if proposal is None:
        raise Conflict(f"nothing of {label} awaits review")
    if proposal["proposed_by"] == actor.user_id:
        raise Forbidden("four-eyes: you cannot review what you proposed")
    if seen is not None and seen != (row["version"], proposal["id"]):
        raise PreconditionFailed(
            f"{label} or what awaits review changed since you looked at it; GET it again and "
            "review what is there now", current_version=row["version"])
    return proposal


def pending_id(conn, kind, object_id):
    """The id of the object's pending proposal, or None (it is part of the object's ETag)."""
    proposal = queries.pending_proposals(conn, kind, [object_id]).get(object_id)
    return proposal["id"] if proposal else None


def decide(conn, actor, proposal, *, approve, reason=None):
    queries.decide_proposal(conn, proposal["id"], "approved" if approve else "rejected",
                            decided_by=actor.user_id, reason=reason)


def close(conn, actor, kind, object_id):
    """The object left review (withdrawn by its owner, retired by a data manager): its
    pending proposal, if any, is withdrawn, so nobody can approve it into force later."""
    pending = queries.pending_proposal(conn, kind, object_id, for_update=True)
    if pending:
        queries.decide_proposal(conn, pending["id"], "withdrawn", decided_by=actor.user_id)


def pending_by_object(conn, kind, object_ids):
    """{object id: pending proposal} for the objects that have one (lists)."""
    return queries.pending_proposals(conn, kind, object_ids) if object_ids else {}


def pending_document(proposal, actor, owner_id):
    """What awaits review, as `actor` may see it (connection parameters by the one policy)."""
    return {"kind": proposal["kind"], "proposed_at": proposal["proposed_at"],
            "proposed_by": proposal["proposed_by_email"],
            "changes": redact(proposal["payload"], actor, owner_id)}


def queue(conn, *, kinds=CATALOGUE_KINDS + (POSTCODES,), limit, offset):
    """What awaits a decision among `kinds`, oldest first."""
    return queries.list_pending_proposals(conn, kinds=kinds, limit=limit, offset=offset)
