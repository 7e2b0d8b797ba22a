"""Self-service registration: an authority registers itself and its first user, follows the
status with the claim secret it got once, may withdraw or, after a rejection, resubmit; a
data manager approves (activating organisation and user) or rejects with a reason."""
import hmac

from ..catalog.organisations import organisations, slug_from_name
from ..catalog import queries as catalog_queries
from ..errors import Conflict, NotFound, Unauthorized, ValidationFailed, param_error
from . import audit, queries
from .auth import Actor
from .secrets import hash_password, new_claim_secret, new_code, sha256

CLAIM_HEADER = "X-Claim-Secret"


def registration_document(row, organisation_row=None):
    doc = {"code": row["code"], "status": row["status"], "reason": row["reason"],
           "organisation": row["organisation_code"], "role": row["user_role"],
           "user": {"email": row["user_email"], "name": row["user_name"]},
           "decided_at": row["decided_at"], "version": row["version"],
           "created_at": row["created_at"], "updated_at": row["updated_at"]}
    if organisation_row is not None:
        doc["organisation_details"] = organisations.document(
            organisation_row, Actor(role="admin"))
    return doc


def _registrant(email):
    return Actor(role="anonymous", email=f"registrant:{email}")


def _organisation_values(conn, data, current=None):
    seat = data.get("seat_ags")
    if seat and not catalog_queries.existing_area_keys(conn, [seat]):
        raise ValidationFailed(f"organisation.seat_ags: unknown municipality '{seat}'",
                               errors=[param_error("organisation.seat_ags", "body",
                                                   "unknown municipality")])
    code = current["code"] if current else (data.get("code")
                                            or slug_from_name(conn, data["name"]))
    return {"code": code, "name": data["name"], "abbreviation": data.get("abbreviation"),
            "kind": data["kind"], "seat_ags": seat, "contact": data.get("contact"),
            "dvdv_key": data.get("dvdv_key"), "status": "pending", "illustrative": False}


def submit(conn, data):
    """Returns (registration row, claim secret); the secret is never shown again."""
    email = data["user"]["email"].lower()
    secret = new_claim_secret()
    with audit.write_transaction(conn):
        if queries.get_user(conn, email=email):
            raise Conflict(f"a user with e-mail {email} exists already")
        org = _organisation_values(conn, data["organisation"])
        if catalog_queries.code_exists(conn, "organisation", org["code"]):
            raise Conflict(f"organisation code '{org['code']}' is taken")
        organisation_id = catalog_queries.insert_organisation(conn, org)
        user_id = queries.insert_user(
            conn, code=new_code("user"), email=email, name=data["user"].get("name"),
            role=data["role"], organisation_id=organisation_id, status="pending",
            password_hash=hash_password(data["user"]["password"]))
        code = new_code("reg")
        queries.insert_registration(conn, code=code, claim_secret_hash=sha256(secret),
                                    organisation_id=organisation_id, user_id=user_id)
        row = queries.get_registration(conn, code)
        audit.record(conn, _registrant(email), "registration.submit", "registrations", code,
                     version=row["version"], after=registration_document(row))
    return row, secret


def get(conn, code, *, actor, claim_secret=None):
    """Data managers, admins and auditors see every registration; the registrant with the
    claim secret sees its own."""
    row = queries.get_registration(conn, code)
    if actor.role in ("data_manager", "admin", "auditor"):
        if row is None:
            raise NotFound("registration", code)
        return row
    if not claim_secret:
        raise Unauthorized(f"send the claim secret in the {CLAIM_HEADER} header")
    if row is None or not hmac.compare_digest(row["claim_secret_hash"], sha256(claim_secret)):
        # Unknown code and wrong secret look the same: codes cannot be probed.
        raise Unauthorized("unknown registration or wrong claim secret")
    return row


def _locked(conn, code, claim_secret):
    get(conn, code, actor=Actor(role="anonymous"), claim_secret=claim_secret)
    return queries.get_registration(conn, code, for_update=True)


def withdraw(conn, code, claim_secret):
    with audit.write_transaction(conn):
        row = _locked(conn, code, claim_secret)
        if row["status"] not in ("pending", "rejected"):
            raise Conflict(f"registration {code} is {row['status']}")
        before = registration_document(row)
        queries.set_registration_status(conn, row["id"], "withdrawn")
        catalog_queries.set_status(conn, "organisation", row["organisation_id"], "retired")
        queries.set_user_status(conn, row["user_id"], "deactivated")
        row = queries.get_registration(conn, code)
        audit.record(conn, _registrant(row["user_email"]), "registration.withdraw",
                     "registrations", code, version=row["version"], before=before,
                     after=registration_document(row))
    return row


def resubmit(conn, code, claim_secret, data):
    with audit.write_transaction(conn):
        row = _locked(conn, code, claim_secret)
        if row["status"] != "rejected":
            raise Conflict(f"only a rejected registration can be resubmitted; {code} is "
                           f"{row['status']}")
        before = registration_document(row)
        current_org = catalog_queries.get_organisation(conn, row["organisation_code"])
        org = _organisation_values(conn, data["organisation"], current=current_org)
        catalog_queries.update_organisation(conn, row["organisation_id"], org)
        email = data["user"]["email"].lower()
        other = queries.get_user(conn, email=email)
        if other and other["id"] != row["user_id"]:
            raise Conflict(f"a user with e-mail {email} exists already")
        queries.update_user_registration_data(
            conn, row["user_id"], email=email, name=data["user"].get("name"),
            password_hash=hash_password(data["user"]["password"]))
        queries.set_registration_status(conn, row["id"], "pending")
        row = queries.get_registration(conn, code)
        audit.record(conn, _registrant(email), "registration.resubmit", "registrations", code,
                     version=row["version"], before=before, after=registration_document(row))
    return row


def decide(conn, actor, code, *, approve, reason=None):
    with audit.write_transaction(conn):
        row = queries.get_registration(conn, code, for_update=True)
        if row is None:
            raise NotFound("registration", code)
        if row["status"] != "pending":
            raise Conflict(f"registration {code} is {row['status']}, not pending")
        before = registration_document(row)
        if approve:
            queries.set_registration_status(conn, row["id"], "approved",
                                            decided_by=actor.user_id, reason=reason)
            catalog_queries.set_status(conn, "organisation", row["organisation_id"], "active")
            queries.set_user_status(conn, row["user_id"], "active")
        else:
            queries.set_registration_status(conn, row["id"], "rejected",
                                            decided_by=actor.user_id, reason=reason)
        row = queries.get_registration(conn, code)
        audit.record(conn, actor, f"registration.{'approve' if approve else 'reject'}",
                     "registrations", code, version=row["version"], before=before,
                     after=registration_document(row), reason=reason)
    return row
