"""Self-service registration of an authority and its first user: the form, the
claim secret remembered by the browser, the status page, withdrawal and resubmission."""

from flask import g, redirect, render_template, request, url_for

from ..access.actor import ANONYMOUS_ACTOR
from ..access.roles import PROVIDER_ADMIN
from ..catalog import kinds
from ..catalog.organisations import organisations
from ..db.pool import get_conn
from ..governance import registrations
from ..governance.schemas import RegistrationCreateSchema, RegistrationResubmitSchema
from ..http.conventions import client_address
from ..http.errors import Problem, Unauthorized
from . import forms, places, sessions
from .blueprint import blp

CLAIM_COOKIE = "regmap_claim"
CLAIM_PATH = "/registrierung"


REGISTRATION_FIELDS = {
    "organisation.name": "org_name", "organisation.abbreviation": "org_abbreviation",
    "organisation.kind": "org_kind", "organisation.kind_other": "org_kind_other",
    "organisation.seat_ags": "org_seat",
    "organisation.contact.name": "contact_name", "organisation.contact.email": "contact_email",
    "organisation.contact.phone": "contact_phone", "organisation.contact": "contact_email",
    "user.email": "user_email", "user.name": "user_name", "user.password": "password",
    "role": "role", "organisation.code": "org_name"}
KIND_OPTIONS = [(kind, kind) for kind in kinds.KINDS]


def _registration_payload(form, conn, resubmit=False):
    """The API's registration body from the form; the seat is read from a name, postcode or
    AGS (choices are offered when it is ambiguous)."""
    seat_text = form.get("org_seat_choice") or form.get("org_seat")
    seat = None
    form.values.pop("org_seat_choice", None)
    if seat_text:
        place = places.municipality(conn, seat_text)
        if place.problem:
            form.add("org_seat", place.problem)
        elif place.choices:
            form.seat_choices = place.choices
            form.add("org_seat", "Mehrere Gemeinden passen. Bitte eine auswählen.")
        else:
            seat = place.ags
            form.values["org_seat"] = f"{place.name} ({place.ags})"
    if form.get("password") != form.get("password2"):
        form.add("password2", "Die beiden Passwörter stimmen nicht überein.")
    contact = {k: form.get(f"contact_{k}") for k in ("name", "email", "phone")
               if form.get(f"contact_{k}")}
    organisation = {"name": form.get("org_name"),
                    "abbreviation": forms.blank_to_none(form.get("org_abbreviation")),
                    "kind": form.get("org_kind"), "seat_ags": seat, "contact": contact}
    if form.get("org_kind_other"):
        organisation["kind_other"] = form.get("org_kind_other")
    user = {"email": form.get("user_email"),
            "name": forms.blank_to_none(form.get("user_name")),
            "password": request.form.get("password", "")}
    if resubmit and not user["password"] and not request.form.get("password2"):
        del user["password"]  # a resubmission keeps the password unless a new one is given
    return {"organisation": organisation, "user": user, "role": form.get("role")}


def _render_registration(form, status=200, resubmit=None):
    form.values.pop("password", None)
    form.values.pop("password2", None)
    return render_template("web/register.html", form=form, kinds=KIND_OPTIONS,
                           resubmit=resubmit), status


