"""Self-service registration: an authority registers itself and its first user, follows the
status with the claim secret it got once, may withdraw or, after a rejection, resubmit; a
data manager approves (activating organisation and user) or rejects with a reason."""
import hmac

from ..access.actor import ANONYMOUS_ACTOR, FULL_VIEW, registrant
from ..access.policy import sees_every_status
from ..access.secrets import hash_password, new_claim_secret, sha256
from ..catalog import kinds
from ..catalog.organisations import organisations
from ..http.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationFailed
from ..record import audit
from ..review import proposals
from ..values.identifiers import new_code
from . import queries, throttle

CLAIM_HEADER = "X-Claim-Secret"


def registration_document(row, organisation_row=None, *, with_conflicts=False):
    """`with_conflicts`: for the data managers (policy.sees_every_status), who review them;
    the applicant never learns from the answer that an e-mail or code exists."""
    applicant = row["applicant"]
    doc = {"code": row["code"], "status": row["status"], "reason": row["reason"],
           "organisation": row["organisation_code"],
           "role": applicant["role"] if applicant else row["user_role"],
           "user": {"email": row["user_email"],
                    "name": applicant["name"] if applicant else row["user_name"]},
           "decided_at": row["decided_at"], "version": row["version"],
           "created_at": row["created_at"], "updated_at": row["updated_at"]}
    if organisation_row is not None:
        doc["organisation_details"] = organisations.document(organisation_row, FULL_VIEW)
    if with_conflicts:
        doc["conflicts"] = row["conflicts"]
    return doc


EMAIL_IN_USE = "user.email"


def _email_in_use(row):
    return any(c["name"] == EMAIL_IN_USE for c in row["conflicts"])


def _organisation_body(data):
    """The registered organisation as a body of the organisations collection: it is created,
    corrected and activated through that collection, so it has a full history."""
    body = {k: v for k, v in data.items() if k != "kind_other"}
    if "kind" in data:
        body["kind"] = kinds.registered_kind(data["kind"], data.get("kind_other") or "")
    return {**body, "status": "pending", "illustrative": False}


def _as_part_of_registration(problem):
    """The organisations collection names its own fields; here they sit under
    `organisation.`."""
    errors = [{**e, "name": f"organisation.{e['name']}"} for e in problem.errors]
    return ValidationFailed("; ".join(f"{e['name']}: {e['detail']}" for e in errors),
                            errors=errors)


def submit(conn, data, client):
    """Returns (registration row, claim secret); the secret is never shown again.

    The answer is the same whether or not the e-mail or the organisation code exists (they
    cannot be probed): such a registration is accepted and flagged (`conflicts`) for the data
    managers, who reject it with a reason the claim-secret holder reads. An existing account
    is never touched by it: no password, name or role of the applicant is written to it."""
    email = data["user"]["email"].lower()
    secret = new_claim_secret()
    conflicts, organisation_data = [], dict(data["organisation"])
    wait = throttle.registration_wait(conn, client)
    if wait:
        raise RateLimited("too many registrations from this client address; try again later",
                          retry_after=wait)
    with audit.write_transaction(conn):
        throttle.registered(conn, client)
        existing = queries.get_user(conn, email=email)
        if existing:
            conflicts.append({"name": EMAIL_IN_USE, "detail": f"an account with {email} "
                              f"exists already ({existing['code']})"})
        wanted = organisation_data.get("code")
        if wanted and organisations.load(conn, wanted) is not None:
            conflicts.append({"name": "organisation.code", "detail": f"the organisation "
                              f"code '{wanted}' is taken; registered under another"})
            organisation_data.pop("code")
        try:
            organisation = organisations.submit(conn, registrant(email),
                                                _organisation_body(organisation_data))
        except ValidationFailed as problem:
            raise _as_part_of_registration(problem) from None
        organisation_id = organisation["id"]
        if existing:
            user_id = existing["id"]
            applicant = {"name": data["user"].get("name"), "role": data["role"]}
        else:
            applicant = None
            user_id = queries.insert_user(
                conn, code=new_code("user"), email=email, name=data["user"].get("name"),
                role=data["role"], organisation_id=organisation_id, status="pending",
                password_hash=hash_password(data["user"]["password"]))
        code = new_code("reg")
        queries.insert_registration(conn, code=code, claim_secret_hash=sha256(secret),
                                    organisation_id=organisation_id, user_id=user_id,
                                    conflicts=conflicts, applicant=applicant)
        row = queries.get_registration(conn, code)
        # Reviewed like every proposal: a data manager decides, never the registrant.
        proposals.propose(conn, registrant(email, user_id), proposals.REGISTRATIONS,
                          row["id"], proposals.CREATE, base_version=row["version"])
        audit.record(conn, registrant(email), "registration.submit", "registrations", code,
                     version=row["version"], after=registration_document(row, with_conflicts=True))
    return row, secret


