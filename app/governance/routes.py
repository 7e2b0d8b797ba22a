"""HTTP for governance: registrations, users, tokens, proposals awaiting review, audit log
and change feed."""
from flask import request, url_for
from flask.views import MethodView

from ..access.auth import current_actor, requires
from ..access.policy import change_entry, history_entry, sees_every_status
from ..access.roles import (
    ADMIN,
    AUDITOR,
    CONSUMER_ADMIN,
    DATA_MANAGER,
    OVERSIGHT,
    PROVIDER_ADMIN,
    ROLES,
    ROUTING,
)
from ..catalog.organisations import organisations
from ..db.pool import get_conn
from ..http.api import Blueprint
from ..http.conventions import client_address, page_of, page_window
from ..record import queries as record_queries
from ..record.replica import read_conn
from ..review import proposals
from . import queries, registrations, users
from .schemas import (
    AuditPageSchema,
    AuditQueryArgsSchema,
    ChangeFeedSchema,
    ChangeQueryArgsSchema,
    DecisionSchema,
    NewTokenSchema,
    PageArgsSchema,
    ProposalPageSchema,
    RegistrationCreateSchema,
    RegistrationPageSchema,
    RegistrationQueryArgsSchema,
    RegistrationResubmitSchema,
    RegistrationSchema,
    RejectionSchema,
    SignInSchema,
    SubmittedRegistrationSchema,
    TokenCreateSchema,
    TokenPageSchema,
    TokenSchema,
    UserCreateSchema,
    UserPageSchema,
    UserSchema,
)

blp = Blueprint("governance", __name__, url_prefix="/api/v1",
                description="Registration, users and tokens, review, audit and change feed")

ANYONE_SIGNED_IN = ROLES
ORGANISATION_ADMINS = (PROVIDER_ADMIN, CONSUMER_ADMIN)


def _claim_secret():
    return request.headers.get(registrations.CLAIM_HEADER)


# --- registrations ------------------------------------------------------------------------

@blp.route("/registrations")
class Registrations(MethodView):
    @requires(DATA_MANAGER, AUDITOR, ADMIN)
    @blp.query(RegistrationQueryArgsSchema)
    @blp.response(200, RegistrationPageSchema)
    @blp.problems(400)
    def get(self, args):
        """List registrations (the data managers' queue: status=pending)"""
        rows, total = queries.list_registrations(get_conn(), status=args.get("status"),
                                                 **page_window(args))
        return page_of([registrations.registration_document(r, with_conflicts=True)
                        for r in rows], total, args)

    @blp.arguments(RegistrationCreateSchema)
    @blp.response(201, SubmittedRegistrationSchema)
    @blp.problems(422, 429)
    def post(self, data):
        """Register an authority and its first user (no token needed)
        ---
        The answer carries the claim secret, shown once: send it as X-Claim-Secret to see
        the status, withdraw or resubmit.
        """
        row, secret = registrations.submit(get_conn(), data, client_address())
        document = {**registrations.registration_document(row), "claim_secret": secret}
        return document, 201, {"Location": url_for("governance.RegistrationByCode",
                                                   code=row["code"])}


@blp.route("/registrations/<code:code>")
class RegistrationByCode(MethodView):
    @blp.response(200, RegistrationSchema)
    @blp.problems(401, 404)
    def get(self, code):
        """A registration's status (registrant: with X-Claim-Secret)"""
        conn, actor = get_conn(), current_actor()
        row = registrations.get(conn, code, actor=actor, claim_secret=_claim_secret())
        org = organisations.load(conn, row["organisation_code"])
        return registrations.registration_document(
            row, org, with_conflicts=sees_every_status(actor))


@blp.route("/registrations/<code:code>/withdraw")
class RegistrationWithdraw(MethodView):
    @blp.response(200, RegistrationSchema)
    @blp.problems(401, 409)
    def post(self, code):
        """Withdraw a registration (registrant, with X-Claim-Secret)"""
        return registrations.registration_document(
            registrations.withdraw(get_conn(), code, _claim_secret()))


@blp.route("/registrations/<code:code>/resubmit")
class RegistrationResubmit(MethodView):
    @blp.arguments(RegistrationResubmitSchema)
    @blp.response(200, RegistrationSchema)
    @blp.problems(401, 409, 422)
    def post(self, data, code):
        """Resubmit a rejected registration with corrections (X-Claim-Secret)
        ---
        Send only what changes: fields left out keep their values, the password stays
        unless a new one is given, and an empty body resubmits as it is.
        """
        return registrations.registration_document(
            registrations.resubmit(get_conn(), code, _claim_secret(), data))


@blp.route("/registrations/<code:code>/approve")
class RegistrationApprove(MethodView):
    @requires(DATA_MANAGER, ADMIN)
    @blp.arguments(DecisionSchema, required=False)
    @blp.response(200, RegistrationSchema)
    @blp.problems(404, 409, 422)
    def post(self, data, code):
        """Approve a registration: the organisation and its user become active"""
        return registrations.registration_document(registrations.decide(
            get_conn(), current_actor(), code, approve=True, reason=data.get("reason")),
            with_conflicts=True)


@blp.route("/registrations/<code:code>/reject")
class RegistrationReject(MethodView):
    @requires(DATA_MANAGER, ADMIN)
    @blp.arguments(RejectionSchema)
    @blp.response(200, RegistrationSchema)
    @blp.problems(404, 409, 422)
    def post(self, data, code):
        """Reject a registration, with a reason the registrant sees"""
        return registrations.registration_document(registrations.decide(
            get_conn(), current_actor(), code, approve=False, reason=data["reason"]),
            with_conflicts=True)


# --- users and tokens ---------------------------------------------------------------------

