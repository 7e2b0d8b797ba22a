"""Signing in and out of the web pages (e-mail and password; the same throttle as
the API)."""

from flask import redirect, render_template, request, url_for

from ..db import get_conn
from ..errors import Problem
from ..governance import users
from . import forms, sessions
from .blueprint import blp


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
