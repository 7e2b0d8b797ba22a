"""The curated layer over the shipped postcode table: a data manager proposes to add or remove
a postcode-municipality pair or a place name (Ortsteil) of it, with the reason and source;
a second data manager approves or rejects (four-eyes, review.proposals). Active curations
change what postcode lookups consider; the seed never touches them.

Lifecycle of a curation: pending -> active | rejected; a pending one can be withdrawn. An
active one is undone by curating the opposite change.
"""
from ..http.conventions import version_etag
from ..http.errors import Conflict, NotFound, Problem, ValidationFailed, param_error
from ..record import audit
from ..review import proposals
from ..values.folding import fold
from ..values.identifiers import new_code
from . import keys, queries
from .errors import UnknownArea

KIND = proposals.POSTCODES
CHANGES = ("add", "remove")
COLUMNS = ("plz", "ags", "place", "change", "reason")
MAX_ROWS = 5_000


def document(row, pending=None):
    doc = {"code": row["code"], "plz": row["plz"], "ags": row["ags"],
           "municipality": row["municipality"], "place": row["place_name"],
           "change": row["change"], "status": row["status"], "reason": row["reason"],
           "version": row["version"], "created_at": row["created_at"],
           "updated_at": row["updated_at"]}
    if pending is not None:
        doc["proposed_by"] = pending["proposed_by_email"]
    return doc


def etag(conn, row):
    """Version and pending proposal: what a reviewer sends back in If-Match."""
    return version_etag(row["version"], proposals.pending_id(conn, KIND, row["id"]))


def get(conn, plz, code):
    row = queries.get_curation(conn, code)
    if row is None or row["plz"] != plz:
        raise NotFound("postcode curation", code)
    return row


def _values(data, plz=None):
    """Checked values of one proposed curation (API body or CSV row)."""
    plz = keys.postcode(plz or data.get("plz"), "plz", "body" if plz is None else "path")
    _, ags = keys.municipality_key(data.get("ags"), "ags", "body")
    if len(ags) != 8:
        raise ValidationFailed("ags: an 8-digit AGS", errors=[
            param_error("ags", "body", "an 8-digit AGS (not an ARS)")])
    change = data.get("change") or "add"
    if change not in CHANGES:
        raise ValidationFailed("change: add or remove", errors=[
            param_error("change", "body", "add or remove")])
    place = (data.get("place") or "").strip() or None
    if place is not None and (len(place) > 100 or not fold(place)):
        raise ValidationFailed("place: a place name", errors=[
            param_error("place", "body", "a place name of at most 100 characters")])
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed("reason: required", errors=[
            param_error("reason", "body", "say why, and from which source")])
    return {"plz": plz, "ags": ags, "place_name": place,
            "place_folded": fold(place) if place else None, "change": change,
            "reason": reason[:2000]}


def _check_against_table(conn, values):
    """An addition must add something, a removal must remove a pair that is there."""
    if not queries.municipality_exists(conn, values["ags"]):
        raise UnknownArea("municipality", values["ags"])
    listed = queries.postcode_pair_listed(conn, values["plz"], values["ags"])
    if values["change"] == "remove" and values["place_name"] is None and not listed:
        raise Conflict(f"{values['plz']} is not mapped to {values['ags']}: nothing to remove")
    if values["change"] == "add" and values["place_name"] is None and listed:
        raise Conflict(f"{values['plz']} is mapped to {values['ags']} already; to add a "
                       "place name, give place")


def propose(conn, actor, data, plz=None):
    """A pending curation and its proposal (one unit of work, audited)."""
    values = _values(data, plz)
    with audit.write_transaction(conn):
        _check_against_table(conn, values)
        if queries.open_curation_exists(conn, values):
            raise Conflict("the same curation is pending or active already")
        row = queries.insert_curation(conn, {**values, "code": new_code("plz")})
        proposals.propose(conn, actor, KIND, row["id"], proposals.CREATE,
                          base_version=row["version"])
        audit.record(conn, actor, "postcode.propose", "postcodes", row["code"],
                     version=row["version"], after=document(row))
        return row


def propose_many(conn, actor, rows):
    """Every row of a CSV file proposed, or none: errors name the line and the column."""
    errors, created = [], []
    with audit.write_transaction(conn):
        for line, raw in rows:
            if None in raw:
                errors.append(param_error(f"row {line}", "body", "too many columns"))
                continue
            try:
                with conn.transaction():
                    created.append(propose(conn, actor, raw))
            except Problem as problem:
                if problem.status >= 500:
                    raise
                entries = problem.errors or [{"name": "_row", "in": "body",
                                              "detail": problem.detail}]
                errors += [{**e, "name": f"row {line}: {e['name']}"} for e in entries]
        if errors:
            raise ValidationFailed(f"{len(errors)} problem(s) in the file; nothing was "
                                   "proposed", errors=errors[:200], error_count=len(errors))
    return created


def decide(conn, actor, plz, code, seen, *, approve, reason=None):
    """Approve (the curation takes effect) or reject; never one's own proposal."""
    with audit.write_transaction(conn):
        row = queries.get_curation(conn, code, for_update=True)
        if row is None or row["plz"] != plz:
            raise NotFound("postcode curation", code)
        proposal = proposals.take_for_review(conn, actor, KIND, row,
                                             f"postcode curation '{code}'", seen)
        proposals.decide(conn, actor, proposal, approve=approve, reason=reason)
        if approve:
            _check_against_table(conn, row)
        after = queries.set_curation_status(conn, row["id"],
                                            "active" if approve else "rejected")
        audit.record(conn, actor, "postcode.approve" if approve else "postcode.reject",
                     "postcodes", code, version=after["version"], before=document(row),
                     after=document(after), reason=reason)
        return after


def withdraw(conn, actor, plz, code):
    """A pending curation leaves review; an active one is undone by the opposite change."""
    with audit.write_transaction(conn):
        row = queries.get_curation(conn, code, for_update=True)
        if row is None or row["plz"] != plz:
            raise NotFound("postcode curation", code)
        if row["status"] != "pending":
            raise Conflict(f"postcode curation '{code}' is {row['status']}; propose the "
                           "opposite change to undo an active one")
        proposals.close(conn, actor, KIND, row["id"])
        after = queries.set_curation_status(conn, row["id"], "withdrawn")
        audit.record(conn, actor, "postcode.withdraw", "postcodes", code,
                     version=after["version"], before=document(row), after=document(after))
        return after
