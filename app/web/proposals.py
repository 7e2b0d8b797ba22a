"""What organisations propose: evidence offers (with the area picker), edits and
retirements of their offers; permission requests and their withdrawal."""
import json

from flask import redirect, render_template, request, url_for

from ..access.auth import ensure_role
from ..access.roles import CONSUMER_ADMIN, CURATORS, PROVIDER_ADMIN
from ..catalog.offers import offers
from ..catalog.permissions import permissions
from ..catalog.schemas import OfferCreateSchema, PermissionCreateSchema
from ..db.pool import get_conn
from ..http.errors import Problem
from . import forms, places, present
from .blueprint import blp
from .choices import active_evidence_types, active_services, code_choices, code_in

OFFER_FIELDS = {"evidence_type": "evidence_type", "areas": "areas", "service_id": "service_id",
                "endpoint_url": "endpoint_url", "valid_from": "valid_from",
                "valid_to": "valid_to", "provider": "provider", "status": "_form",
                "connection_parameters": "connection_parameters", "environment": "environment",
                "level_of_assurance": "level_of_assurance", "access_service": "access_service"}
ENVIRONMENT_CHOICES = list(present.ENVIRONMENT_NAMES.items())


def _offer_form_page(form, *, offer=None, status=200):
    conn = get_conn()
    keys, _ = places.area_keys(form.get("areas"))
    picked = places.describe_keys(conn, keys)
    covered, covered_total = places.covered_municipalities(conn, keys)
    found = places.find_areas(conn, form.get("area_search")) if form.get("area_search") \
        else None
    return render_template("web/offer_form.html", form=form, offer=offer,
                           environments=ENVIRONMENT_CHOICES,
                           levels_of_assurance=code_choices("levels-of-assurance"),
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
               "valid_to": forms.german_date(form.get("valid_to")),
               "environment": form.get("environment") or "production",
               "level_of_assurance": forms.blank_to_none(form.get("level_of_assurance")),
               "access_service": forms.blank_to_none(code_in(form.get("access_service")))}
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
            "nachweistyp", ""), "environment": "production"}))
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
            "environment": row["environment"], "version": str(row["version"]),
            "level_of_assurance": row["level_of_assurance"] or "",
            "access_service": row["access_service"] or ""})
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
    # The form replaces what it shows; what it does not show (the OOTS fields) stays.
    data = {**{k: v for k, v in offers.editable(row).items() if k not in OFFER_FIELDS},
            **data}
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
