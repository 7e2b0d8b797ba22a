"""Data managers curate the catalogue in the browser: create, edit and retire organisations,
registers, evidence types, services and EU requirements. Each kind's form is declared once
here; the payload goes through the API's own schema and collection (same rules, audit,
If-Match version)."""
import copy
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
    kind: str = "text"        # text, textarea, lines, place, select, records
    required: bool = False
    hint: str | None = None
    options: tuple = ()
    create_only: bool = False
    blank: str = "none"       # an empty field: "none" (clears it) or "omit" (leaves it out)
    # records: a list of objects, one per line, its parts (dotted paths) separated by "|"; a
    # part ending in "*" is a comma-separated list. The first part identifies the object.
    columns: tuple = ()

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
    "eu-requirements": (schemas.EuRequirementCreateSchema, [
        Field("code", "Code", required=True, create_only=True, hint="z. B. proof-of-birth"),
        Field("identifier", "Kennung im OOTS Semantic Repository (URI)", required=True,
              hint="https://sr.oots.tech.europa.eu/requirements/<UUID>"),
        Field("name.en", "Bezeichnung (englisch)", required=True),
        Field("name.de", "Bezeichnung (deutsch)"),
        Field("description.en", "Beschreibung (englisch, für Antworten nach TDD 2.0)",
              kind="textarea"),
        Field("description.de", "Beschreibung (deutsch)", kind="textarea"),
        Field("reference_frameworks", "Rechtsrahmen", kind="records",
              columns=("identifier", "procedure", "jurisdiction", "title.en"),
              hint="einer pro Zeile: UUID | Verfahren (z. B. R1) | DE oder Landesschlüssel "
                   "| Titel (englisch)"),
        Field("evidence_type_lists", "Nachweistyp-Listen (eine genügt)", kind="records",
              columns=("identifier", "name.en", "evidence_types*"),
              hint="eine pro Zeile: UUID | Name (englisch) | Codes der Nachweistypen, "
                   "durch Kommas getrennt (alle zusammen erfüllen die Anforderung)"),
    ]),
}


def _at(value, path):
    """The value at a dotted path of nested dicts (None where a part is missing)."""
    for part in path.split("."):
        value = (value or {}).get(part) if isinstance(value, dict) else None
    return value


def _form_from(document, fields):
    values = {}
    for field in fields:
        value = _at(document, field.path)
        if field.kind == "lines":
            value = "\n".join(str(v) for v in value or [])
        elif field.kind == "records":
            value = "\n".join(" | ".join(_cell(item, column) for column in field.columns)
                              for item in value or [])
        elif field.kind == "place" and value:
            value = f"{document.get('seat_name') or ''} ({value})".strip()
        values[field.name] = "" if value is None else str(value)
    return forms.Form(values)


def _cell(item, column):
    value = _at(item, column.rstrip("*"))
    if column.endswith("*"):
        return ", ".join(value or [])
    return "" if value is None else str(value)


def _records(form, field, raw, current):
    """The objects of a records field. One already there (same first part) keeps the parts
    the form does not show (a framework's German title, say)."""
    known = {str(_at(item, field.columns[0])): item for item in current or []}
    records = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) != len(field.columns):
            form.add(field.name, f"Zeile {number}: {len(field.columns)} Angaben, durch „|“ "
                                 f"getrennt, erwartet (nicht {len(cells)}).")
            continue
        record = copy.deepcopy(known.get(cells[0], {}))
        for column, cell in zip(field.columns, cells):
            *parents, leaf = column.rstrip("*").split(".")
            target = record
            for part in parents:
                if not isinstance(target.get(part), dict):
                    target[part] = {}
                target = target[part]
            target[leaf] = [v.strip() for v in cell.split(",") if v.strip()] \
                if column.endswith("*") else cell or None
        records.append(record)
    return records


def _payload(form, fields, creating, current=None):
    """The API body from a submitted form; `current`: the document being edited."""
    payload = {}
    for field in fields:
        if field.create_only and not creating:
            continue
        raw = form.get(field.name)
        if field.kind == "lines":
            value = [line.strip() for line in raw.splitlines() if line.strip()]
        elif field.kind == "records":
            value = _records(form, field, raw, _at(current, field.path))
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
    """The API's field names -> the form's (the parts of a records field land on it)."""
    names = {f.path: f.name for f in fields}
    names.update({f"{f.path}.{column.rstrip('*')}": f.name
                  for f in fields for column in f.columns})
    return names


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
    payload = _payload(form, fields, creating=False, current=document)
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
