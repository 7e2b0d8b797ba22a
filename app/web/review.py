"""The data managers' review queue: pending registrations, and proposed offers, edits,
retirements and permission requests, each shown as a diff against the active state;
approve, or reject with a reason. Four-eyes is the domain's rule (never one's own)."""
from flask import abort, redirect, render_template, request, url_for

from ..access.auth import ensure_role
from ..access.policy import may_decide_reviews
from ..access.roles import CURATORS, OVERSIGHT
from ..catalog.evidence_types import evidence_types
from ..catalog.offers import offers
from ..catalog.organisations import organisations
from ..catalog.permissions import permissions
from ..catalog.services import services
from ..db.pool import get_conn
from ..governance import queries as governance_queries
from ..governance import registrations
from ..http.conventions import parse_version_etag
from ..http.errors import PreconditionRequired, Problem
from ..review import proposals as review_proposals
from . import filters, forms, places, present
from .blueprint import blp

REVIEWED = {"offers": offers, "permissions": permissions}
KIND_NAMES = {"create": "neu", "update": "Änderung", "retire": "Außerkraftsetzung"}
OUTCOMES = {True: "freigegeben", False: "abgelehnt"}  # said on the queue after a decision


@blp.route("/pruefung")
def review_queue():
    ensure_role(*OVERSIGHT)
    conn = get_conn()
    window = {"limit": 200, "offset": 0}
    pending_registrations, registration_total = governance_queries.list_registrations(
        conn, status="pending", **window)
    proposals, proposal_total = review_proposals.queue(conn, **window)
    return render_template("web/review_queue.html",
                           registrations=[{**registrations.registration_document(r),
                                           "organisation_name": r["organisation_name"]}
                                          for r in pending_registrations],
                           registration_total=registration_total, proposals=proposals,
                           proposal_total=proposal_total, kind_names=KIND_NAMES)


@blp.route("/pruefung/registrierungen/<code>", methods=["GET", "POST"])
def review_registration(code):
    actor = ensure_role(*(OVERSIGHT if request.method == "GET" else CURATORS))
    conn = get_conn()
    row = registrations.get(conn, code, actor=actor)
    form, status = forms.Form(), 200
    if request.method == "POST":
        form = forms.decision_form(request)
        if not form.has_errors:
            try:
                approve = form.get("decision") == "approve"
                registrations.decide(conn, actor, code, approve=approve,
                                     reason=forms.blank_to_none(form.get("reason")))
            except Problem as problem:
                forms.refused(form, problem, {"reason": "reason"})
                status = problem.status
            else:
                return redirect(url_for("web.review_queue", erledigt=code,
                                        ergebnis=OUTCOMES[approve]), 303)
        else:
            status = 422
    org = organisations.load(conn, row["organisation_code"])
    document = registrations.registration_document(row, org, with_conflicts=True)
    details = document["organisation_details"]
    rows = [("Organisation", details["name"]), ("Kurzbezeichnung", details["abbreviation"]),
            ("Art", details["kind"]),
            ("Sitz", f"{details['seat_name']} ({details['seat_ags']})"
             if details["seat_ags"] else None),
            ("Kontakt", ", ".join(v for v in (details.get("contact") or {}).values() if v)),
            ("Rolle", document["role"]), ("Erstes Konto", document["user"]["email"]),
            ("Name", document["user"]["name"]), ("eingereicht", document["created_at"])]
    return render_template("web/review_registration.html", registration=document, rows=rows,
                           form=form, may_decide=may_decide_reviews(actor)), status


@blp.route("/pruefung/<collection>/<code>", methods=["GET", "POST"])
def review_proposal(collection, code):
    reviewed = REVIEWED.get(collection) or abort(404)
    actor = ensure_role(*(OVERSIGHT if request.method == "GET" else CURATORS))
    conn = get_conn()
    form, status = forms.Form(), 200
    if request.method == "POST":
        form = forms.decision_form(request)
        if not form.has_errors:
            try:
                # The decision is on what this page showed: its ETag came with the form.
                seen = parse_version_etag(form.get("seen"))
                if seen is None:
                    raise PreconditionRequired("the form did not name what was reviewed")
                approve = form.get("decision") == "approve"
                if approve:
                    reviewed.approve(conn, actor, code, seen)
                else:
                    reviewed.reject(conn, actor, code, form.get("reason"), seen)
            except Problem as problem:
                forms.refused(form, problem, {})
                status = problem.status
            else:
                return redirect(url_for("web.review_queue", erledigt=code,
                                        ergebnis=OUTCOMES[approve]), 303)
        else:
            status = 422
    row = reviewed.require(conn, code)
    document = reviewed.view(conn, row, actor)
    pending = document.get("pending_change")
    return render_template("web/review_proposal.html", collection=collection, doc=document,
                           seen=reviewed.etag(conn, row),
                           pending=pending, diff=_diff(conn, reviewed, row, pending), form=form,
                           may_decide=may_decide_reviews(actor), kind_names=KIND_NAMES,
                           text_of=present.text_of), status


def _diff(conn, reviewed, row, pending):
    """(label, active value, proposed value, changed?) per editable field, codes shown with
    their names. A new object shows the fields it fills; a change marks only what differs."""
    current = {k: _comparable(v) for k, v in reviewed.editable(row).items()
               if k not in ("status", "connection_parameters")}
    if pending is None:
        return []
    if pending["kind"] == "create":
        return [(present.label_of(k), None, _shown(conn, k, v), True)
                for k, v in current.items() if v not in (None, [], {}, "")]
    if pending["kind"] == "retire":
        return [(present.LABELS["status"], filters.STATUS_NAMES.get(row["status"], row["status"]),
                 filters.STATUS_NAMES["retired"], True)]
    proposed = pending["changes"] or {}
    result = []
    for field, before in current.items():
        after = _comparable(proposed.get(field, before))
        if field == "areas" and after is not None:
            after = sorted(after)
        if before in (None, [], {}, "") and after in (None, [], {}, ""):
            continue
        result.append((present.label_of(field), _shown(conn, field, before),
                       _shown(conn, field, after), before != after))
    return result


def _comparable(value):
    """Dates as the API writes them (a proposal's changes are stored as JSON)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


# Fields naming another catalogue object by its code: how its name is found.
_NAMED = {"provider": (organisations, "name"), "access_service": (organisations, "name"),
          "consumer": (organisations, "name"), "evidence_type": (evidence_types, "title_de"),
          "service": (services, "name_de")}


def _shown(conn, field, value):
    """A value as the data manager reads it: "Name (code)" for codes of objects and areas,
    German names for coded values."""
    if value in (None, [], {}, ""):
        return None
    if field == "areas":
        return [area["label"] for area in places.describe_keys(conn, value)]
    if field in _NAMED and isinstance(value, str):
        collection, name_field = _NAMED[field]
        found = collection.load(conn, value)
        return f"{found[name_field]} ({value})" if found else value
    return present.field_text(field, value)
