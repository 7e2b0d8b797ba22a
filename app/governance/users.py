"""Users and their API tokens. Tokens act as their user, are shown once, stored as SHA-256,
expire and can be revoked."""
import functools
from datetime import datetime, timedelta, timezone

import marshmallow as ma

from ..access import queries as access_queries
from ..access.actor import Actor
from ..access.policy import (
    manages_a_team,
    manages_every_user,
    manages_users_of,
    may_add_user_with_role,
    may_issue_own_tokens,
)
from ..access.roles import acts_for_an_organisation
from ..access.secrets import hash_password, new_token, password_matches, sha256
from ..catalog.queries import common as catalog_queries
from ..http.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
    param_error,
)
from ..record import audit
from ..values.identifiers import new_code
from . import queries, throttle
from .schemas import PASSWORD_LENGTH


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    return hash_password("not a password of anyone")

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366


def user_document(row):
    return {k: row[k] for k in ("code", "email", "name", "role", "organisation", "status",
                                "version", "created_at", "updated_at")}


def _may_manage(actor, user_row):
    return manages_users_of(actor, user_row["organisation_id"])


def get_user(conn, actor, code):
    row = queries.get_user(conn, code=code)
    if row is None or not (_may_manage(actor, row) or row["id"] == actor.user_id):
        raise NotFound("user", code)
    return row


def list_users(conn, actor, window):
    org = None if manages_every_user(actor) else actor.organisation_id
    if not manages_every_user(actor) and org is None:
        raise Forbidden("only admins and organisation admins list users")
    return queries.list_users(conn, organisation_id=org, **window)


def create_user(conn, actor, data):
    """Admins create any user; organisation admins a second user of their own kind."""
    role = data["role"]
    if manages_every_user(actor):
        organisation_code = data.get("organisation")
    else:
        if not may_add_user_with_role(actor, role) or data.get("organisation") not in (None,
                                                                  actor.organisation_code):
            raise Forbidden(f"you may add {actor.role} users of {actor.organisation_code} only")
        organisation_code = actor.organisation_code
    with audit.write_transaction(conn):
        organisation_id = None
        if acts_for_an_organisation(role):
            if not organisation_code:
                raise ValidationFailed("organisation: required for this role", errors=[
                    param_error("organisation", "body", f"required for {role}")])
            organisation_id = catalog_queries.ids_by_code(
                conn, "organisation", [organisation_code]).get(organisation_code)
            if organisation_id is None:
                raise ValidationFailed(f"organisation: unknown code '{organisation_code}'",
                                       errors=[param_error("organisation", "body",
                                                           "unknown code")])
        elif organisation_code:
            raise ValidationFailed(f"organisation: not for role {role}", errors=[
                param_error("organisation", "body", f"{role} acts for no organisation")])
        email = data["email"].lower()
        if queries.get_user(conn, email=email):
            raise Conflict(f"a user with e-mail {email} exists already")
        password = data.get("password")
        queries.insert_user(conn, code=new_code("user"), email=email, name=data.get("name"),
                            role=role, organisation_id=organisation_id, status="active",
                            password_hash=hash_password(password) if password else None)
        row = queries.get_user(conn, email=email)
        audit.record(conn, actor, "user.create", "users", row["code"], version=row["version"],
                     after=user_document(row))
    return row


def deactivate_user(conn, actor, code):
    with audit.write_transaction(conn):
        row = queries.get_user(conn, code=code, for_update=True)
        if row is None or not (_may_manage(actor, row) or row["id"] == actor.user_id):
            raise NotFound("user", code)
        if row["status"] == "deactivated":
            raise Conflict(f"user {code} is deactivated already")
        before = user_document(row)
        queries.set_user_status(conn, row["id"], "deactivated")
        queries.revoke_tokens_of_user(conn, row["id"])
        queries.end_web_sessions(conn, row["id"])
        row = queries.get_user(conn, code=code)
        audit.record(conn, actor, "user.deactivate", "users", code, version=row["version"],
                     before=before, after=user_document(row))
    return row


def set_password(conn, actor, user_row, password):
    """A new web sign-in password (argon2); every browser session of the user ends."""
    try:
        PASSWORD_LENGTH(password)
    except ma.ValidationError as error:
        raise ValidationFailed("password: 12 to 200 characters", errors=[
            param_error("password", "body", error.messages[0])]) from None
    with audit.write_transaction(conn):
        queries.set_password_hash(conn, user_row["id"], hash_password(password))
        queries.end_web_sessions(conn, user_row["id"])
        row = queries.get_user(conn, code=user_row["code"])
        # The audit says that it changed, never what it is.
        audit.record(conn, actor, "user.set-password", "users", row["code"],
                     version=row["version"])
    return row


# --- tokens -------------------------------------------------------------------------------

def token_document(row):
    now = datetime.now(timezone.utc)
    return {"code": row["code"], "name": row["name"], "user": row["user_code"],
            "created_at": row["created_at"], "expires_at": row["expires_at"],
            "revoked_at": row["revoked_at"], "environment": row["environment"],
            "active": row["revoked_at"] is None and row["expires_at"] > now}


def issue_token(conn, actor, user_row, *, name=None, expires_days=DEFAULT_TOKEN_DAYS,
                environment=None):
    """A new token for `user_row`; the only time the token itself is ever returned."""
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValidationFailed("expires_days: between 1 and 366", errors=[
            param_error("expires_days", "body", f"between 1 and {MAX_TOKEN_DAYS}")])
    token = new_token()
    code = new_code("tok")
    with audit.write_transaction(conn):
        queries.insert_token(conn, code=code, user_id=user_row["id"], name=name,
                             token_hash=sha256(token),
                             expires_at=datetime.now(timezone.utc) + timedelta(expires_days),
                             created_by=actor.user_id, environment=environment)
        row = queries.get_token(conn, code)
        audit.record(conn, actor, "token.create", "tokens", code, after=token_document(row))
    return {**token_document(row), "token": token}


