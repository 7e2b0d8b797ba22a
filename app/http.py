"""HTTP conventions shared by every capability: paging, Link headers, ETags."""
import hashlib
import json
from urllib.parse import urlencode

from flask import g, request

from .errors import InvalidParameter, NotModified


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
