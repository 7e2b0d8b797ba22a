"""The environments an offer or permission belongs to (issue 16): an authority connects in
`reference`, then `test`, then `production`. Competence, batch, snapshot, permission check,
coverage and exports answer for one environment, `production` unless asked, with no fallback
from one to another (API.md, "Filters before resolution"); a token bound to an environment
sees only that one."""
from .errors import Forbidden, InvalidParameter

ENVIRONMENTS = ("reference", "test", "production")
PRODUCTION = "production"
DESCRIPTION = ("reference, test or production (default: production, or the environment the "
               "token is bound to); filtered before resolution, no fallback to another")


def chosen(raw, bound, name="environment", location="query"):
    """The environment a request asks about: `raw` as given (None: not given), checked
    against the caller's token binding `bound` (None: any) - 403 for another one."""
    if raw is None:
        return bound or PRODUCTION
    if raw not in ENVIRONMENTS:
        raise InvalidParameter(name, location, "one of " + ", ".join(ENVIRONMENTS))
    if bound is not None and raw != bound:
        raise Forbidden(f"this token is bound to the {bound} environment",
                        errors=[{"name": name, "in": location,
                                 "detail": f"this token sees {bound} only"}])
    return raw
