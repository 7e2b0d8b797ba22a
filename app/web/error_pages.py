"""Failures as German pages: the API's problems keep their status, a mistyped address is
a German 404 (API clients keep problem+json), an unexpected error a 500 page with the request
id, an unreachable database a 503 with Retry-After."""
import logging

import psycopg
from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..http import errors
from ..http.errors import Problem
from . import messages, sessions
from .blueprint import blp

log = logging.getLogger(__name__)


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