def create_token(conn, actor, data):
    user_code = data.get("user")
    user = queries.get_user(conn, code=user_code) if user_code else \
        queries.get_user(conn, code=actor.user_code)
    if user is None or not (user["id"] == actor.user_id or _may_manage(actor, user)):
        raise NotFound("user", user_code)
    if user["status"] != "active":
        raise Conflict(f"user {user['code']} is {user['status']}")
    if user["id"] == actor.user_id and not may_issue_own_tokens(actor):
        raise Forbidden("an IAM-B identity authenticates with IAM-B access tokens; a regmap "
                        "token would outlive its revocation there")
    return issue_token(conn, actor, user, name=data.get("name"),
                       expires_days=data.get("expires_days", DEFAULT_TOKEN_DAYS),
                       environment=data.get("environment"))


def list_tokens(conn, actor, window):
    if manages_every_user(actor):
        return queries.list_tokens(conn, **window)
    if manages_a_team(actor):
        return queries.list_tokens(conn, organisation_id=actor.organisation_id, **window)
    return queries.list_tokens(conn, user_id=actor.user_id, **window)


def revoke_token(conn, actor, code):
    with audit.write_transaction(conn):
        row = queries.get_token(conn, code, for_update=True)
        if row is None or not (row["user_id"] == actor.user_id
                               or manages_users_of(actor, row["organisation_id"])):
            raise NotFound("token", code)
        if row["revoked_at"] is not None:
            raise Conflict(f"token {code} is revoked already")
        queries.revoke_token(conn, row["id"])
        row = queries.get_token(conn, code)
        audit.record(conn, actor, "token.revoke", "tokens", code, after=token_document(row))
    return row


def actor_of(user):
    """The Actor a user row acts as."""
    return Actor(role=user["role"], user_id=user["id"], user_code=user["code"],
                 email=user["email"], organisation_id=user["organisation_id"],
                 organisation_code=user["organisation"])


def check_password(conn, email, password, client):
    """The active user (row) with this e-mail and password; 401 otherwise, 429 after too many
    failures for the address from this client (`client`: its address), or from all clients
    (throttle.py). API sign-in and the web pages share this."""
    key = email.lower()
    wait = throttle.sign_in_wait(conn, key, client)
    if wait:
        raise RateLimited("too many failed sign-ins for this address", retry_after=wait)
    user = queries.get_user(conn, email=key)
    stored = queries.password_hash_of(conn, user["id"]) if user else None
    # Verify even for unknown users, so timing does not reveal who has an account.
    matches = password_matches(stored or _dummy_hash(), password)
    if not (user and matches and user["status"] == "active"):
        throttle.sign_in_failed(conn, key, client)
        raise Unauthorized("wrong e-mail or password, or the account is not active yet")
    throttle.sign_in_succeeded(conn, key, client)
    # Said only to whoever knows the password: a token or session would not work anyway.
    if user["organisation_status"] not in (None, "active"):
        raise Forbidden(f"your organisation {user['organisation']} is "
                        f"{user['organisation_status']}; the FKS data managers can tell why")
    return user


def sign_in(conn, email, password, *, client, name=None, expires_days=DEFAULT_TOKEN_DAYS):
    """E-mail and password for a token (API clients of registered authorities)."""
    user = check_password(conn, email, password, client)
    return issue_token(conn, actor_of(user), user, name=name or "sign-in",
                       expires_days=expires_days)


def ensure_user_with_role(conn, actor, *, email, role, organisation_code=None):
    """For `regmap token create`: the user with this e-mail, created if missing. A user who
    exists with another role or organisation is an error, never silently changed."""
    existing = queries.get_user(conn, email=email.lower())
    if existing is None:
        return create_user(conn, actor, {"email": email, "role": role,
                                         "organisation": organisation_code})
    if existing["role"] != role or existing["organisation"] != organisation_code:
        raise Conflict(f"{email} exists with role {existing['role']}"
                       + (f" for {existing['organisation']}" if existing["organisation"]
                          else ""))
    if existing["status"] != "active":
        raise Conflict(f"{email} is {existing['status']}")
    return existing


def provision_iam_subject(conn, claims, role, organisation_id, actor):
    """The local user record of an IAM-B subject (issuer + sub) as its verified token
    describes it: made at its first token, updated (audited) when role, organisation or name
    changed; a deactivated one stays deactivated. `actor` names the subject in the audit."""
    wanted = {"role": role, "organisation_id": organisation_id, "name": _display_name(claims)}
    user = access_queries.iam_user(conn, claims["iss"], claims["sub"])
    if user is not None and all(user[k] == v for k, v in wanted.items()):
        return user
    with audit.write_transaction(conn):
        before = access_queries.iam_user(conn, claims["iss"], claims["sub"], for_update=True)
        user = queries.upsert_iam_user(conn, code=new_code("user"), issuer=claims["iss"],
                                       subject=claims["sub"], **wanted)
        audit.record(conn, actor, "user.iam-provision", "users", user["code"],
                     version=user["version"], before=before and _iam_document(before),
                     after=_iam_document(user))
    return user


def _display_name(claims):
    for name in ("name", "email", "preferred_username", "client_id"):
        if isinstance(claims.get(name), str) and claims[name]:
            return claims[name][:200]
    return None


def _iam_document(user):
    return {k: user[k] for k in ("code", "role", "name", "organisation_id", "status",
                                 "iam_issuer", "iam_subject")}
