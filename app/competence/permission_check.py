"""The Vermittlungsstelle's abstract permission check (§ 7 Abs. 2 IDNrG): may this consumer,
for this service (purpose), receive this evidence type from this provider?"""
from ..http.errors import NotFound, param_error
from ..values.dates import berlin_today
from . import queries


def check(conn, args, environment):
    """The decision for `environment`'s permissions (a test permission allows nothing in
    production)."""
    day = args.get("at") or berlin_today()
    names = {"consumer": args["consumer"], "service": args["service"],
             "evidence_type": args["evidence_type"], "provider": args.get("provider")}
    found = queries.statuses(conn, **names)
    for field in ("consumer", "service", "evidence_type", "provider"):
        if names[field] is not None and found[field] is None:
            raise NotFound(field.replace("_", " "), names[field],
                           errors=[param_error(field, "query", "unknown code")])
    base = {"at": day, "environment": environment, "permission": None, "legal_basis": None,
            "provider": None, "may_use_identification_number": False}
    if found["consumer"] != "active":
        return {**base, "allowed": False,
                "reason": f"the consumer organisation is {found['consumer']}"}
    permissions = queries.matching_permissions(conn, day=day, environment=environment,
                                               **names)
    if not permissions:
        return {**base, "allowed": False, "reason": (
            "no active permission for this consumer, service and evidence type"
            + (f" from {names['provider']} or any provider" if names["provider"]
               else " from any provider") + f" on {day} in {environment}")}
    deciding = permissions[0]
    return {"allowed": True, "at": day, "environment": environment,
            "permission": deciding["code"],
            "legal_basis": deciding["legal_basis"], "provider": deciding["provider"],
            "may_use_identification_number": deciding["may_use_identification_number"],
            "reason": f"permission {deciding['code']}"}
