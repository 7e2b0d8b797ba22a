"""Audit entries as documents: the history of one object, the audit log, the change feed.

These are the full documents; what a reader may see of them is decided by
access.policy (connection parameters, payloads), never here.
"""


def changed_fields(before, after):
    if not isinstance(before, dict) or not isinstance(after, dict):
        return sorted((after or before or {}).keys()) if (after or before) else []
    ignore = {"version", "updated_at"}
    return sorted(k for k in set(before) | set(after)
                  if k not in ignore and before.get(k) != after.get(k))


def entry_document(row):
    return {
        "id": row["id"], "at": row["at"], "actor": row["actor"], "action": row["action"],
        "collection": row["collection"], "object": row["object_code"],
        "version": row["object_version"], "reason": row["reason"],
        "request_id": row["request_id"],
        "changed_fields": changed_fields(row["before"], row["after"]),
        "before": row["before"], "after": row["after"],
    }


def change_document(row):
    """A change-feed entry: position, ids, type and version; `payload` is the object as it
    is after the change."""
    return {"position": row["position"], "at": row["at"], "collection": row["collection"],
            "object": row["object_code"], "action": row["action"],
            "version": row["object_version"], "payload": row["after"]}
