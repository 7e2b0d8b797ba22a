"""The Vermittlungsstelle's abstract permission check (§ 7 Abs. 2 IDNrG): may this consumer,
for this service (purpose), receive this evidence type from this provider?

One decision and one rendering for both entrances (the WSGI fast path and the Flask view),
both from the in-process permission index (permission_index.py)."""
import json
from datetime import datetime, timezone

from ..http.errors import NotFound, param_error
from ..values.dates import berlin_today

JSON = "application/json"
NAMED = ("consumer", "service", "evidence_type", "provider")
_COLLECTION_OF = {"consumer": "organisations", "provider": "organisations",
                  "service": "services", "evidence_type": "evidence-types"}


def check(index, args, environment):
    """The decision for `environment`'s permissions (a test permission allows nothing in
    production). An unknown code is a 404 naming the parameter."""
    day = args.get("at") or berlin_today()
    names = {field: args.get(field) for field in NAMED}
    found = {field: index.status(_COLLECTION_OF[field], code) if code is not None else None
             for field, code in names.items()}
    for field in NAMED:
        if names[field] is not None and found[field] is None:
            raise NotFound(field.replace("_", " "), names[field],
                           errors=[param_error(field, "query", "unknown code")])
    base = {"allowed": False, "environment": environment,
            "may_use_identification_number": False, "permission": None,
            "legal_basis": None, "provider": None, "at": day}
    if found["consumer"] != "active":
        return {**base, "reason": f"the consumer organisation is {found['consumer']}"}
    permissions = index.matching(day=day, environment=environment, **names)
    if not permissions:
        return {**base, "reason": (
            "no active permission for this consumer, service and evidence type"
            + (f" from {names['provider']} or any provider" if names["provider"]
               else " from any provider") + f" on {day} in {environment}")}
    deciding = permissions[0]
    return {"allowed": True, "environment": environment,
            "may_use_identification_number": deciding.may_use_identification_number,
            "permission": deciding.code, "legal_basis": deciding.legal_basis,
            "provider": deciding.provider, "at": day,
            "reason": f"permission {deciding.code}"}


def rendered(decision):
    """(headers, body) of a decision: the same bytes from either entrance."""
    body = json.dumps({**decision, "at": decision["at"].isoformat()}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    return {"Content-Type": JSON, "Content-Length": str(len(body)),
            "Cache-Control": "no-store"}, body


def log_entry(actor, args, decision, request_id):
    """What the check log keeps of one answered check (check_log.py writes it)."""
    return {
        "checked_at": datetime.now(timezone.utc), "token": actor.token_code,
        "asked_by": actor.label, "request_id": request_id,
        "environment": decision["environment"],
        "consumer": args["consumer"], "service": args["service"],
        "evidence_type": args["evidence_type"], "provider": args.get("provider"),
        "at": decision["at"], "allowed": decision["allowed"],
        "permission": decision["permission"], "reason": decision["reason"]}
