"""Signing in and out of the web pages (e-mail and password, with the same throttle as the
API; or through IAM-B, iam_signin.py, where it is configured)."""
from flask import current_app, redirect, render_template, request, url_for

from ..db.pool import get_conn
from ..governance import users
from ..http.conventions import client_address
from ..http.errors import Problem
from . import forms, iam_signin, sessions
from .blueprint import blp
from .navigation import safe_next

# --- sign-in --------------------------------------------------------------------------------

@blp.route("/anmelden", methods=["GET", "POST"])
def sign_in():
    form = forms.from_request(request) if request.method == "POST" else forms.Form(
        {"weiter": request.args.get("weiter", "")})
    status, headers = 200, {}
    passwords = not current_app.config["IAM_WEB_ONLY"] or not iam_signin.iam_sign_in_offered()
    if request.method == "POST" and not passwords:
        return render_template("web/error.html", status=403, message=(
            "Die Anmeldung mit Passwort ist hier abgeschaltet. Bitte mit IAM-B anmelden.")), 403
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
                return redirect(safe_next(form.get("weiter")) or url_for("web.account"),
                                303)
    form.values.pop("password", None)  # a password is never sent back
    return render_template("web/sign_in.html", form=form, passwords=passwords,
                           iam=iam_signin.iam_sign_in_offered()), status, headers


@blp.route("/abmelden", methods=["POST"])
def sign_out():
    provider_logout = iam_signin.logout_url()  # asked before the session ends
    sessions.end()
    return redirect(provider_logout or url_for("web.home"), 303)


# --- self-service registration ---------------------------------------------------------------