@blp.route("/users")
class Users(MethodView):
    @requires(ADMIN, *ORGANISATION_ADMINS)
    @blp.query(PageArgsSchema)
    @blp.response(200, UserPageSchema)
    @blp.problems(400)
    def get(self, args):
        """Users of one's own organisation (admins: all users)"""
        rows, total = users.list_users(get_conn(), current_actor(), page_window(args))
        return page_of([users.user_document(r) for r in rows], total, args)

    @requires(ADMIN, *ORGANISATION_ADMINS)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.problems(409, 422)
    def post(self, data):
        """Add a user (organisation admins: a colleague with the same role)"""
        return users.user_document(users.create_user(get_conn(), current_actor(), data)), 201


@blp.route("/users/<code:code>")
class UserByCode(MethodView):
    @requires(*ANYONE_SIGNED_IN)
    @blp.response(200, UserSchema)
    @blp.problems(404)
    def get(self, code):
        """A user (oneself; organisation admins: their users; admins: anyone)"""
        return users.user_document(users.get_user(get_conn(), current_actor(), code))

    @requires(ADMIN, *ORGANISATION_ADMINS)
    @blp.response(200, UserSchema)
    @blp.problems(404, 409)
    def delete(self, code):
        """Deactivate a user and revoke all their tokens"""
        return users.user_document(users.deactivate_user(get_conn(), current_actor(), code))


@blp.route("/tokens")
class Tokens(MethodView):
    @requires(*ANYONE_SIGNED_IN)
    @blp.query(PageArgsSchema)
    @blp.response(200, TokenPageSchema)
    @blp.problems(400)
    def get(self, args):
        """Tokens: one's own (organisation admins: their users'; admins: all)"""
        rows, total = users.list_tokens(get_conn(), current_actor(), page_window(args))
        return page_of([users.token_document(r) for r in rows], total, args)

    @requires(*ANYONE_SIGNED_IN)
    @blp.arguments(TokenCreateSchema, required=False)
    @blp.response(201, NewTokenSchema)
    @blp.problems(404, 409, 422)
    def post(self, data):
        """Create a token (shown once; stored only as a hash)"""
        return users.create_token(get_conn(), current_actor(), data), 201


@blp.route("/sign-in")
class SignIn(MethodView):
    @blp.arguments(SignInSchema)
    @blp.response(201, NewTokenSchema)
    @blp.problems(401, 422, 429)
    def post(self, data):
        """Exchange e-mail and password for an API token (shown once)
        ---
        Failed attempts are throttled per address and client, shared by every worker (429
        with Retry-After).
        """
        return users.sign_in(get_conn(), data["email"], data["password"],
                             client=client_address(), name=data.get("name"),
                             expires_days=data["expires_days"]), 201


@blp.route("/tokens/<code:code>")
class TokenByCode(MethodView):
    @requires(*ANYONE_SIGNED_IN)
    @blp.response(200, TokenSchema)
    @blp.problems(404, 409)
    def delete(self, code):
        """Revoke a token"""
        return users.token_document(users.revoke_token(get_conn(), current_actor(), code))


# --- review, audit, changes ---------------------------------------------------------------

@blp.route("/proposals")
class Proposals(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(PageArgsSchema)
    @blp.response(200, ProposalPageSchema)
    @blp.problems(400)
    def get(self, args):
        """Offers and permissions awaiting review (oldest first)"""
        rows, total = proposals.queue(get_conn(), **page_window(args))
        return page_of([{"collection": r["collection"], "object": r["object_code"],
                         "kind": r["kind"], "proposed_by": r["proposed_by_email"],
                         "proposed_at": r["proposed_at"]} for r in rows], total, args)


@blp.route("/audit")
class Audit(MethodView):
    @requires(AUDITOR, ADMIN)
    @blp.query(AuditQueryArgsSchema)
    @blp.response(200, AuditPageSchema)
    @blp.problems(400)
    def get(self, args):
        """The audit log: who did what to which object, when
        ---
        Oldest first; `order=newest` for the latest entries first. `since` and `until` take
        a day (Europe/Berlin) or a timestamp.
        """
        collection, code = args.get("collection"), args.get("object")
        if code and "/" in code:
            collection, code = code.split("/", 1)
        rows, total = record_queries.list_audit(
            read_conn(), actor=args.get("actor"), collection=collection, object_code=code,
            action=args.get("action"), since=args.get("since"), until=args.get("until"),
            newest_first=args["order"] == "newest", **page_window(args))
        actor = current_actor()
        return page_of([history_entry(r, actor) for r in rows], total, args)


@blp.route("/changes")
class Changes(MethodView):
    @requires(DATA_MANAGER, AUDITOR, ROUTING, ADMIN)
    @blp.query(ChangeQueryArgsSchema)
    @blp.response(200, ChangeFeedSchema)
    @blp.problems(400)
    def get(self, args):
        """Catalogue changes in commit order after the cursor `since`, or the latest first
        ---
        Followers: positions are assigned at commit, so a reader that has seen position n
        never later finds a smaller one appear: follow next_cursor and nothing is missed.
        To look around: `order=newest` (page on with `before=next_cursor`), and filters by
        collection and by day or moment (`from`, `until`) in either order.
        """
        newest = args["order"] == "newest"
        rows = record_queries.list_changes(
            read_conn(), since=args.get("since", 0), before=args.get("before"),
            newest_first=newest, collection=args.get("collection"),
            at_from=args.get("from_"), until=args.get("until"), limit=args["limit"])
        actor = current_actor()
        if rows:
            cursor = rows[-1]["position"]
        else:  # nothing (more): a follower stays where it is, a reader is at the end
            cursor = args.get("before", 0) if newest else args.get("since", 0)
        return {"items": [change_entry(r, actor) for r in rows], "next_cursor": cursor}
