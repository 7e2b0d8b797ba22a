"""Marshmallow schemas of onboarding records, Fachsynchronisation entries, transition
deadlines and their reports (the catalogue's conventions: catalog/schemas.py)."""
import marshmallow as ma
from marshmallow import validate

from ..catalog.schemas import (
    CODE,
    ENVIRONMENT_FIELD,
    PageArgsSchema,
    Strict,
    Versioned,
    page_schema,
    status_filter,
    text,
)

ONBOARDING_STATES = ("planned", "in_preparation", "running", "completed", "paused")

# --- onboarding records ----------------------------------------------------------------------

_NULL_TEXT = {"type": "string", "nullable": True, "enum": [None]}


class OnboardingCreateSchema(Strict):
    organisation = ma.fields.String(validate=CODE, required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf(("provider", "consumer")),
                            metadata={"description": "provider: of a register or evidence "
                                                     "type; consumer: for a service"})
    register = ma.fields.String(validate=CODE, allow_none=True)
    evidence_type = ma.fields.String(validate=CODE, allow_none=True)
    service = ma.fields.String(validate=CODE, allow_none=True)
    environment = ENVIRONMENT_FIELD()
    state = ma.fields.String(required=True, validate=validate.OneOf(ONBOARDING_STATES))
    first_contact_on = ma.fields.Date(allow_none=True)
    evidence_specified_on = ma.fields.Date(allow_none=True)
    readiness_checked_on = ma.fields.Date(allow_none=True, metadata={
        "description": "the readiness check passed on this day (its result below)"})
    readiness_result = text(1000, allow_none=True)
    connected_on = ma.fields.Date(allow_none=True, metadata={
        "description": "where regmap cannot see it (no offer or permission of its own)"})
    target_date = ma.fields.Date(allow_none=True)
    notes = text(5000, allow_none=True)
    status = ma.fields.String(validate=validate.OneOf(("active",)))

    # Onboarding.prepare's subject rule, for the OpenAPI document (on replacement too).
    OPENAPI_RULES = {"anyOf": [
        {"properties": {"role": {"enum": ["provider"]}, "service": _NULL_TEXT},
         "anyOf": [{"required": ["register"], "properties": {"register": {"type": "string"}}},
                   {"required": ["evidence_type"],
                    "properties": {"evidence_type": {"type": "string"}}}]},
        {"required": ["service"],
         "properties": {"role": {"enum": ["consumer"]}, "service": {"type": "string"},
                        "register": _NULL_TEXT, "evidence_type": _NULL_TEXT}},
    ]}
    OPENAPI_REPLACE_RULES = OPENAPI_RULES


