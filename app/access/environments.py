"""The environments an offer or permission belongs to: an authority connects in
`reference`, then `test`, then `production`. Competence, batch, snapshot, permission check
and coverage answer for one environment, `production` unless asked, with no fallback from
one to another (docs/api-conventions.md, "Filters before resolution"); the public exports
are production's. A token bound to an environment sees only that one, in answers and in the
lists of offers and permissions."""
from ..http.errors import Forbidden, InvalidParameter

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


def list_filter(raw, bound):
    """The environment a catalogue list is filtered by: None (all) unless asked for or the
    token is bound (then as `chosen`)."""
    return chosen(raw, bound) if raw is not None or bound is not None else None


def visible_to(actor, environment):
    """Whether a token's binding lets it see an object of `environment`."""
    return actor.environment is None or actor.environment == environment
