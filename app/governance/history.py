"""Audit entries as readers see them: history of one object, the audit log, the change feed.

Restricted fields stay restricted here too: connection parameters are shown only to the roles
that may see them on the offer itself; others see a fingerprint, so a change is still visible.
"""
import hashlib
import json

from .roles import ADMIN, DATA_MANAGER, ROUTING

_SEES_CONNECTION_PARAMETERS = (ROUTING, DATA_MANAGER, ADMIN)


def _fingerprint(value):
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode())
    return {"sha256": digest.hexdigest()[:16]}


def redact(document, actor):
    if not isinstance(document, dict):
        return document
    if "connection_parameters" in document and actor.role not in _SEES_CONNECTION_PARAMETERS:
        return {**document, "connection_parameters": _fingerprint(
            document["connection_parameters"])}
    return document


def changed_fields(before, after):
    if not isinstance(before, dict) or not isinstance(after, dict):
        return sorted((after or before or {}).keys()) if (after or before) else []
    ignore = {"version", "updated_at"}
    return sorted(k for k in set(before) | set(after)
                  if k not in ignore and before.get(k) != after.get(k))


def entry_document(row, actor):
    return {
        "id": row["id"], "at": row["at"], "actor": row["actor"], "action": row["action"],
        "collection": row["collection"], "object": row["object_code"],
        "version": row["object_version"], "reason": row["reason"],
        "request_id": row["request_id"],
        "changed_fields": changed_fields(row["before"], row["after"]),
        "before": redact(row["before"], actor), "after": redact(row["after"], actor),
    }


# Collections whose payloads the routing service may read in the change feed.
_ROUTING_READS = ("organisations", "registers", "evidence-types", "services", "offers",
                  "permissions")


def change_document(row, actor):
    """A change-feed entry: ids, types and versions for everyone allowed; the payload only
    for roles that may read the object."""
    document = {"position": row["position"], "at": row["at"], "collection": row["collection"],
                "object": row["object_code"], "action": row["action"],
                "version": row["object_version"], "payload": None}
    if actor.role in (DATA_MANAGER, ADMIN):
        document["payload"] = row["after"]
    elif actor.role == ROUTING and row["collection"] in _ROUTING_READS \
            and isinstance(row["after"], dict):
        document["payload"] = {k: v for k, v in row["after"].items() if k != "contact"}
    elif actor.role not in (ROUTING,):
        document["payload"] = redact(row["after"], actor)
    return document