class OnboardingSchema(Versioned):
    code = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    organisation_name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    register = ma.fields.String(allow_none=True)
    evidence_type = ma.fields.String(allow_none=True)
    service = ma.fields.String(allow_none=True)
    environment = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    first_contact_on = ma.fields.Date(allow_none=True)
    evidence_specified_on = ma.fields.Date(allow_none=True)
    readiness_checked_on = ma.fields.Date(allow_none=True)
    readiness_result = ma.fields.String(allow_none=True)
    connected_on = ma.fields.Date(allow_none=True)
    target_date = ma.fields.Date(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    connected = ma.fields.Boolean(required=True, metadata={
        "description": "an active offer or permission in this environment, or connected_on"})
    connected_known_from = ma.fields.String(allow_none=True, metadata={
        "description": "catalogue (derived), milestone (recorded) or null"})


class OnboardingQueryArgsSchema(PageArgsSchema):
    organisation = ma.fields.String(validate=CODE)
    register = ma.fields.String(validate=CODE)
    evidence_type = ma.fields.String(validate=CODE)
    service = ma.fields.String(validate=CODE)
    role = ma.fields.String(validate=validate.OneOf(("provider", "consumer")))
    environment = ENVIRONMENT_FIELD()
    state = ma.fields.String(validate=validate.OneOf(ONBOARDING_STATES))
    status = status_filter("active", "retired")


OnboardingPageSchema = page_schema(OnboardingSchema, "OnboardingPage")


# --- Fachsynchronisation -----------------------------------------------------------------------

class FachsynchronisationCreateSchema(Strict):
    organisation = ma.fields.String(validate=CODE, required=True, metadata={
        "description": "the federal actor (an organisation regmap holds)"})
    register = ma.fields.String(validate=CODE, allow_none=True, metadata={
        "description": "an annex register it is federal counterpart of (null: the actor as "
                       "a whole)"})
    status_on = ma.fields.Date(required=True, metadata={"description": "as of this day"})
    contacted = ma.fields.Boolean(required=True, metadata={
        "description": "false: no interaction with the Fachsynchronisation team yet"})
    status = text(10000, required=True)
    source = text(1000, required=True)


class FachsynchronisationSchema(ma.Schema):
    code = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    abbreviation = ma.fields.String(allow_none=True)
    organisation_name = ma.fields.String(required=True)
    register = ma.fields.String(allow_none=True)
    idnrg_number = ma.fields.Integer(allow_none=True)
    status_on = ma.fields.Date(required=True)
    contacted = ma.fields.Boolean(required=True)
    status = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    recorded_at = ma.fields.DateTime(required=True)
    recorded_by = ma.fields.String(required=True)


class FachsynchronisationQueryArgsSchema(PageArgsSchema):
    organisation = ma.fields.String(validate=CODE)
    register = ma.fields.String(validate=CODE)
    latest = ma.fields.Boolean(truthy={"true"}, falsy={"false"}, metadata={
        "description": "true: only the newest entry per actor and register (the status)"})


FachsynchronisationPageSchema = page_schema(FachsynchronisationSchema,
                                            "FachsynchronisationPage")


# --- transition deadlines ----------------------------------------------------------------------

class DeadlineCreateSchema(Strict):
    register = ma.fields.String(validate=CODE, allow_none=True)
    evidence_type = ma.fields.String(validate=CODE, allow_none=True)
    due_on = ma.fields.Date(required=True, metadata={
        "description": "providers must be connected in production by this day"})
    legal_source = text(1000, required=True, metadata={
        "example": "Art. 3 NOOTS-Staatsvertrag i. V. m. ..."})
    notes = text(5000, allow_none=True)
    status = ma.fields.String(validate=validate.OneOf(("active",)))

    # Exactly one of register and evidence_type (Deadlines.prepare), on replacement too.
    OPENAPI_RULES = {"oneOf": [
        {"required": ["register"], "properties": {"register": {"type": "string"},
                                                  "evidence_type": _NULL_TEXT}},
        {"required": ["evidence_type"], "properties": {"evidence_type": {"type": "string"},
                                                       "register": _NULL_TEXT}}]}
    OPENAPI_REPLACE_RULES = OPENAPI_RULES


class DeadlineSchema(Versioned):
    code = ma.fields.String(required=True)
    register = ma.fields.String(allow_none=True)
    evidence_type = ma.fields.String(allow_none=True)
    due_on = ma.fields.Date(required=True)
    legal_source = ma.fields.String(required=True)
    notes = ma.fields.String(allow_none=True)


class DeadlineQueryArgsSchema(PageArgsSchema):
    register = ma.fields.String(validate=CODE)
    evidence_type = ma.fields.String(validate=CODE)
    status = status_filter("active", "retired")


class DeadlineReportSchema(ma.Schema):
    at = ma.fields.Date(required=True)
    due_within_days = ma.fields.Integer(required=True)
    late = ma.fields.Integer(required=True)
    due = ma.fields.Integer(required=True)
    providers = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "per deadline and obliged provider: standing connected, late, due "
                       "or open"})


DeadlinePageSchema = page_schema(DeadlineSchema, "DeadlinePage")
