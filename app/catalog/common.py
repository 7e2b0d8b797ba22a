"""What every catalogue collection shares: versions and ETags, reference resolution,
visibility of non-public states."""
import re

from flask import request

from ..errors import (NotFound, PreconditionFailed, PreconditionRequired, ValidationFailed,
                      param_error)
from ..governance.roles import OVERSIGHT
from . import queries

SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]{0,79}$")
_VERSION_ETAG = re.compile(r'^v([0-9]{1,9})$')


def etag(version):
    """ETags name the version: a write bumps it, so two writes never share one."""
    return f"v{version}"


def expected_version():
    """The version the caller's If-Match names: missing -> 428, unreadable -> 412."""
    if not request.if_match:
        raise PreconditionRequired("send If-Match with the ETag of the version you change")
    if request.if_match.star_tag:
        return None
    for tag in request.if_match:
        match = _VERSION_ETAG.match(tag)
        if match:
            return int(match.group(1))
    raise PreconditionFailed("If-Match names no version of this object; GET it again")


def etag_of_page(page):
    """A list's ETag: the codes and versions it holds, and how many there are in all."""
    from ..http import etag_of
    return etag_of([(item["code"], item["version"]) for item in page["items"]], page["total"],
                   page["page"], page["page_size"])


def check_version(row, expected, what):
    """`expected` None means If-Match: * (any version)."""
    if expected is not None and row["version"] != expected:
        raise PreconditionFailed(f"{what} is at version {row['version']}, not {expected}; "
                                 "GET it again and reapply your change",
                                 current_version=row["version"])


def visible_statuses(actor, public):
    """None: the caller sees every state; else only these (plus what it owns)."""
    return None if actor.role in OVERSIGHT else public


def may_see(actor, row, public, owner_id=None):
    return (actor.role in OVERSIGHT or row["status"] in public
            or (owner_id is not None and actor.acts_for(owner_id)))


def get_visible(row, actor, public, what, code, owner_id=None):
    """The row, or a 404 that does not reveal hidden objects exist."""
    if row is None or not may_see(actor, row, public, owner_id):
        raise NotFound(what, code)
    return row


def resolve_codes(conn, table, codes, field, *, active_only=False):
    """{code: id}; unknown codes (or inactive ones, when asked) are a 422 naming `field`."""
    codes = list(dict.fromkeys(codes))
    found = queries.status_by_code(conn, table, codes)
    errors = []
    for code in codes:
        row = found.get(code)
        if row is None:
            errors.append(param_error(field, "body", f"unknown code '{code}'"))
        elif active_only and row["status"] != "active":
            errors.append(param_error(field, "body", f"'{code}' is {row['status']}"))
    if errors:
        raise ValidationFailed("; ".join(f"{e['name']}: {e['detail']}" for e in errors),
                               errors=errors)
    return {code: found[code]["id"] for code in codes}


def resolve_code(conn, table, code, field, **kwargs):
    if code is None:
        return None
    return resolve_codes(conn, table, [code], field, **kwargs)[code]


def filter_id(conn, table, code):
    """The id behind a list filter's code; an unknown code matches nothing (id -1)."""
    if not code:
        return None
    return queries.ids_by_code(conn, table, [code]).get(code, -1)


def illustrative(data, current):
    """Demo entries stay demo entries: the flag is set at creation (seeding) only."""
    return current["illustrative"] if current else bool(data.get("illustrative", False))


def check_validity(data):
    """Validity is half-open [valid_from, valid_to): the end must come after the start."""
    if data.get("valid_from") and data.get("valid_to") \
            and data["valid_from"] >= data["valid_to"]:
        raise ValidationFailed("valid_to must be after valid_from (validity is half-open)",
                               errors=[param_error("valid_to", "body", "must be after valid_from")])
