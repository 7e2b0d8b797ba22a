"""Postcodes as lookups see them, and the data managers' curations of the table: propose to
add or remove a pair or an Ortsteil (reviewed by a second data manager), review one."""
from flask import abort, redirect, render_template, request, url_for

from ..access.auth import current_actor, ensure_role
from ..access.policy import may_decide_reviews, sees_postcode_curations
from ..access.roles import CURATORS, OVERSIGHT
from ..areas import curation, documents, keys, queries
from ..db.pool import get_conn
from ..http.conventions import parse_version_etag
from ..http.errors import InvalidParameter, PreconditionRequired, Problem
from . import forms
from .blueprint import blp

CHANGE_NAMES = {"add": "hinzufügen", "remove": "entfernen"}
STATUS_NAMES = {"pending": "wartet auf Prüfung", "active": "gilt",
                "rejected": "abgelehnt", "withdrawn": "zurückgezogen"}
FIELDS = {"ags": "ags", "place": "place", "change": "change", "reason": "reason"}


@blp.route("/postleitzahlen")
def postcode_search():
    plz = (request.args.get("plz") or "").strip()
    if plz:
        return redirect(url_for("web.postcode_page", plz=plz), 303)
    return render_template("web/postcode.html", plz=None, table=None, curations=[],
                           form=forms.Form(), change_names=CHANGE_NAMES,
                           status_names=STATUS_NAMES, may_curate=False)


@blp.route("/postleitzahlen/<plz>", methods=["GET", "POST"])
def postcode_page(plz):
    try:
        plz = keys.postcode(plz)
    except InvalidParameter:
        abort(404)
    conn, actor = get_conn(), current_actor()
    form, status = forms.Form({"change": "add"}), 200
    if request.method == "POST":
        ensure_role(*CURATORS)
        form = forms.from_request(request)
        try:
            row = curation.propose(conn, actor, {k: form.get(k) for k in FIELDS}, plz)
        except Problem as problem:
            forms.refused(form, problem, FIELDS)
            status = problem.status
        else:
            return redirect(url_for("web.postcode_page", plz=plz, vorgeschlagen=row["code"]),
                            303)
    try:
        table = documents.postcode(conn, plz)
    except Problem:
        table = None
    oversees = sees_postcode_curations(actor)
    curations = [curation.document(r) for r in queries.curations_of(
        conn, plz, ("pending", "active", "rejected", "withdrawn") if oversees else ("active",))]
    return render_template("web/postcode.html", plz=plz, table=table, curations=curations,
                           form=form, change_names=CHANGE_NAMES, status_names=STATUS_NAMES,
                           may_curate=may_decide_reviews(actor),
                           proposed=request.args.get("vorgeschlagen")), status


@blp.route("/pruefung/postleitzahlen/<code>", methods=["GET", "POST"])
def review_postcode(code):
    actor = ensure_role(*(OVERSIGHT if request.method == "GET" else CURATORS))
    conn = get_conn()
    row = queries.get_curation(conn, code) or abort(404)
    form, status = forms.Form(), 200
    if request.method == "POST":
        form = forms.decision_form(request)
        decision = form.get("decision")
        if form.has_errors:
            status = 422
        else:
            try:
                # The decision is on what this page showed: its ETag came with the form.
                seen = parse_version_etag(form.get("seen"))
                if seen is None:
                    raise PreconditionRequired("the form did not name what was reviewed")
                curation.decide(conn, actor, row["plz"], code, seen,
                                approve=decision == "approve",
                                reason=forms.blank_to_none(form.get("reason")))
            except Problem as problem:
                forms.refused(form, problem, {"reason": "reason"})
                status = problem.status
            else:
                return redirect(url_for("web.review_queue", erledigt=code), 303)
        row = queries.get_curation(conn, code)
    return render_template("web/review_postcode.html", doc=curation.document(row),
                           seen=curation.etag(conn, row), form=form,
                           may_decide=may_decide_reviews(actor) and row["status"] == "pending",
                           change_names=CHANGE_NAMES, status_names=STATUS_NAMES), status
