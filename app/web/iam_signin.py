"""Signing in to the web pages with IAM-B: OpenID Connect authorization code flow with PKCE
(S256), `state` and `nonce`, the ID token verified as access tokens are (access/iam.py), and
RP-initiated logout where the provider offers it.

What the flow must remember between the two legs (state, nonce, PKCE verifier, where to go
afterwards) lives in a cookie of this browser only (base64url JSON; HttpOnly, SameSite=Lax,
ten minutes, path /anmelden/iam): no server state, so any worker can take the provider's
answer. The callback is a GET from the provider, which Lax cookies accompany."""
import base64
import hashlib
import hmac
import json
import logging
import secrets
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, g, redirect, render_template, request, url_for

from ..access.iam_keys import KeysUnavailable, post_form
from ..db.pool import get_conn
from ..http.errors import Forbidden, ServiceUnavailable, Unauthorized
from . import sessions
from .blueprint import blp
from .navigation import safe_next

log = logging.getLogger(__name__)
FLOW_COOKIE = "regmap_iam_flow"
FLOW_SECONDS = 600


def iam_sign_in_offered():
    """Is "Mit IAM-B anmelden" offered (templates ask)?"""
    return bool(current_app.extensions.get("regmap.iam")
                and current_app.config["IAM_WEB_CLIENT_ID"])


def _iam():
    if not iam_sign_in_offered():
        abort(404)
    return current_app.extensions["regmap.iam"]


def _configuration(iam):
    try:
        return iam.keys.configuration()
    except KeysUnavailable as exc:
        raise ServiceUnavailable("IAM-B ist gerade nicht erreichbar", retry_after=30) from exc


@blp.route("/anmelden/iam")
def iam_sign_in():
    iam = _iam()
    metadata = _configuration(iam)
    flow = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
            "verifier": secrets.token_urlsafe(48),
            "next": safe_next(request.args.get("weiter", "")) or ""}
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(flow["verifier"].encode()).digest()).rstrip(b"=").decode()
    query = urlencode({
        "response_type": "code", "client_id": current_app.config["IAM_WEB_CLIENT_ID"],
        "redirect_uri": _callback_url(), "scope": current_app.config["IAM_WEB_SCOPES"],
        "state": flow["state"], "nonce": flow["nonce"], "code_challenge": challenge,
        "code_challenge_method": "S256"})
    g.iam_flow = base64.urlsafe_b64encode(json.dumps(flow).encode()).decode()
    return redirect(f"{metadata['authorization_endpoint']}?{query}", 303)


@blp.route("/anmelden/iam/zurueck")
def iam_callback():
    iam = _iam()
    g.iam_flow = ""  # one answer per flow: the cookie goes, whatever happens next
    flow = _flow()
    if request.args.get("error"):
        return _refused(401, "Die Anmeldung bei IAM-B wurde abgebrochen oder abgelehnt "
                             f"({request.args.get('error')[:100]}).")
    state = request.args.get("state", "")
    if flow is None or not hmac.compare_digest(state.encode(), flow["state"].encode()):
        return _refused(400, "Diese Anmeldung ist abgelaufen oder gehört nicht zu diesem "
                             "Browser. Bitte melden Sie sich noch einmal an.")
    config = current_app.config
    try:
        answer = post_form(_configuration(iam)["token_endpoint"], {
            "grant_type": "authorization_code", "code": request.args.get("code", ""),
            "redirect_uri": _callback_url(), "code_verifier": flow["verifier"]},
            config["IAM_WEB_CLIENT_ID"], config["IAM_WEB_CLIENT_SECRET"])
    except (OSError, ValueError) as exc:
        log.warning("IAM-B token request failed: %s", type(exc).__name__)
        raise ServiceUnavailable("IAM-B ist gerade nicht erreichbar", retry_after=30) from exc
    if not isinstance(answer.get("id_token"), str):
        log.warning("IAM-B token request refused: %s", str(answer.get("error"))[:100])
        return _refused(401, "IAM-B hat die Anmeldung nicht bestätigt. Bitte melden Sie sich "
                             "noch einmal an.")
    try:
        claims = iam.verify_id_token(answer["id_token"], config["IAM_WEB_CLIENT_ID"],
                                     flow["nonce"])
        # A person, not a machine client: named as issuer and subject, as the session
        # names them afterwards (sessions.load_visitor).
        claims.pop("client_id", None)
        actor = iam.actor(get_conn(), claims)
    except Unauthorized:
        return _refused(401, "Die Anmeldebestätigung von IAM-B war nicht gültig. Bitte melden "
                             "Sie sich noch einmal an.")
    except Forbidden as refusal:
        return _refused(403, "Ihr Konto bei IAM-B ist bekannt, hat aber keine Rolle in "
                             "regmap, die diese Seiten öffnet (" + refusal.detail + "). "
                             "Wenden Sie sich an die Administration Ihrer Behörde.")
    sessions.start(actor)
    return redirect(safe_next(flow["next"]) or url_for("web.account"), 303)


def logout_url():
    """Where sign-out sends a browser signed in through IAM-B: the provider's end-session
    endpoint (RP-initiated logout, with our client id) when it offers one, else None."""
    if not iam_sign_in_offered() or not (g.get("web_user") or {}).get("iam_subject"):
        return None
    try:
        endpoint = current_app.extensions["regmap.iam"].keys.configuration().get(
            "end_session_endpoint")
    except KeysUnavailable:
        endpoint = None  # the provider is away: signed out here, not there
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("https", "http"):
        return None
    return endpoint + "?" + urlencode({
        "client_id": current_app.config["IAM_WEB_CLIENT_ID"],
        "post_logout_redirect_uri": url_for("web.home", _external=True)})


def _callback_url():
    # The provider accepts only the redirect URIs registered for the client, so a forged
    # Host header cannot send a code elsewhere.
    return url_for("web.iam_callback", _external=True)


def _flow():
    raw = request.cookies.get(FLOW_COOKIE, "")
    try:
        flow = json.loads(base64.urlsafe_b64decode(raw.encode("ascii"))) if raw else None
    except ValueError:  # also binascii.Error and a non-ASCII cookie
        return None
    if not isinstance(flow, dict) or not all(
            isinstance(flow.get(k), str) for k in ("state", "nonce", "verifier", "next")):
        return None
    return flow


def _refused(status, message):
    return render_template("web/error.html", status=status, message=message), status


@blp.after_request
def _flow_cookie(response):
    if g.get("iam_flow"):
        response.set_cookie(FLOW_COOKIE, g.iam_flow, max_age=FLOW_SECONDS,
                            **sessions.cookie_options(path="/anmelden/iam"))
    elif g.get("iam_flow") == "":
        response.delete_cookie(FLOW_COOKIE, **sessions.cookie_options(path="/anmelden/iam"))
    return response
