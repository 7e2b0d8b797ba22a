"""Domain errors and their one mapping to RFC 9457 application/problem+json.

Domain code raises these; only this module turns them (and Werkzeug's HTTP errors) into
responses. A 4xx says what was wrong and where; a 500 says nothing about internals.
"""
import logging

import psycopg
from flask import current_app, g, json, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"


class Problem(Exception):
    status = 500
    slug = None  # None: "about:blank", the status code says it all
    title = "Internal server error"

    def __init__(self, detail=None, *, errors=None, headers=None, **extensions):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extensions = extensions


def param_error(name, location, detail):
    """One entry of a problem's `errors` list: which input was wrong, and why."""
    return {"name": name, "in": location, "detail": detail}


class InvalidParameter(Problem):
    """Malformed path or query input (syntax): 400. Several names share one detail when
    the problem is their combination ("exactly one of ags, ars, plz")."""
    status, slug, title = 400, "validation-error", "Invalid request parameter"

    def __init__(self, name, location, detail, **kwargs):
        names = [name] if isinstance(name, str) else list(name)
        super().__init__(f"{location} parameter '{', '.join(names)}': {detail}",
                         errors=[param_error(n, location, detail) for n in names], **kwargs)


class ValidationFailed(Problem):
    """A well-formed body that fails validation: 422."""
    status, slug, title = 422, "validation-error", "Validation failed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"

    def __init__(self, what, key, **kwargs):
        super().__init__(f"no {what} '{key}'", **kwargs)




class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"



class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail="a valid bearer token is required", **kwargs):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="regmap"'},
                         **kwargs)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class PreconditionFailed(Problem):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(Problem):
    status, slug, title = 428, "precondition-required", "Precondition required"


class UnsupportedMediaType(Problem):
    status, title = 415, "Unsupported media type"


class RateLimited(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail, retry_after, **kwargs):
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **kwargs)


class ServiceUnavailable(Problem):
    status, title = 503, "Service unavailable"

    def __init__(self, detail, retry_after=5, **kwargs):
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **kwargs)


class NotModified(Exception):
    """Not an error: the client's cached copy (If-None-Match) is current."""

    def __init__(self, etag):
        super().__init__(etag)
        self.etag = etag


# Werkzeug's own errors (unknown route, wrong method, ...) keep their status; those with a
# problem type of ours get its slug.
_SLUG_BY_STATUS = {401: "unauthorized", 403: "forbidden", 404: "not-found",
                   412: "precondition-failed", 413: "payload-too-large",
                   428: "precondition-required", 429: "rate-limited"}


def _utf8_json(body):
    """UTF-8 like every other answer (umlauts as they are); escaped only where a detail
    echoes text UTF-8 cannot carry (a lone surrogate)."""
    text = json.dumps(body, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body).encode("ascii")


def problem_response(status, title, detail=None, slug=None, errors=None, headers=None,
                     extensions=None):
    base = current_app.config["PROBLEM_BASE_URL"]
    body = {
        "type": base + slug if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.full_path.rstrip("?") if request else None
    body["request_id"] = g.get("request_id")
    if errors:
        body["errors"] = errors
    body.update(extensions or {})
    response = current_app.response_class(_utf8_json(body), status=status,
                                          mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_problem(exc):
    if exc.status >= 500:
        log.error("%s: %s", exc.title, exc.detail)
    return problem_response(exc.status, exc.title, exc.detail, exc.slug, exc.errors,
                            exc.headers, exc.extensions)


def handle_not_modified(exc):
    response = current_app.response_class(status=304)
    response.set_etag(exc.etag)
    return response


def handle_http_exception(exc):
    """Werkzeug/webargs HTTP errors, including flask-smorest's argument validation."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if exc.code in (400, 422) and messages:
        return _validation_problem(exc.code, messages)
    if exc.code == 304:
        return current_app.response_class(status=304)
    headers = dict(data.get("headers") or {})
    if exc.code == 405:
        headers["Allow"] = ", ".join(exc.valid_methods or [])
    detail = exc.description if exc.code < 500 else None
    return problem_response(exc.code, exc.name, detail, _SLUG_BY_STATUS.get(exc.code),
                            headers=headers)


def _validation_problem(status, messages):
    """webargs reports {location: {field: [messages]}}; name each field and where it was.
    Query parsing is configured for 400 (syntax), bodies keep webargs' 422 (validation);
    a body that is not JSON at all is webargs' 400."""
    errors = []
    for location, fields in messages.items():
        where = {"json": "body", "querystring": "query", "view_args": "path"}.get(location,
                                                                              location)
        for name, detail in flatten_messages(fields):
            errors.append(param_error(name, where, detail))
    detail = "; ".join(f"{e['in']} '{e['name']}': {e['detail']}" for e in errors)
    title = "Invalid request parameter" if status == 400 else "Validation failed"
    return problem_response(status, title, detail, "validation-error", errors)


def flatten_messages(fields, prefix=""):
    if isinstance(fields, dict):
        for key, value in fields.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            yield from flatten_messages(value, name)
    elif isinstance(fields, list) and all(isinstance(m, str) for m in fields):
        yield prefix or "_schema", " ".join(fields)
    elif isinstance(fields, list):
        for index, value in enumerate(fields):
            yield from flatten_messages(value, f"{prefix}[{index}]")
    else:
        yield prefix or "_schema", str(fields)


# Constraint names users can hit, and what to tell them; each package registers its own
# (explain_constraints). Anything else gets a generic line: SQL messages never leave the
# service.
_CONSTRAINT_MESSAGES = {}


def explain_constraints(messages):
    """Register {constraint name: what to tell the user} for a package's constraints."""
    _CONSTRAINT_MESSAGES.update(messages)


def handle_integrity_error(exc):
    constraint = getattr(exc.diag, "constraint_name", None)
    detail = _CONSTRAINT_MESSAGES.get(constraint)
    log.info("integrity error on %s", constraint)
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return problem_response(409, "Conflict", detail or "conflicts with an existing object",
                                "conflict")
    return problem_response(422, "Validation failed",
                            detail or "the data breaks a rule of the catalogue",
                            "validation-error")


def handle_database_unavailable(exc):
    log.error("database unavailable: %s", type(exc).__name__)
    return problem_response(503, "Service unavailable", "the database is not reachable",
                            headers={"Retry-After": "5"})


def handle_unexpected(exc):
    log.exception("unhandled error")
    return problem_response(500, "Internal server error",
                            "an unexpected error occurred; quote the request_id when reporting it")


def init_app(app):
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(NotModified, handle_not_modified)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(psycopg.OperationalError, handle_database_unavailable)
    app.register_error_handler(psycopg.IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
