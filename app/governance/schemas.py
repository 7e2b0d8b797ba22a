import marshmallow as ma
from marshmallow import validate

from ..access.environments import ENVIRONMENTS
from ..access.roles import ORGANISATION_ROLES, ROLES
from ..catalog import kinds
from ..catalog.schemas import AGS, CODE, ContactSchema, OrganisationSchema, Strict, text
from ..http import openapi
from ..http.api import Moment, PageArgsSchema, QueryArgsSchema, page_schema
from ..values import identifiers

# Web sign-in passwords (argon2-hashed): one rule for registration, new users and the CLI.
PASSWORD_LENGTH = validate.Length(min=12, max=200)

# --- users and tokens ----------------------------------------------------------------------


class UserCreateSchema(Strict):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    name = text(200, allow_none=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLES))
    organisation = ma.fields.String(validate=CODE, allow_none=True)
    password = ma.fields.String(validate=PASSWORD_LENGTH, load_only=True,
                                metadata={"description": "for web sign-in; at least 12"})


class UserSchema(ma.Schema):
    code = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    role = ma.fields.String(required=True)
    organisation = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


class TokenCreateSchema(Strict):
    name = text(200, allow_none=True)
    user = ma.fields.String(validate=CODE, metadata={"description": "default: yourself"})
    expires_days = ma.fields.Integer(validate=validate.Range(min=1, max=366), load_default=90)
    environment = ma.fields.String(validate=validate.OneOf(ENVIRONMENTS), allow_none=True,
                                   metadata={"description": "bind the token to one "
                                             "environment: it then sees only that one"})


class TokenSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    user = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(allow_none=True)
    environment = ma.fields.String(allow_none=True, metadata={
        "description": "the environment it is bound to (null: any)"})
    active = ma.fields.Boolean(required=True)


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(required=True, metadata={"description": "shown this once only"})


class SignInSchema(Strict):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(min=1, max=200))
    name = text(200, allow_none=True)
    expires_days = ma.fields.Integer(validate=validate.Range(min=1, max=366), load_default=30)


UserPageSchema = page_schema(UserSchema, "UserPage")
TokenPageSchema = page_schema(TokenSchema, "TokenPage")


# --- registrations -------------------------------------------------------------------------

class RegistrationOrganisationSchema(Strict):
    code = ma.fields.String(validate=CODE)
    name = text(300, required=True)
    abbreviation = text(50, allow_none=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(
        kinds.KINDS, error=f"not a kind of the list; choose '{kinds.OTHER}' and name it in "
                           "kind_other"), metadata={"description": "one of the list"})
    kind_other = text(200, metadata={"description": f"with kind '{kinds.OTHER}': what kind "
                                                   "of body it is"})
    seat_ags = ma.fields.String(validate=AGS, allow_none=True)
    # Optional, as on the web form: the applicant's own e-mail (user.email) reaches them.
    contact = ma.fields.Nested(ContactSchema, allow_none=True)
    dvdv_key = text(200, allow_none=True)

    # other_kind_named below, for the OpenAPI document.
    OPENAPI_RULES = {"anyOf": [
        {"required": ["kind", "kind_other"],
         "properties": {"kind": {"enum": [kinds.OTHER]},
                        "kind_other": {"pattern": openapi.NOT_BLANK}}},
        {"not": {"required": ["kind_other"]},
         "properties": {"kind": {"not": {"enum": [kinds.OTHER]}}}},
    ]}

    @ma.validates_schema
    def other_kind_named(self, data, **kwargs):
        if data.get("kind") == kinds.OTHER and not (data.get("kind_other") or "").strip():
            raise ma.ValidationError(f"required with kind '{kinds.OTHER}'", "kind_other")
        if data.get("kind_other") and data.get("kind") != kinds.OTHER:
            raise ma.ValidationError(f"only with kind '{kinds.OTHER}'", "kind_other")


class RegistrationUserSchema(Strict):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    name = text(200, allow_none=True)
    password = ma.fields.String(required=True, load_only=True,
                                validate=PASSWORD_LENGTH)


class RegistrationCreateSchema(Strict):
    organisation = ma.fields.Nested(RegistrationOrganisationSchema, required=True)
    user = ma.fields.Nested(RegistrationUserSchema, required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(ORGANISATION_ROLES))


