"""Data managers curate the catalogue in the browser: create, edit and retire organisations,
registers, evidence types and services. Each kind's form is declared once here; the payload
goes through the API's own schema and collection (same rules, audit, If-Match version)."""
from dataclasses import dataclass

from flask import abort, redirect, render_template, request, url_for

from ..access.auth import ensure_role
from ..access.roles import CURATORS
from ..catalog import schemas
from ..db.pool import get_conn
from ..http.errors import Problem
from . import forms, places, present
from .blueprint import blp


@dataclass(frozen=True)
class Field:
    path: str                 # the API body's field, dotted for nested ("title.de")
    label: str
    kind: str = "text"        # text, textarea, lines, place, select
    required: bool = False
    hint: str | None = None
    options: tuple = ()
    create_only: bool = False
    blank: str = "none"       # an empty field: "none" (clears it) or "omit" (leaves it out)

    @property
    def name(self):
        return self.path.replace(".", "_")


FORMS = {
    "organisations": (schemas.OrganisationCreateSchema, [
        Field("code", "Code", create_only=True, blank="omit",
              hint="Kleinbuchstaben, Ziffern, „-“; leer: aus dem Namen gebildet"),
        Field("name", "Name", required=True),
        Field("abbreviation", "Kurzbezeichnung"),
        Field("kind", "Art", required=True, hint="z. B. Meldebehörde"),
        Field("seat_ags", "Sitz: Gemeindename, Postleitzahl oder AGS", kind="place"),
        Field("contact.name", "Ansprechstelle: Name", blank="omit"),
        Field("contact.email", "Ansprechstelle: E-Mail-Adresse", blank="omit"),
        Field("contact.phone", "Ansprechstelle: Telefon", blank="omit"),
        Field("dvdv_key", "DVDV-Schlüssel"),
        # For EU (OOTS) answers: every part of the address is on the form, so saving it
        # never drops one.
        Field("name_en", "Name (englisch, für EU-Antworten)"),
        Field("address.street", "Anschrift: Straße", blank="omit"),
        Field("address.number", "Anschrift: Hausnummer", blank="omit"),
        Field("address.postcode", "Anschrift: Postleitzahl", blank="omit"),
        Field("address.city", "Anschrift: Ort", blank="omit"),
        Field("address.full", "Anschrift in einer Zeile", blank="omit",
              hint="leer: aus den Teilen gebildet"),
        Field("address.nuts", "Anschrift: NUTS-Region", blank="omit",
              hint="leer: die des Landes des Sitzes"),
        Field("edelivery_party_id.scheme", "eDelivery-Kennung (OOTS): Schema", blank="omit",
              hint="z. B. urn:cef.eu:names:identifier:EAS:0204"),
        Field("edelivery_party_id.value", "eDelivery-Kennung (OOTS): Wert", blank="omit"),
        Field("edm_versions", "EDM-Versionen des Zugangspunkts (OOTS)", kind="lines",
              hint="eine pro Zeile, z. B. oots-edm:v1.2 und oots-edm:v2.0"),
        Field("status", "Status", kind="select", blank="omit",
              options=(("active", "aktiv"), ("suspended", "gesperrt"))),
    ]),
    "registers": (schemas.RegisterCreateSchema, [
        Field("code", "Code", create_only=True, blank="omit", hint="leer: idnrg-<Nr.>"),
        Field("idnrg_number", "Nr. in der Anlage zum IDNrG", create_only=True, blank="omit"),
        Field("name", "Bezeichnung", kind="textarea", required=True),
        Field("description", "Beschreibung", kind="textarea"),
        Field("legal_basis", "Rechtsgrundlage"),
        Field("keeping_authority_type", "Registerführende Stelle (Art)"),
        Field("data_categories", "Datenkategorien", kind="lines", hint="eine pro Zeile"),
        Field("keepers", "Registerführung (Codes der Organisationen)", kind="lines",
              hint="eine pro Zeile"),
        Field("federal_counterparts", "Bundesbehörden (Codes)", kind="lines",
              hint="eine pro Zeile"),
    ]),
    "evidence-types": (schemas.EvidenceTypeCreateSchema, [
        Field("code", "Code", required=True, create_only=True, hint="z. B. meldebescheinigung"),
        Field("title.de", "Bezeichnung (deutsch)", required=True),
        Field("title.en", "Bezeichnung (englisch)"),
        Field("description.de", "Beschreibung (deutsch)", kind="textarea"),
        Field("description.en", "Beschreibung (englisch)", kind="textarea"),
        Field("registers", "Register (Codes)", kind="lines", hint="eines pro Zeile, z. B. idnrg-1"),
        Field("identity_attributes", "Identifizierende Merkmale", kind="lines",
              hint="eines pro Zeile"),
        Field("oots_classification_uri", "EU-OOTS-Klassifikation (URI)"),
    ]),
    "services": (schemas.ServiceCreateSchema, [
        Field("code", "Code", create_only=True, blank="omit",
              hint="leer: der Leistungsschlüssel"),
        Field("leistungsschluessel", "Leistungsschlüssel", hint="14 Ziffern"),
        Field("name.de", "Bezeichnung (deutsch)", required=True),
        Field("name.en", "Bezeichnung (englisch)"),
        Field("description", "Beschreibung", kind="textarea"),
    ]),
}


