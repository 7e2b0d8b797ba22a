import marshmallow as ma
from marshmallow import validate

from .. import identifiers
from ..access.roles import ORGANISATION_ROLES, ROLES
from ..api import PageArgsSchema, QueryArgsSchema, page_schema
from ..catalog.schemas import AGS, CODE, ContactSchema, OrganisationSchema, Strict, text

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


class TokenSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    user = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(allow_none=True)
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
    kind = text(200, required=True)
    seat_ags = ma.fields.String(validate=AGS, allow_none=True)
    contact = ma.fields.Nested(ContactSchema, required=True)
    dvdv_key = text(200, allow_none=True)


class RegistrationUserSchema(Strict):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    name = text(200, allow_none=True)
    password = ma.fields.String(required=True, load_only=True,
                                validate=PASSWORD_LENGTH)


class RegistrationCreateSchema(Strict):
    organisation = ma.fields.Nested(RegistrationOrganisationSchema, required=True)
    user = ma.fields.Nested(RegistrationUserSchema, required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(ORGANISATION_ROLES))


class RegistrationSchema(ma.Schema):
    code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    reason = ma.fields.String(allow_none=True)
    organisation = ma.fields.String(required=True)
    # A schema, not a plain dict: its timestamps are ISO 8601 like every other (issue 13 c).
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
    since = ma.fields.AwareDateTime(default_timezone=None)
    until = ma.fields.AwareDateTime(default_timezone=None)


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
    since = ma.fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={
        "description": "the cursor: last position seen (0 from the start)"})
    limit = ma.fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


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
