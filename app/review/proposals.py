"""Proposals and their review, for every reviewed kind of object.

An organisation proposes (a new object, an edit, a retirement); the proposal waits, the
object's active state stays what routing sees; a data manager approves or rejects it.
Nobody decides on what they proposed themselves (four-eyes). At most one proposal per object
is pending: a newer one supersedes the older.

`kind` names the reviewed collection ("offers", "permissions", ...); the object is known by
its internal id. Callers run these inside their write transaction.
"""
from ..errors import Conflict, Forbidden
from . import queries

CREATE, UPDATE, RETIRE = "create", "update", "retire"
# The reviewed kinds: catalogue objects organisations propose, and self-service
# registrations of authorities.
CATALOGUE_KINDS = ("offers", "permissions")
REGISTRATIONS = "registrations"


def propose(conn, actor, kind, object_id, change, *, payload=None, base_version=None):
    """Record what `actor` proposes for the object (superseding its pending proposal)."""
    previous = queries.pending_proposal(conn, kind, object_id, for_update=True)
    if previous:
        queries.decide_proposal(conn, previous["id"], "superseded", decided_by=actor.user_id)
    queries.insert_proposal(conn, collection=kind, object_id=object_id, kind=change,
                            payload=payload, base_version=base_version,
                            proposed_by=actor.user_id)


def take_for_review(conn, actor, kind, object_id, label):
    """The pending proposal, locked for the decision; 409 if none, 403 for its author."""
    proposal = queries.pending_proposal(conn, kind, object_id, for_update=True)
    if proposal is None:
        raise Conflict(f"nothing of {label} awaits review")
    if proposal["proposed_by"] == actor.user_id:
        raise Forbidden("four-eyes: you cannot review what you proposed")
    return proposal


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


def pending_document(proposal):
    return {"kind": proposal["kind"], "proposed_at": proposal["proposed_at"],
            "proposed_by": proposal["proposed_by_email"], "changes": proposal["payload"]}


def queue(conn, *, kinds=CATALOGUE_KINDS, limit, offset):
    """What awaits a decision among `kinds`, oldest first."""
    return queries.list_pending_proposals(conn, kinds=kinds, limit=limit, offset=offset)
