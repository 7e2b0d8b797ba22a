"""The catalogue as anyone may open it: home, catalogue browser, search, competence
lookup; the coverage report for overseers; and the suggestions behind the type-ahead
fields."""
import re
from datetime import date

from flask import Response, abort, jsonify, redirect, render_template, request, url_for

from ..access.auth import current_actor, ensure_role
from ..access.environments import PRODUCTION
from ..access.policy import history_entry, may_read, sees_review_state
from ..access.roles import OVERSIGHT
from ..catalog.evidence_types import evidence_types
from ..competence import answer as competence_answer
from ..competence import coverage
from ..competence.index import current_index
from ..competence.parameters import Lookup
from ..db.pool import get_conn
from ..http.errors import Problem
from ..record import queries as record_queries
from ..search.engine import search as run_search
from ..values import identifiers
from ..values.dates import berlin_today
from . import curation, forms, places, present
from .blueprint import blp
from .choices import active_evidence_types

PAGE_SIZE = 50
_IS_CODE = identifiers.matcher(identifiers.CODE)
# Search hit types -> the catalogue pages' names for them.
SEARCH_TYPES = {t: present.KINDS[c].plural for t, c in present.COLLECTION_OF_TYPE.items()}
SEARCH_TYPE_SINGULAR = {t: present.KINDS[c].singular
                        for t, c in present.COLLECTION_OF_TYPE.items()}


def _page_number():
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10**6 else 1


@blp.route("/")
def home():
    kinds = {name: k for name, k in present.KINDS.items()
             if may_read(current_actor(), k.readers)}
    return render_template("web/home.html", kinds=kinds)


@blp.route("/favicon.ico")
def favicon():
    # Browsers ask for it on every page they show, the API documentation's too.
    return redirect(url_for("web.static", filename="favicon.svg"), 301)


@blp.route("/katalog/<kind>")
def catalogue_list(kind):
    spec = present.KINDS.get(kind) or abort(404)
    if spec.readers:
        ensure_role(*spec.readers)
    # {web parameter: value}; the API's list takes the same filters under its own names.
    filters = {present.WEB_PARAMS.get(name, name): request.args.get(
        present.WEB_PARAMS.get(name, name), "").strip() for name in spec.filters}
    api_names = {present.WEB_PARAMS.get(name, name): name for name in spec.filters}
    args = {api_names[name]: value for name, value in filters.items() if value}
    invalid = [name for name, value in args.items()
               if name not in ("name", "kind", "area") and not _IS_CODE(value)]
    page = _page_number()
    items, total = [], 0
    if not invalid:
        try:
            items, total = spec.collection.list(get_conn(), current_actor(), args,
                                                {"limit": PAGE_SIZE,
                                                 "offset": (page - 1) * PAGE_SIZE})
        except Problem:
            invalid = list(args)
    tabs = [(k.name, k.plural) for k in present.KINDS.values()
            if may_read(current_actor(), k.readers)]
    return render_template("web/catalogue_list.html", spec=spec, items=items, total=total,
                           curatable=kind in curation.FORMS,
                           tabs=tabs,
                           page=page, page_size=PAGE_SIZE, filters=filters, invalid=invalid,
                           labels=present.FILTER_LABELS, text_of=present.text_of,
                           links=present.LINKS)


@blp.route("/katalog/<kind>/<code>")
def catalogue_item(kind, code):
    spec = present.KINDS.get(kind) or abort(404)
    if spec.readers:
        ensure_role(*spec.readers)
    conn, actor = get_conn(), current_actor()
    row = spec.collection.get(conn, actor, code)
    document = spec.collection.view(conn, row, actor)
    history = None
    owner_id = spec.collection.owner_id(row)
    if sees_review_state(actor, owner_id):
        rows, _ = record_queries.list_audit(conn, collection=spec.name, object_code=code,
                                            limit=100, offset=0)
        history = [history_entry(r, actor, owner_id) for r in rows]
    related = _related(kind, code)
    title = present.text_of(document.get("title") or document.get("name") or code)
    area_names = None
    if kind == "offers":
        type_row = evidence_types.load(conn, document["evidence_type"])
        title = f"{type_row['title_de']} – {document['provider_name']}"
        area_names = {a["key"]: a["label"]
                      for a in places.describe_keys(conn, document["areas"][:100])}
    return render_template("web/catalogue_item.html", spec=spec, doc=document,
                           curatable=kind in curation.FORMS,
                           rows=present.detail_rows(document), history=history,
                           related=related, text_of=present.text_of, links=present.LINKS,
                           title=title, area_names=area_names,
                           rdf_type=present.TYPE_OF_COLLECTION.get(kind))


def _related(kind, code):
    """Offers of an evidence type or a provider, shown under its details."""
    filter_name = {"evidence-types": "evidence_type", "organisations": "provider"}.get(kind)
    if not filter_name:
        return None
    spec = present.KINDS["offers"]
    items, total = spec.collection.list(get_conn(), current_actor(), {filter_name: code},
                                        {"limit": 100, "offset": 0})
    return {"items": items, "total": total, "filter": filter_name}


@blp.route("/suche")
def search_page():
    text = request.args.get("q", "").strip()
    kind = request.args.get("type", "")
    land = request.args.get("land", "")
    result, problem = None, None
    if text:
        args = {"q": text, "page": _page_number(), "page_size": 20,
                "type": kind if kind in SEARCH_TYPES and kind else None,
                "land": land if re.fullmatch(r"[0-9]{2}", land) else None, "status": None}
        try:
            result = run_search(current_actor(), args)
        except Problem as error:
            problem = error
    return render_template("web/search.html", q=text, type=kind, land=land, result=result,
                           problem=problem, types=SEARCH_TYPES, singular=SEARCH_TYPE_SINGULAR,
                           collection_of=present.COLLECTION_OF_TYPE)


