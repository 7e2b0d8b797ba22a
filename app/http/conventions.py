"""HTTP conventions shared by every capability: paging, Link headers, ETags, If-Match.

The domain never reads the request: routes call `expected_version()` and hand the version
number to the domain's write verbs."""
import csv
import hashlib
import io
import json
import re
from urllib.parse import urlencode

from flask import current_app, g, request

from .errors import (
    InvalidParameter,
    NotModified,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
)

# "v3": version 3; "v3.p17": version 3 with proposal 17 awaiting review (reviewed objects).
_VERSION_ETAG = re.compile(r'^v([0-9]{1,9})(?:\.p([0-9]{1,12}))?$')


def page_window(args):
    """LIMIT/OFFSET for the parsed `page` and `page_size`."""
    return {"limit": args["page_size"], "offset": (args["page"] - 1) * args["page_size"]}


def page_of(items, total, args):
    """The list envelope, and Link headers for the neighbouring pages."""
    page, size = args["page"], args["page_size"]
    links = []
    if page * size < total:
        links.append(f'<{_url_with_page(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{_url_with_page(page - 1)}>; rel="prev"')
    if links:
        g.response_headers = {**g.get("response_headers", {}), "Link": ", ".join(links)}
    return {"items": items, "total": total, "page": page, "page_size": size}


def _url_with_page(page):
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    params.append(("page", str(page)))
    return f"{request.path}?{urlencode(params)}"


def etag_of(*parts):
    """A strong ETag over versions (or any JSON-able data identifying the representation)."""
    digest = hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:32]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value for a CSV answer: a text a spreadsheet would run as a formula (OWASP: it
    starts with = + - @ tab or CR) gets a leading apostrophe; None is empty; booleans are
    written as the JSON answers write them (true, false)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(header, rows):
    """A small CSV answer as text: the header, then each row's cells through csv_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def wants_csv():
    """Whether the request's Accept prefers CSV to JSON (reports answer either)."""
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) \
        == "text/csv"


def read_only_request():
    """Whether this request only reads (a safe method, RFC 9110 9.2.1)."""
    return request.method in SAFE_METHODS


def authorization_header():
    """The request's Authorization header (access.auth turns it into an actor)."""
    return request.headers.get("Authorization")


def version_etag(version, proposal_id=None):
    """ETags name the version: a write bumps it, so two writes never share one. An object
    awaiting review names its pending proposal too: a new proposal changes what a reviewer
    decides on without changing the object."""
    return f"v{version}" if proposal_id is None else f"v{version}.p{proposal_id}"


def expected_version():
    """The version the caller's If-Match names: missing -> 428, unreadable -> 412,
    `*` -> None (any version)."""
    if not request.if_match:
        raise PreconditionRequired("send If-Match with the ETag of the version you change")
    if request.if_match.star_tag:
        return None
    for tag in request.if_match:
        match = _VERSION_ETAG.match(tag)
        if match:
            return int(match.group(1))
    raise PreconditionFailed("If-Match names no version of this object; GET it again")


def reviewed_version():
    """(version, pending proposal id) from the If-Match of a review decision: the ETag of what
    the reviewer looked at. Missing or `*` -> 428 (a decision is never on whatever is there
    now), unreadable -> 412."""
    if not request.if_match or request.if_match.star_tag:
        raise PreconditionRequired("send If-Match with the ETag of the version you reviewed")
    for tag in request.if_match:
        seen = parse_version_etag(tag)
        if seen:
            return seen
    raise PreconditionFailed("If-Match names no version of this object; GET it again")


def parse_version_etag(tag):
    """(version, proposal id or None) of an ETag's value, or None when it names neither (the
    web review form sends the ETag it was rendered with)."""
    match = _VERSION_ETAG.match(tag or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def etag_of_page(page):
    """A list's ETag: the codes and versions it holds, and how many there are in all."""
    return etag_of([(item["code"], item["version"]) for item in page["items"]], page["total"],
                   page["page"], page["page_size"])


def conditional(etag):
    """Set the response's ETag; answer 304 when the client's If-None-Match already has it."""
    g.etag = etag
    if request.method in ("GET", "HEAD") and etag in request.if_none_match:
        raise NotModified(etag)


def reject_nul_in_path():
    """before_request: NUL cannot reach PostgreSQL text; answer 400 instead of failing."""
    if "\x00" in request.path:
        raise InvalidParameter("path", "path", "must not contain NUL characters")


def apply_response_headers(response):
    """after_request: headers that handlers asked for (ETag, Link)."""
    context = g._get_current_object()
    etag = getattr(context, "etag", None)
    if etag and response.status_code < 300:
        response.set_etag(etag)
    for name, value in getattr(context, "response_headers", {}).items():
        response.headers[name] = value
    return response


def reject_undeclared_query():
    """An API operation that declares no query parameters refuses any (400 naming them), as
    the operations with query schemas do: `GET /offers/x?foo=1` is not silently the item."""
    if not request.args or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    operation = getattr(view_class, request.method.lower(), None) if view_class else view
    apidoc = getattr(operation, "_apidoc", None)
    if apidoc is None:
        return  # not an API operation (web pages, documents, metrics)
    declared = apidoc.get("arguments", {}).get("parameters", []) + \
        apidoc.get("manual_doc", {}).get("parameters", [])
    if any(p.get("in") == "query" for p in declared):
        return
    names = sorted(set(request.args))
    raise InvalidParameter(names[0] if len(names) == 1 else names, "query",
                           "unknown parameter: this operation takes none")


def options_response():
    """OPTIONS answers the methods of the route that matched, not of every route the path
    could match (`/offers/import` is not `/offers/<code>`)."""
    response = current_app.response_class()
    rule = request.url_rule
    response.allow.update(rule.methods if rule is not None else ("OPTIONS",))
    return response


# The header every conditional write and review decision requires (428 without, 412 when
# stale), for the OpenAPI document. RFC 9110 If-Match: `*` or a list of entity tags (the
# service's are "v3" and "v3.p17").
_ENTITY_TAG = r'(W/)?"[!#-~]*"'
_ENTITY_TAGS = rf"{_ENTITY_TAG}(\s*,\s*{_ENTITY_TAG})*"
IF_MATCH = {"in": "header", "name": "If-Match", "required": True,
            "schema": {"type": "string", "pattern": rf"^(\*|{_ENTITY_TAGS})$"},
            "description": 'the ETag of the version you change, e.g. "v3", or * for any '
                           '(428 without, 412 when it changed since)'}
# A review decision names what the reviewer saw: never `*` (reviewed_version).
REVIEWED_IF_MATCH = {"in": "header", "name": "If-Match", "required": True,
                     "schema": {"type": "string", "pattern": rf"^({_ENTITY_TAGS})$"},
                     "description": 'the ETag of the version you reviewed, e.g. "v3.p17" '
                                    '(428 without or with *, 412 when it changed since)'}


def client_address():
    """The caller's address: the peer, or the address a trusted reverse proxy forwarded
    (TRUSTED_PROXY_HOPS, applied by werkzeug's ProxyFix in create_app)."""
    return request.remote_addr or "unknown"


def limit_chunked_body():
    """A body sent without Content-Length (chunked) is held to MAX_CONTENT_LENGTH like any
    other: read up to one byte more than allowed, 413 when there is more, else handed on as
    a body of known length (werkzeug would otherwise see a disconnect: a 400)."""
    environ = request.environ
    if environ.get("CONTENT_LENGTH") or "chunked" not in environ.get(
            "HTTP_TRANSFER_ENCODING", "").lower():
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ["wsgi.input_terminated"] = False