def get(conn, code, *, actor, claim_secret=None):
    """Data managers, admins and auditors see every registration; the registrant with the
    claim secret sees its own."""
    row = queries.get_registration(conn, code)
    if sees_every_status(actor):
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
    get(conn, code, actor=ANONYMOUS_ACTOR, claim_secret=claim_secret)
    return queries.get_registration(conn, code, for_update=True)


def withdraw(conn, code, claim_secret):
    with audit.write_transaction(conn):
        row = _locked(conn, code, claim_secret)
        if row["status"] not in ("pending", "rejected"):
            raise Conflict(f"registration {code} is {row['status']}")
        before = registration_document(row)
        queries.set_registration_status(conn, row["id"], "withdrawn")
        proposals.close(conn, registrant(row["user_email"], row["user_id"]),
                        proposals.REGISTRATIONS, row["id"])
        organisations.withdraw(conn, registrant(row["user_email"]), row["organisation_code"],
                               None)
        if not _email_in_use(row):  # the account of an e-mail in use is not the applicant's
            queries.set_user_status(conn, row["user_id"], "deactivated")
        row = queries.get_registration(conn, code)
        audit.record(conn, registrant(row["user_email"]), "registration.withdraw",
                     "registrations", code, version=row["version"], before=before,
                     after=registration_document(row))
    return row


def resubmit(conn, code, claim_secret, data):
    with audit.write_transaction(conn):
        row = _locked(conn, code, claim_secret)
        if row["status"] != "rejected":
            raise Conflict(f"only a rejected registration can be resubmitted; {code} is "
                           f"{row['status']}")
        if _email_in_use(row):
            raise Conflict(f"registration {code} names the e-mail of an existing account "
                           "and cannot be resubmitted; register again with another e-mail")
        before = registration_document(row)
        # Only what is given changes (the reviewer asked for a correction, not a new form).
        user = data.get("user", {})
        email = user.get("email", row["user_email"]).lower()
        try:
            organisations.change(conn, registrant(email), row["organisation_code"],
                                 _organisation_body(data.get("organisation", {})), None,
                                 partial=True)
        except ValidationFailed as problem:
            raise _as_part_of_registration(problem) from None
        other = queries.get_user(conn, email=email)
        if other and other["id"] != row["user_id"]:
            raise Conflict(f"a user with e-mail {email} exists already")
        queries.update_user_registration_data(
            conn, row["user_id"], email=email, name=user.get("name", row["user_name"]),
            password_hash=hash_password(user["password"]) if "password" in user else None)
        queries.set_registration_status(conn, row["id"], "pending")
        row = queries.get_registration(conn, code)
        proposals.propose(conn, registrant(email, row["user_id"]), proposals.REGISTRATIONS,
                          row["id"], proposals.CREATE, base_version=row["version"])
        audit.record(conn, registrant(email), "registration.resubmit", "registrations", code,
                     version=row["version"], before=before, after=registration_document(row))
    return row


def decide(conn, actor, code, *, approve, reason=None):
    with audit.write_transaction(conn):
        row = queries.get_registration(conn, code, for_update=True)
        if row is None:
            raise NotFound("registration", code)
        if row["status"] != "pending":
            raise Conflict(f"registration {code} is {row['status']}, not pending")
        # A pending registration cannot change (only a rejected one is resubmitted): what
        # the reviewer saw is what is decided, so no version is asked for.
        proposal = proposals.take_for_review(conn, actor, proposals.REGISTRATIONS, row,
                                             f"registration {code}", seen=None)
        proposals.decide(conn, actor, proposal, approve=approve, reason=reason)
        before = registration_document(row, with_conflicts=True)
        if approve and _email_in_use(row):
            raise Conflict(f"registration {code}: its e-mail belongs to an existing account "
                           "(see conflicts); reject it with a reason")
        if approve:
            queries.set_registration_status(conn, row["id"], "approved",
                                            decided_by=actor.user_id, reason=reason)
            organisations.change(conn, actor, row["organisation_code"], {"status": "active"},
                                 None, partial=True)
            queries.set_user_status(conn, row["user_id"], "active")
        else:
            queries.set_registration_status(conn, row["id"], "rejected",
                                            decided_by=actor.user_id, reason=reason)
        row = queries.get_registration(conn, code)
        audit.record(conn, actor, f"registration.{'approve' if approve else 'reject'}",
                     "registrations", code, version=row["version"], before=before,
                     after=registration_document(row, with_conflicts=True), reason=reason)
    return row