class RegistrationResubmitSchema(RegistrationCreateSchema):
    """Only what the reviewer asked to change: every field may be left out (an empty body
    resubmits as it is); the password stays unless a new one is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class RegistrationSchema(ma.Schema):
    code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    reason = ma.fields.String(allow_none=True)
    organisation = ma.fields.String(required=True)
    # A schema, not a plain dict: its timestamps are ISO 8601 like every other.
    organisation_details = ma.fields.Nested(OrganisationSchema)
    role = ma.fields.String(required=True)
    user = ma.fields.Dict(required=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    conflicts = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "data managers only: an e-mail of an existing account or a taken "
                       "organisation code (the applicant is never told)"})


class SubmittedRegistrationSchema(RegistrationSchema):
    claim_secret = ma.fields.String(required=True, metadata={
        "description": "send as X-Claim-Secret to see the status; shown this once only"})


class RegistrationQueryArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(("pending", "approved", "rejected",
                                                       "withdrawn")))


class DecisionSchema(Strict):
    reason = text(2000, allow_none=True)


class RejectionSchema(Strict):
    reason = text(2000, required=True)


RegistrationPageSchema = page_schema(RegistrationSchema, "RegistrationPage")


# --- audit, changes, proposals -----------------------------------------------------------

class AuditQueryArgsSchema(PageArgsSchema):
    actor = text(300)
    object = ma.fields.String(validate=validate.Regexp(
        rf"^([a-z-]+/)?({identifiers.CODE})$", error="a code, or collection/code"))
    collection = ma.fields.String(validate=validate.Regexp(r"^[a-z-]{1,40}$"))
    action = ma.fields.String(validate=validate.Regexp(r"^[a-z-]+\.[a-z-]+$",
                                                       error="e.g. offer.create"))
    since = Moment(metadata={"description": "from this day or moment on (inclusive)"})
    until = Moment(metadata={"description": "before this day or moment (exclusive)"})
    order = ma.fields.String(load_default="oldest", validate=validate.OneOf(
        ("oldest", "newest")), metadata={"description": "newest: the latest entries first"})


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)
    actor = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    collection = ma.fields.String(required=True)
    object = ma.fields.String(required=True)
    version = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    changed_fields = ma.fields.List(ma.fields.String())
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)


AuditPageSchema = page_schema(AuditEntrySchema, "AuditPage")


class ChangeQueryArgsSchema(QueryArgsSchema):
    since = ma.fields.Integer(validate=validate.Range(min=0), metadata={
        "description": "followers' cursor: the last position seen (0, the default, from "
                       "the start); commit order only"})
    before = ma.fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "order=newest: only positions below this one (the previous "
                       "answer's next_cursor)"})
    order = ma.fields.String(load_default="commit", validate=validate.OneOf(
        ("commit", "newest")), metadata={
        "description": "commit (default): oldest first, for followers; newest: the latest "
                       "changes first, to look at"})
    collection = ma.fields.String(validate=validate.Regexp(r"^[a-z-]{1,40}$"), metadata={
        "description": "only changes to this collection, e.g. offers"})
    from_ = Moment(data_key="from", metadata={
        "description": "only changes committed from this day or moment on"})
    until = Moment(metadata={"description": "only changes committed before this day or "
                                            "moment"})
    limit = ma.fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))

    @ma.validates_schema
    def one_direction(self, data, **kwargs):
        if data.get("order") == "newest" and "since" in data:
            raise ma.ValidationError("since is the followers' cursor (commit order); with "
                                     "order=newest page with before", "since")
        if data.get("order", "commit") == "commit" and "before" in data:
            raise ma.ValidationError("only with order=newest", "before")


class ChangeSchema(ma.Schema):
    position = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)
    collection = ma.fields.String(required=True)
    object = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    version = ma.fields.Integer(allow_none=True)
    payload = ma.fields.Raw(allow_none=True)


class ChangeFeedSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ChangeSchema), required=True)
    next_cursor = ma.fields.Integer(required=True, metadata={
        "description": "pass as since= to continue"})


class ProposalSchema(ma.Schema):
    collection = ma.fields.String(required=True)
    object = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    proposed_by = ma.fields.String(required=True)
    proposed_at = ma.fields.DateTime(required=True)


ProposalPageSchema = page_schema(ProposalSchema, "ProposalPage")
