"""The web pages: server-rendered German pages for the people who curate the catalogue and
the authorities who register with it. They call the same domain functions as the API (same
rules, same audit), sign people in with a session cookie and protect every form with a CSRF
token. Every asset is shipped here (templates/, static/); nothing loads from elsewhere."""
import logging
import re
from zoneinfo import ZoneInfo

import psycopg

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from .. import errors
from ..errors import Problem
from ..governance.roles import CURATORS, OVERSIGHT, ORGANISATION_ROLES, PROVIDER_ADMIN
from . import messages, present, sessions

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets")

ROLE_NAMES = {"anonymous": "nicht angemeldet", "provider_admin": "Datenbereitsteller",
              "consumer_admin": "Datennutzer", "routing": "Registerdatennavigation",
              "data_manager": "Datenmanagement (FKS)", "auditor": "Prüfung/Revision",
              "admin": "Administration"}
STATUS_NAMES = {"active": "aktiv", "pending": "wartet auf Prüfung", "retired": "außer Kraft",
                "rejected": "abgelehnt", "suspended": "gesperrt", "withdrawn": "zurückgezogen",
                "approved": "freigegeben", "deactivated": "deaktiviert", "current": "aktuell",
                "superseded": "ersetzt"}

ACTION_NAMES = {"create": "angelegt", "update": "geändert", "retire": "außer Kraft gesetzt",
                "propose-create": "vorgeschlagen", "propose-update": "Änderung vorgeschlagen",
                "propose-retire": "Außerkraftsetzung beantragt", "approve": "freigegeben",
                "reject": "abgelehnt", "submit": "eingereicht", "withdraw": "zurückgezogen",
                "resubmit": "erneut eingereicht"}
BERLIN = ZoneInfo("Europe/Berlin")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
log = logging.getLogger(__name__)


@blp.before_request
def _visitor():
    sessions.load_visitor()


@blp.after_request
def _cookies(response):
    return sessions.set_cookies(response)


@blp.app_template_filter("status")
def _status_name(status):
    return STATUS_NAMES.get(status, status)


@blp.app_template_filter("date_de")
def _date_de(value):
    """2026-11-29 -> 29.11.2026 (dates and timestamps; None stays empty)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = value[:10]
        year, month, day = value.split("-")
        return f"{day}.{month}.{year}"
    return value.strftime("%d.%m.%Y")


@blp.app_template_filter("value_de")
def _value_de(value):
    """A field value for people: ISO dates as 29.11.2026, lists joined, texts in German."""
    if hasattr(value, "strftime") or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return _date_de(value)
    return present.text_of(value)


@blp.app_template_filter("number_de")
def _number_de(value):
    """10952 -> 10.952"""
    return f"{value:,}".replace(",", ".")


@blp.app_template_filter("when")
def _when(value):
    """A timestamp as Berlin wall-clock time, e.g. 29.11.2026 14:05."""
    if not value:
        return ""
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


@blp.app_template_filter("action_de")
def _action_name(action):
    """'offer.propose-update' -> 'Änderung vorgeschlagen' (audit actions, for people)."""
    verb = action.split(".", 1)[-1]
    return ACTION_NAMES.get(verb, ACTION_NAMES.get(verb.split("-", 1)[0], action))


@blp.app_context_processor
def _page_context():
    actor = g.get("actor")
    role = actor.role if actor else "anonymous"
    return {"csrf_token": sessions.csrf_token, "csrf_field": sessions.CSRF_FIELD,
            "me": g.get("web_user"), "role": role, "role_name": ROLE_NAMES.get(role, role),
            "is_curator": role in CURATORS, "is_overseer": role in OVERSIGHT,
            "is_provider": role == PROVIDER_ADMIN,
            "is_org_admin": role in ORGANISATION_ROLES}


@blp.errorhandler(Problem)
def _problem_page(problem):
    """The API's problems, as a German page with the same status code."""
    status = problem.status
    if status == 401 and request.method == "GET":
        return redirect(url_for("web.sign_in", weiter=request.full_path.rstrip("?")), 303)
    headers = {k: v for k, v in problem.headers.items() if k in ("Retry-After",)}
    return render_template("web/error.html", status=status,
                           message=messages.german_problem(problem)), status, headers


@blp.errorhandler(HTTPException)
def _http_error_page(error):
    if error.code is None or error.code < 400:
        return error
    message = {404: "Diese Seite gibt es nicht.",
               405: "Diese Seite nimmt so keine Eingaben an."}.get(error.code,
                                                                  "Das hat nicht geklappt.")
    return render_template("web/error.html", status=error.code, message=message), error.code


@blp.app_errorhandler(404)
def _unknown_address(error):
    """A mistyped address in a browser gets a German page; API clients keep problem+json."""
    wants_html = request.accept_mimetypes.best_match(
        ["application/json", "text/html"]) == "text/html"
    if wants_html and not request.path.startswith(("/api/", "/id/")):
        return render_template("web/error.html", status=404,
                               message="Diese Seite gibt es nicht."), 404
    return errors.handle_http_exception(error)


@blp.errorhandler(Exception)
def _failure_page(error):
    """What the API answers as a 500 or 503 problem, as a German page (logged the same way)."""
    if isinstance(error, psycopg.OperationalError):
        log.error("database unavailable: %s", type(error).__name__)
        return render_template("web/error.html", status=503, message=(
            "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch "
            "einmal.")), 503, {"Retry-After": "5"}
    log.exception("unhandled error")
    return render_template("web/error.html", status=500, message=(
        "Ein unerwarteter Fehler ist aufgetreten. Bitte nennen Sie bei Rückfragen die "
        "Vorgangsnummer.")), 500


@blp.errorhandler(sessions.CsrfRejected)
def _csrf_page(_):
    return render_template("web/error.html", status=403, message=(
        "Das Formular war veraltet oder kam nicht von dieser Seite. Bitte laden Sie die "
        "Seite neu und senden Sie es noch einmal.")), 403


from . import curation, review, routes, selfservice  # noqa: E402,F401  (routes register on blp)
