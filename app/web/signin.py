"""Signing in and out of the web pages (e-mail and password; the same throttle as
the API)."""
import unicodedata

from flask import redirect, render_template, request, url_for

from ..db.pool import get_conn
from ..governance import users
from ..http.conventions import client_address
from ..http.errors import Problem
from . import forms, sessions
from .blueprint import blp


def _safe_next(target):
    """Only paths of this site: no open redirect, nothing that could break the Location
    header. Never "//host" or a backslash (scheme-relative URLs), no whitespace, control or
    format characters anywhere: browsers drop tabs and newlines from a Location, so
    "/<TAB>/evil.example" would become "//evil.example"."""
    if not target or len(target) > 2000 or not target.startswith("/") \
            or target[1:2] in ("/", "\\"):
        return None
    if any(c == "\\" or unicodedata.category(c)[0] in "CZ" for c in target):
        return None
    return target


# --- sign-in --------------------------------------------------------------------------------

@blp.route("/anmelden", methods=["GET", "POST"])
def sign_in():
    form = forms.from_request(request) if request.method == "POST" else forms.Form(
        {"weiter": request.args.get("weiter", "")})
    status, headers = 200, {}
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
                                            request.form.get("password", ""),
                                            client_address())
            except Problem as problem:
                forms.refused(form, problem, {})
                status = problem.status
                # A throttled sign-in says when to try again, as the API does.
                headers = {k: v for k, v in problem.headers.items() if k == "Retry-After"}
            else:
                sessions.start(users.actor_of(user))
                return redirect(_safe_next(form.get("weiter")) or url_for("web.account"),
                                303)
    form.values.pop("password", None)  # a password is never sent back
    return render_template("web/sign_in.html", form=form), status, headers


@blp.route("/abmelden", methods=["POST"])
def sign_out():
    sessions.end()
    return redirect(url_for("web.home"), 303)


# --- self-service registration ---------------------------------------------------------------
