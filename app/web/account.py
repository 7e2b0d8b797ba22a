"""An authority's account: its users and API tokens (shown once)."""

from flask import g, redirect, render_template, request, url_for

from ..access.auth import current_actor, ensure_role
from ..access.policy import (
    acts_as_owner,
    manages_a_team,
    manages_every_user,
    may_issue_own_tokens,
)
from ..access.roles import ADMIN, CONSUMER_ADMIN, ORGANISATION_ROLES, PROVIDER_ADMIN, ROLES
from ..catalog.offers import offers
from ..catalog.permissions import permissions
from ..db.pool import get_conn
from ..governance import users
from ..governance.schemas import TokenCreateSchema, UserCreateSchema
from ..http.errors import Problem, Unauthorized
from . import forms
from .blueprint import blp
from .filters import ROLE_NAMES

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
    if manages_a_team(actor):
        rows, _ = users.list_users(conn, actor, window)
        team = [users.user_document(r) for r in rows]
    token_rows, _ = users.list_tokens(conn, actor, window)
    own_offers = own_permissions = None
    if acts_as_owner(actor, PROVIDER_ADMIN):
        own_offers, _ = offers.list(conn, actor, {"provider": actor.organisation_code},
                                    window)
    if acts_as_owner(actor, CONSUMER_ADMIN):
        own_permissions, _ = permissions.list(conn, actor, {}, window)
    return render_template("web/account.html", team=team, roles=[
                               (r, ROLE_NAMES[r]) for r in ROLES],
                           tokens=[users.token_document(r) for r in token_rows],
                           own_offers=own_offers, own_permissions=own_permissions,
                           user_form=user_form or forms.Form(),
                           token_form=token_form or forms.Form({"expires_days": "90"}),
                           new_token=new_token,
                           may_issue_tokens=may_issue_own_tokens(actor)), status


@blp.route("/konto/nutzer", methods=["POST"])
def add_user():
    actor = ensure_role(ADMIN, *ORGANISATION_ROLES)
    form = forms.from_request(request)
    payload = {"email": form.get("email"), "name": forms.blank_to_none(form.get("name")),
               "role": actor.role, "password": request.form.get("password", "")}
    if manages_every_user(actor):
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
    actor = ensure_role(ADMIN, *ORGANISATION_ROLES)
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
