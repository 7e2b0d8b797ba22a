"""Pages of authorities: sign-in, self-service registration and its status, their account
(users and API tokens) and proposals of evidence offers. Every write goes through the same
domain function as the API, validated by the API's own schema."""
import json

from flask import g, redirect, render_template, request, url_for

from ..catalog import queries as catalog_queries
from ..catalog.offers import offers
from ..catalog.permissions import permissions
from ..catalog.schemas import OfferCreateSchema, PermissionCreateSchema
from ..db import get_conn
from ..errors import Problem, Unauthorized
from ..governance import registrations, users
from ..governance.auth import ANONYMOUS_ACTOR, current_actor, ensure_role
from ..governance.roles import (CONSUMER_ADMIN, CURATORS, ORGANISATION_ROLES, PROVIDER_ADMIN,
                                ROLES)
from ..governance.schemas import RegistrationCreateSchema, TokenCreateSchema, UserCreateSchema
from . import ROLE_NAMES, blp, forms, places, sessions
from .routes import active_evidence_types, active_services, code_in

CLAIM_COOKIE = "regmap_claim"
CLAIM_PATH = "/registrierung"


def _safe_next(target):
    """Only paths of this site (never //host or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return None


# --- sign-in --------------------------------------------------------------------------------

@blp.route("/anmelden", methods=["GET", "POST"])
def sign_in():
    form = forms.from_request(request) if request.method == "POST" else forms.Form(
        {"weiter": request.args.get("weiter", "")})
    status = 200
    if request.method == "POST":
        if not form.get("email") or not form.get("password"):
            for name in ("email", "password"):
                if not form.get(name):
                    form.add(name, "Bitte ausfüllen.")
            form.fail()
            status = 422
        else:
            try:
                user = users.check_password(get_conn(), form.get("email"),
                                            request.form.get("password", ""))
            except Problem as problem:
                forms.refused(form, problem, {})
                status = problem.status
            else:
                sessions.start(users.actor_of(user))
                return redirect(_safe_next(form.get("weiter")) or url_for("web.account"),
                                303)
    form.values.pop("password", None)  # a password is never sent back
    return render_template("web/sign_in.html", form=form), status


@blp.route("/abmelden", methods=["POST"])
def sign_out():
    sessions.end()
    return redirect(url_for("web.home"), 303)


# --- self-service registration ---------------------------------------------------------------

REGISTRATION_FIELDS = {
    "organisation.name": "org_name", "organisation.abbreviation": "org_abbreviation",
    "organisation.kind": "org_kind", "organisation.seat_ags": "org_seat",
    "organisation.contact.name": "contact_name", "organisation.contact.email": "contact_email",
    "organisation.contact.phone": "contact_phone", "organisation.contact": "contact_email",
    "user.email": "user_email", "user.name": "user_name", "user.password": "password",
    "role": "role", "organisation.code": "org_name"}
ORGANISATION_KINDS = ("Meldebehörde", "Gewerbeamt", "Standesamt", "Kfz-Zulassungsbehörde",
                      "Ausländerbehörde", "Finanzamt", "Bauaufsichtsbehörde", "Jobcenter",
                      "Bundesbehörde", "Landesbehörde")


def _registration_payload(form, conn):
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
    return {"organisation": {"name": form.get("org_name"),
                             "abbreviation": forms.blank_to_none(form.get("org_abbreviation")),
                             "kind": form.get("org_kind"), "seat_ags": seat,
                             "contact": contact},
            "user": {"email": form.get("user_email"),
                     "name": forms.blank_to_none(form.get("user_name")),
                     "password": request.form.get("password", "")},
            "role": form.get("role")}


def _render_registration(form, status=200, resubmit=None):
    form.values.pop("password", None)
    form.values.pop("password2", None)
    return render_template("web/register.html", form=form, kinds=ORGANISATION_KINDS,
                           resubmit=resubmit), status


@blp.route("/registrierung", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return _render_registration(forms.Form({"role": "provider_admin"}))
    form = forms.from_request(request)
    conn = get_conn()
    payload = _registration_payload(form, conn)
    data = forms.load(form, RegistrationCreateSchema(), payload, REGISTRATION_FIELDS)
    if data is None or form.has_errors:
        form.fail()
        return _render_registration(form, 422)
    try:
        row, secret = registrations.submit(conn, data)
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
        org = catalog_queries.get_organisation(conn, row["organisation_code"])
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
        org = catalog_queries.get_organisation(conn, row["organisation_code"])
        contact = org["contact"] or {}
        seat = f"{org['seat_name']} ({org['seat_ags']})" if org["seat_ags"] else ""
        form = forms.Form({"org_name": org["name"], "org_abbreviation":
                           org["abbreviation"] or "", "org_kind": org["kind"],
                           "org_seat": seat, "contact_name": contact.get("name", ""),
                           "contact_email": contact.get("email", ""),
                           "contact_phone": contact.get("phone", ""),
                           "user_email": row["user_email"], "user_name": row["user_name"] or "",
                           "role": row["user_role"]})
        return _render_registration(form, resubmit=row)
    form = forms.from_request(request)
    payload = _registration_payload(form, conn)
    data = forms.load(form, RegistrationCreateSchema(), payload, REGISTRATION_FIELDS)
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

USER_FIELDS = {"email": "email", "name": "name", "password": "password", "role": "role",
               "organisation": "organisation"}
TOKEN_FIELDS = {"name": "token_name", "expires_days": "expires_days", "user": "token_name"}


def _signed_in():
    if g.get("web_user") is None:
        raise Unauthorized("sign in first")
    return current_actor()


@blp.route("/konto")
def account():
    return _render_account()


def _render_account(user_form=None, token_form=None, new_token=None, status=200):
    actor = _signed_in()
    conn = get_conn()
    window = {"limit": 200, "offset": 0}
    team = None
    if actor.role in ORGANISATION_ROLES or actor.role == "admin":
        rows, _ = users.list_users(conn, actor, window)
        team = [users.user_document(r) for r in rows]
    token_rows, _ = users.list_tokens(conn, actor, window)
    own_offers = own_permissions = None
    if actor.role == PROVIDER_ADMIN:
        own_offers, _ = offers.list(conn, actor, {"provider": actor.organisation_code},
                                    window)
    if actor.role == CONSUMER_ADMIN:
        own_permissions, _ = permissions.list(conn, actor, {}, window)
    return render_template("web/account.html", team=team, roles=[
                               (r, ROLE_NAMES[r]) for r in ROLES],
                           tokens=[users.token_document(r) for r in token_rows],
                           own_offers=own_offers, own_permissions=own_permissions,
                           user_form=user_form or forms.Form(),
                           token_form=token_form or forms.Form({"expires_days": "90"}),
                           new_token=new_token), status


@blp.route("/konto/nutzer", methods=["POST"])
def add_user():
    actor = ensure_role("admin", *ORGANISATION_ROLES)
    form = forms.from_request(request)
    payload = {"email": form.get("email"), "name": forms.blank_to_none(form.get("name")),
               "role": actor.role, "password": request.form.get("password", "")}
    if actor.role == "admin":
        # Admins create users of every role; scoped roles name their organisation.
        payload["role"] = form.get("role")
        payload["organisation"] = forms.blank_to_none(form.get("organisation"))
    if not payload["password"]:
        payload.pop("password")
    form.values.pop("password", None)
    data = forms.load(form, UserCreateSchema(), payload, USER_FIELDS)
    if data is None:
        return _render_account(user_form=form, status=422)
    try:
        users.create_user(get_conn(), actor, data)
    except Problem as problem:
        forms.refused(form, problem, USER_FIELDS)
        return _render_account(user_form=form, status=problem.status)
    return redirect(url_for("web.account") + "#team", 303)


@blp.route("/konto/nutzer/<code>/deaktivieren", methods=["POST"])
def deactivate_user(code):
    actor = ensure_role("admin", *ORGANISATION_ROLES)
    users.deactivate_user(get_conn(), actor, code)
    return redirect(url_for("web.account") + "#team", 303)


@blp.route("/konto/tokens", methods=["POST"])
def create_token():
    actor = _signed_in()
    form = forms.from_request(request)
    payload = {"name": forms.blank_to_none(form.get("token_name")),
               "expires_days": form.get("expires_days") or 90}
    data = forms.load(form, TokenCreateSchema(), payload, TOKEN_FIELDS)
    if data is None:
        return _render_account(token_form=form, status=422)
    try:
        created = users.create_token(get_conn(), actor, data)
    except Problem as problem:
        forms.refused(form, problem, TOKEN_FIELDS)
        return _render_account(token_form=form, status=problem.status)
    return _render_account(new_token=created, status=201)


@blp.route("/konto/tokens/<code>/widerrufen", methods=["POST"])
def revoke_token(code):
    users.revoke_token(get_conn(), _signed_in(), code)
    return redirect(url_for("web.account") + "#tokens", 303)


# --- offers: propose and edit ----------------------------------------------------------------

OFFER_FIELDS = {"evidence_type": "evidence_type", "areas": "areas", "service_id": "service_id",
                "endpoint_url": "endpoint_url", "valid_from": "valid_from",
                "valid_to": "valid_to", "provider": "provider", "status": "_form",
                "connection_parameters": "connection_parameters"}


def _offer_form_page(form, *, offer=None, status=200):
    conn = get_conn()
    keys, _ = places.area_keys(form.get("areas"))
    picked = places.describe_keys(conn, keys)
    covered, covered_total = places.covered_municipalities(conn, keys)
    found = places.find_areas(conn, form.get("area_search")) if form.get("area_search") \
        else None
    return render_template("web/offer_form.html", form=form, offer=offer,
                           types=active_evidence_types(), picked=picked, covered=covered,
                           covered_total=covered_total, found=found), status


def _offer_payload(form, actor):
    keys, unreadable = places.area_keys(form.get("areas"))
    for part in unreadable:
        form.add("areas", f"„{part}“ ist kein Gebietsschlüssel. Bitte über die Gebietssuche "
                          "auswählen.")
    if not keys and not unreadable:
        form.add("areas", "Bitte mindestens ein Gebiet wählen.")
    payload = {"evidence_type": form.get("evidence_type"), "areas": keys,
               "service_id": form.get("service_id"), "endpoint_url": form.get("endpoint_url"),
               "valid_from": forms.german_date(form.get("valid_from")),
               "valid_to": forms.german_date(form.get("valid_to"))}
    if actor.is_curator:
        payload["provider"] = code_in(form.get("provider"))
    if form.get("connection_parameters"):
        try:
            payload["connection_parameters"] = json.loads(form.get("connection_parameters"))
        except ValueError:
            form.add("connection_parameters", "Bitte gültiges JSON angeben, z. B. "
                                              '{"dvdv_behoerdenkennung": "…"}.')
    return payload


def _picker_action(form):
    """Buttons of the area picker: add a found area, remove one, search. True if one ran."""
    if form.get("add"):
        labels = [line for line in form.get("areas").splitlines() if line.strip()]
        if form.get("add") not in labels:
            labels.append(form.get("add"))
        form.values["areas"] = "\n".join(labels)
        form.values.pop("add")
        form.values["area_search"] = ""
        return True
    if form.get("remove"):
        keys, _ = places.area_keys(form.get("remove"))
        lines = [line for line in form.get("areas").splitlines()
                 if line.strip() and places.area_keys(line)[0] != keys]
        form.values["areas"] = "\n".join(lines)
        form.values.pop("remove")
        return True
    return form.get("action") in ("suchen", "vorschau")


@blp.route("/angebote/neu", methods=["GET", "POST"])
def propose_offer():
    actor = ensure_role(PROVIDER_ADMIN, *CURATORS)
    if request.method == "GET":
        return _offer_form_page(forms.Form({"evidence_type": request.args.get(
            "nachweistyp", "")}))
    form = forms.from_request(request)
    if _picker_action(form):
        return _offer_form_page(form)
    payload = _offer_payload(form, actor)
    data = forms.load(form, OfferCreateSchema(), payload, OFFER_FIELDS)
    if data is None or form.has_errors:
        form.fail()
        return _offer_form_page(form, status=422)
    try:
        row = offers.submit(get_conn(), actor, data)
    except Problem as problem:
        forms.refused(form, problem, OFFER_FIELDS)
        return _offer_form_page(form, status=problem.status)
    return redirect(url_for("web.catalogue_item", kind="offers", code=row["code"],
                            hinweis="eingereicht" if row["status"] == "pending"
                            else "gespeichert"), 303)


@blp.route("/angebote/<code>/bearbeiten", methods=["GET", "POST"])
def edit_offer(code):
    actor = ensure_role(PROVIDER_ADMIN, *CURATORS)
    conn = get_conn()
    row = offers.get(conn, actor, code)
    offers.check_may_write(actor, row)
    if request.method == "GET":
        form = forms.Form({
            "evidence_type": row["evidence_type"], "provider": row["provider"],
            "areas": "\n".join(d["label"] for d in places.describe_keys(conn, row["areas"])),
            "service_id": row["service_id"], "endpoint_url": row["endpoint_url"],
            "valid_from": row["valid_from"].isoformat() if row["valid_from"] else "",
            "valid_to": row["valid_to"].isoformat() if row["valid_to"] else "",
            "connection_parameters": json.dumps(row["connection_parameters"],
                                                ensure_ascii=False, indent=1)
            if row["connection_parameters"] else "",
            "version": str(row["version"])})
        return _offer_form_page(form, offer=row)
    form = forms.from_request(request)
    if _picker_action(form):
        return _offer_form_page(form, offer=row)
    payload = _offer_payload(form, actor)
    data = forms.load(form, OfferCreateSchema(), payload, OFFER_FIELDS)
    if data is None or form.has_errors:
        form.fail()
        return _offer_form_page(form, offer=row, status=422)
    # A form without its version cannot prove it saw the current state: refused (412).
    expected = int(form.get("version")) if form.get("version").isdigit() else -1
    try:
        offers.change(conn, actor, code, data, expected, partial=False)
    except Problem as problem:
        forms.refused(form, problem, OFFER_FIELDS)
        return _offer_form_page(form, offer=row, status=problem.status)
    return redirect(url_for("web.catalogue_item", kind="offers", code=code,
                            hinweis="geaendert"), 303)


@blp.route("/angebote/<code>/ausser-kraft", methods=["POST"])
def retire_offer(code):
    actor = ensure_role(PROVIDER_ADMIN, *CURATORS)
    version = request.form.get("version", "")
    offers.withdraw(get_conn(), actor, code, int(version) if version.isdigit() else -1)
    return redirect(url_for("web.catalogue_item", kind="offers", code=code,
                            hinweis="ausser-kraft"), 303)


# --- permission requests ---------------------------------------------------------------------

PERMISSION_FIELDS = {"consumer": "consumer", "service": "service",
                     "evidence_type": "evidence_type", "provider": "provider",
                     "legal_basis": "legal_basis", "valid_from": "valid_from",
                     "valid_to": "valid_to",
                     "may_use_identification_number": "may_use_identification_number",
                     "status": "_form"}


@blp.route("/berechtigungen/neu", methods=["GET", "POST"])
def request_permission():
    """Consumer admins ask for an abstract permission (reviewed); data managers grant one."""
    actor = ensure_role(CONSUMER_ADMIN, *CURATORS)
    form = forms.from_request(request) if request.method == "POST" else forms.Form()
    status = 200
    if request.method == "POST":
        payload = {"service": form.get("service"), "evidence_type": form.get("evidence_type"),
                   "provider": forms.blank_to_none(code_in(form.get("provider"))),
                   "legal_basis": form.get("legal_basis"),
                   "may_use_identification_number":
                       form.get("may_use_identification_number") == "ja",
                   "valid_from": forms.german_date(form.get("valid_from")),
                   "valid_to": forms.german_date(form.get("valid_to"))}
        if actor.is_curator:
            payload["consumer"] = code_in(form.get("consumer"))
        data = forms.load(form, PermissionCreateSchema(), payload, PERMISSION_FIELDS)
        if data is not None:
            try:
                row = permissions.submit(get_conn(), actor, data)
            except Problem as problem:
                forms.refused(form, problem, PERMISSION_FIELDS)
                status = problem.status
            else:
                return redirect(url_for("web.catalogue_item", kind="permissions",
                                        code=row["code"],
                                        hinweis="eingereicht" if row["status"] == "pending"
                                        else "gespeichert"), 303)
        else:
            status = 422
    return render_template("web/permission_form.html", form=form,
                           types=active_evidence_types(), services=active_services()), status


@blp.route("/berechtigungen/<code>/zurueckziehen", methods=["POST"])
def withdraw_permission(code):
    """Consumers withdraw a pending request or ask to end an active permission; curators
    end it at once."""
    actor = ensure_role(CONSUMER_ADMIN, *CURATORS)
    version = request.form.get("version", "")
    permissions.withdraw(get_conn(), actor, code, int(version) if version.isdigit() else -1)
    return redirect(url_for("web.catalogue_item", kind="permissions", code=code,
                            hinweis="ausser-kraft"), 303)