def _form_from(document, fields):
    values = {}
    for field in fields:
        value = document
        for part in field.path.split("."):
            value = (value or {}).get(part) if isinstance(value, dict) else None
        if field.kind == "lines":
            value = "\n".join(str(v) for v in value or [])
        elif field.kind == "place" and value:
            value = f"{document.get('seat_name') or ''} ({value})".strip()
        values[field.name] = "" if value is None else str(value)
    return forms.Form(values)


def _payload(form, fields, creating):
    payload = {}
    for field in fields:
        if field.create_only and not creating:
            continue
        raw = form.get(field.name)
        if field.kind == "lines":
            value = [line.strip() for line in raw.splitlines() if line.strip()]
        elif field.kind == "place":
            value = None
            if raw:
                place = places.municipality(get_conn(), raw)
                if place.ags:
                    value = place.ags
                    form.values[field.name] = f"{place.name} ({place.ags})"
                else:
                    form.add(field.name, place.problem or "Mehrere Gemeinden passen; bitte "
                             "den AGS angeben oder aus der Liste wählen.")
        else:
            value = raw or None
        if value is None and field.blank == "omit":
            continue
        target = payload
        *parents, leaf = field.path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return payload


def _kind(kind):
    if kind not in FORMS:
        abort(404)
    return present.KINDS[kind]


def _field_names(fields):
    return {f.path: f.name for f in fields}


@blp.route("/katalog/<kind>/neu", methods=["GET", "POST"])
def create_object(kind):
    actor = ensure_role(*CURATORS)
    spec = _kind(kind)
    schema, fields = FORMS[kind]
    form, status = forms.Form(), 200
    if request.method == "POST":
        form = forms.from_request(request)
        payload = _payload(form, fields, creating=True)
        data = forms.load(form, schema(), payload, _field_names(fields))
        if data is not None and not form.has_errors:
            try:
                row = spec.collection.submit(get_conn(), actor, data)
            except Problem as problem:
                forms.refused(form, problem, _field_names(fields))
                status = problem.status
            else:
                return redirect(url_for("web.catalogue_item", kind=kind, code=row["code"],
                                        hinweis="gespeichert"), 303)
        else:
            form.fail()
            status = 422
    return render_template("web/curate_form.html", spec=spec, fields=fields, form=form,
                           creating=True, doc=None), status


@blp.route("/katalog/<kind>/<code>/bearbeiten", methods=["GET", "POST"])
def edit_object(kind, code):
    actor = ensure_role(*CURATORS)
    spec = _kind(kind)
    schema, fields = FORMS[kind]
    conn = get_conn()
    row = spec.collection.require(conn, code)
    document = spec.collection.document(row, actor)
    if request.method == "GET":
        form = _form_from(document, fields)
        form.values["version"] = str(row["version"])
        return render_template("web/curate_form.html", spec=spec, fields=fields, form=form,
                               creating=False, doc=document)
    form = forms.from_request(request)
    payload = _payload(form, fields, creating=False)
    data = forms.load(form, schema(partial=True), payload, _field_names(fields))
    status = 422
    if data is not None and not form.has_errors:
        version = form.get("version")
        try:
            # Fields the form does not show (formats, requirements …) keep their values.
            spec.collection.change(conn, actor, code, data,
                                   int(version) if version.isdigit() else -1, partial=True)
        except Problem as problem:
            forms.refused(form, problem, _field_names(fields))
            status = problem.status
        else:
            return redirect(url_for("web.catalogue_item", kind=kind, code=code,
                                    hinweis="gespeichert"), 303)
    else:
        form.fail()
    return render_template("web/curate_form.html", spec=spec, fields=fields, form=form,
                           creating=False, doc=document), status


@blp.route("/katalog/<kind>/<code>/ausser-kraft", methods=["POST"])
def retire_object(kind, code):
    actor = ensure_role(*CURATORS)
    spec = _kind(kind)
    version = request.form.get("version", "")
    spec.collection.withdraw(get_conn(), actor, code, int(version) if version.isdigit() else -1)
    return redirect(url_for("web.catalogue_item", kind=kind, code=code,
                            hinweis="ausser-kraft"), 303)