@blp.route("/vorschlaege/suche")
def suggest_search():
    """Type-ahead of the search field: a few titles (JSON for static/app.js)."""
    text = request.args.get("q", "").strip()[:100]
    if len(text) < 2:
        return jsonify([])
    try:
        found = run_search(current_actor(), {"q": text, "page": 1, "page_size": 8,
                                             "type": None, "land": None, "status": None})
    except Problem:
        return jsonify([])
    return jsonify([hit["title"] for hit in found["items"]])


@blp.route("/vorschlaege/orte")
def suggest_places():
    """Type-ahead of place and area fields: "Name (key)" labels (JSON for static/app.js)."""
    text = request.args.get("q", "").strip()[:100]
    levels = request.args.get("ebene", "")
    found = places.find_areas(get_conn(), text, limit=15)
    if levels == "gemeinde":
        found = [a for a in found if a["level"] == "Gemeinde"]
    return jsonify([{"label": a["label"], "detail": " · ".join(
        part for part in (a["level"], a["parent"]) if part)} for a in found])


@blp.route("/vorschlaege/organisationen")
def suggest_organisations():
    """Type-ahead of organisation fields: "Name (code)" labels (JSON for static/app.js)."""
    text = request.args.get("q", "").strip()[:100]
    if len(text) < 2:
        return jsonify([])
    items, _ = present.KINDS["organisations"].collection.list(
        get_conn(), current_actor(), {"name": text, "status": "active"},
        {"limit": 15, "offset": 0})
    return jsonify([{"label": f"{o['name']} ({o['code']})", "detail": o["kind"]}
                    for o in items])


@blp.route("/zustaendigkeit")
def competence_page():
    types = active_evidence_types()
    evidence_type = request.args.get("nachweistyp", "")
    where = request.args.get("ort", "").strip()
    day_text = request.args.get("stichtag", "").strip()
    answer = candidates = choices = problem = None
    errors = {}
    if evidence_type or where:
        if evidence_type not in dict(types):
            errors["nachweistyp"] = "Bitte einen Nachweistyp wählen."
        day = _day(day_text, errors)
        place = places.municipality(get_conn(), where) if where else None
        if place is None:
            errors["ort"] = "Bitte einen Ort, eine Postleitzahl oder einen AGS angeben."
        elif place.problem:
            errors["ort"] = place.problem
        elif place.choices and not place.plz:
            choices = place.choices
        if not errors and not choices:
            kind, value = ("ags", place.ags) if place.ags else ("plz", place.plz)
            lookup = Lookup(evidence_type, kind, value, None, day, None)
            outcome = competence_answer.outcome(
                current_index(evidence_type), lookup,
                competence_answer.View(connection=False, illustrative=True))
            if outcome.problem is None:
                answer = outcome.document
            elif outcome.problem.extensions.get("candidates"):
                candidates = outcome.problem.extensions["candidates"]
            else:
                problem = outcome.problem
    return render_template("web/competence.html", types=types, evidence_type=evidence_type,
                           where=where, day=day_text, answer=answer, candidates=candidates,
                           choices=choices, problem=problem, errors=errors)


def _day(text, errors):
    """The reference date typed (TT.MM.JJJJ or ISO); today when empty."""
    if not text:
        return berlin_today()
    try:
        return date.fromisoformat(forms.german_date(text))
    except ValueError:
        errors["stichtag"] = "Bitte ein Datum angeben (TT.MM.JJJJ)."
        return berlin_today()


@blp.route("/abdeckung")
def coverage_page():
    ensure_role(*OVERSIGHT)
    types = active_evidence_types()
    evidence_type = request.args.get("nachweistyp", "") or (types[0][0] if types else "")
    report = None
    if evidence_type in dict(types):
        report = coverage.report(get_conn(), current_index(evidence_type), {
            "evidence_type": evidence_type, "expiring_within_days": 90}, PRODUCTION)
    return render_template("web/coverage.html", types=types, evidence_type=evidence_type,
                           report=report, chart=_chart(report) if report else None)


@blp.route("/abdeckung.csv")
def coverage_csv():
    """The same report as CSV, for the data manager's spreadsheet (session sign-in)."""
    ensure_role(*OVERSIGHT)
    evidence_type = request.args.get("nachweistyp", "")
    if evidence_type not in dict(active_evidence_types()):
        abort(404)
    report = coverage.report(get_conn(), current_index(evidence_type), {
        "evidence_type": evidence_type, "expiring_within_days": 90}, PRODUCTION)
    return Response(coverage.as_csv(report), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="abdeckung-{evidence_type}.csv"'})


def _chart(report):
    """Bars of the summary (drawn as SVG by the template; the table says the same)."""
    summary = report["summary"]
    bars = [("abgedeckt", summary["covered"], "ok"),
            ("ohne Datenbereitsteller", summary["without_provider"], "gap"),
            ("mehrfach abgedeckt", summary["nested"], "warn"),
            ("läuft in 90 Tagen aus", summary["expiring"], "warn"),
            ("auf aufgehobenen Gebieten", summary["on_retired_areas"], "gap"),
            ("von inaktiven Organisationen", summary["of_inactive_organisations"], "gap")]
    top = max([value for _, value, _ in bars] + [1])
    return [{"label": label, "value": value, "kind": kind,
             "width": round(100 * value / top, 1)} for label, value, kind in bars]