@blp.route("/registrierung", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return _render_registration(forms.Form({"role": PROVIDER_ADMIN}))
    form = forms.from_request(request)
    conn = get_conn()
    payload = _registration_payload(form, conn)
    data = forms.load(form, RegistrationCreateSchema(), payload, REGISTRATION_FIELDS)
    if data is None or form.has_errors:
        form.fail()
        return _render_registration(form, 422)
    try:
        row, secret = registrations.submit(conn, data, client_address())
    except Problem as problem:
        forms.refused(form, problem, REGISTRATION_FIELDS)
        return _render_registration(form, problem.status)
    g.claim_cookie = f"{row['code']}:{secret}"
    return render_template("web/registered.html", code=row["code"], secret=secret,
                           registration=registrations.registration_document(row)), 201


@blp.after_request
def _claim_cookie(response):
    """The registrant's browser remembers code and claim secret for the status page."""
    value = g.pop("claim_cookie", None)
    if value is not None:
        options = sessions.cookie_options(path=CLAIM_PATH, samesite="Strict")
        if value:
            response.set_cookie(CLAIM_COOKIE, value, max_age=90 * 86400, **options)
        else:
            response.delete_cookie(CLAIM_COOKIE, **options)
    return response


def _claim():
    code, _, secret = request.cookies.get(CLAIM_COOKIE, "").partition(":")
    return (code, secret) if code and secret else (None, None)


def _own_registration(conn):
    code, secret = _claim()
    if not code:
        return None
    try:
        return registrations.get(conn, code, actor=ANONYMOUS_ACTOR, claim_secret=secret)
    except Unauthorized:
        g.claim_cookie = ""  # stale: forget it
        return None


@blp.route("/registrierung/status", methods=["GET", "POST"])
def registration_status():
    conn = get_conn()
    form = forms.Form()
    if request.method == "POST":
        form = forms.from_request(request)
        try:
            registrations.get(conn, form.get("code"), actor=ANONYMOUS_ACTOR,
                              claim_secret=request.form.get("secret", ""))
        except Problem as problem:
            forms.refused(form, problem, {})
            return render_template("web/registration_status.html", form=form,
                                   registration=None), 401
        g.claim_cookie = f"{form.get('code')}:{request.form.get('secret', '')}"
        return redirect(url_for("web.registration_status"), 303)
    row = _own_registration(conn)
    document = None
    if row is not None:
        org = organisations.load(conn, row["organisation_code"])
        document = registrations.registration_document(row, org)
    return render_template("web/registration_status.html", form=form, registration=document)


@blp.route("/registrierung/zurueckziehen", methods=["POST"])
def registration_withdraw():
    code, secret = _claim()
    if not code:
        return redirect(url_for("web.registration_status"), 303)
    registrations.withdraw(get_conn(), code, secret)
    return redirect(url_for("web.registration_status"), 303)


@blp.route("/registrierung/erneut", methods=["GET", "POST"])
def registration_resubmit():
    conn = get_conn()
    row = _own_registration(conn)
    if row is None:
        return redirect(url_for("web.registration_status"), 303)
    if request.method == "GET":
        org = organisations.load(conn, row["organisation_code"])
        contact = org["contact"] or {}
        seat = f"{org['seat_name']} ({org['seat_ags']})" if org["seat_ags"] else ""
        kind, kind_other = kinds.chosen_kind(org["kind"])
        form = forms.Form({"org_name": org["name"], "org_abbreviation":
                           org["abbreviation"] or "", "org_kind": kind,
                           "org_kind_other": kind_other,
                           "org_seat": seat, "contact_name": contact.get("name", ""),
                           "contact_email": contact.get("email", ""),
                           "contact_phone": contact.get("phone", ""),
                           "user_email": row["user_email"], "user_name": row["user_name"] or "",
                           "role": row["user_role"]})
        return _render_registration(form, resubmit=row)
    form = forms.from_request(request)
    payload = _registration_payload(form, conn, resubmit=True)
    data = forms.load(form, RegistrationResubmitSchema(), payload, REGISTRATION_FIELDS)
    if data is None or form.has_errors:
        form.fail()
        return _render_registration(form, 422, resubmit=row)
    code, secret = _claim()
    try:
        registrations.resubmit(conn, code, secret, data)
    except Problem as problem:
        forms.refused(form, problem, REGISTRATION_FIELDS)
        return _render_registration(form, problem.status, resubmit=row)
    return redirect(url_for("web.registration_status"), 303)


# --- account: users and tokens ---------------------------------------------------------------
