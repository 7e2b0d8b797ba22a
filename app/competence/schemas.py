import marshmallow as ma
from marshmallow import validate

from ..access.environments import DESCRIPTION, ENVIRONMENTS
from ..catalog.schemas import CODE
from ..http.api import Moment, PageArgsSchema, QueryArgsSchema, page_schema


def environment_arg():
    """The `environment` a read asks about (environments.chosen checks it against the
    token; the schema states the values)."""
    return ma.fields.String(validate=validate.OneOf(ENVIRONMENTS),
                            metadata={"description": DESCRIPTION})


class ResolvedAreaSchema(ma.Schema):
    key = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ProviderRefSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class OfferRefSchema(ma.Schema):
    code = ma.fields.String(required=True)
    service_id = ma.fields.String(required=True)
    endpoint_url = ma.fields.String(required=True)
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True)
    connection_parameters = ma.fields.Dict(metadata={"description": "routing only"})
    jurisdiction_context = ma.fields.String(metadata={
        "description": "only when the offer depends on one"})
    classification = ma.fields.Dict(metadata={
        "description": "only when the offer depends on classification values: "
                       "{concept: [values it serves]}"})


class SuccessionNoteSchema(ma.Schema):
    requested = ma.fields.String(required=True)
    successor = ma.fields.String(required=True)
    effective_on = ma.fields.Date(required=True, allow_none=True, metadata={
        "description": "null: between two editions of the Gemeindeverzeichnis"})


class ResolvedMunicipalitySchema(ma.Schema):
    ags = ma.fields.String(required=True)
    ars = ma.fields.String(allow_none=True)
    name = ma.fields.String(required=True)
    place = ma.fields.String()
    sources = ma.fields.List(ma.fields.String(), metadata={
        "description": "postcode lookups: where the pair comes from (the shipped table's "
                       "source, or curated:<code>)"})
    resolved_via_successor = ma.fields.Nested(SuccessionNoteSchema, metadata={
        "description": "postcode lookups: the postcode names a retired key of this one"})


class RegionSchema(ResolvedAreaSchema):
    municipality_count = ma.fields.Integer(required=True, metadata={
        "description": "its municipalities valid on `at`, all with this answer"})


class ServiceRefSchema(ma.Schema):
    code = ma.fields.String(required=True)
    leistungsschluessel = ma.fields.String(required=True)


class CompetenceSchema(ma.Schema):
    """The competent provider and how to reach it."""
    evidence_type = ma.fields.String(required=True)
    at = ma.fields.Date(required=True)
    illustrative = ma.fields.Boolean(required=True, metadata={
        "description": "the answering offer is an illustrative (demo) entry, not a real one"})
    environment = ma.fields.String(required=True, metadata={
        "description": "the offer's environment (production)"})
    area = ma.fields.Nested(ResolvedAreaSchema, required=True, metadata={
        "description": "the area whose offer won (the most specific one)"})
    provider = ma.fields.Nested(ProviderRefSchema, required=True)
    offer = ma.fields.Nested(OfferRefSchema, required=True)
    municipality = ma.fields.Nested(ResolvedMunicipalitySchema)
    municipalities = ma.fields.List(ma.fields.Nested(ResolvedMunicipalitySchema), metadata={
        "description": "postcode lookups: every municipality of the postcode"})
    resolved_via_successor = ma.fields.Nested(SuccessionNoteSchema)
    region = ma.fields.Nested(RegionSchema, metadata={
        "description": "Kreis, Regierungsbezirk or Land lookups: the area asked about"})
    service = ma.fields.Nested(ServiceRefSchema, metadata={
        "description": "leika lookups: the service whose requirement decided the evidence "
                       "type"})


class BatchLookupSchema(ma.Schema):
    """A lookup as the batch takes it: any values, each checked on its own; a malformed one
    is that item's 400 inside the 200 (the other items are still answered), so no pattern or
    format is promised here."""
    evidence_type = ma.fields.String(metadata={"description": "a code"})
    leika = ma.fields.String(metadata={"description": "a Leistungsschlüssel (14 digits)"})
    ags = ma.fields.String()
    ars = ma.fields.String()
    plz = ma.fields.String()
    place = ma.fields.String()
    at = ma.fields.String(metadata={"description": "YYYY-MM-DD"})
    illustrative = ma.fields.Raw(metadata={"description": "true or false"})
    jurisdiction_context = ma.fields.String(metadata={
        "description": "a jurisdiction context code, e.g. place-of-birth"})
    classification = ma.fields.Raw(metadata={
        "description": "<concept>:<value>, or a list of them (one per concept)"})
    ref = ma.fields.Raw(metadata={"description": "the caller's own reference, echoed back"})


class BatchRequestSchema(ma.Schema):
    evidence_type = ma.fields.String(metadata={
        "description": "default for lookups that name none (a malformed or unknown one is "
                       "each such item's problem)"})
    at = ma.fields.Date(metadata={"description": "default reference date"})
    environment = environment_arg()
    # Any value is taken as an item (a malformed one is that item's 400), so the document
    # shows a lookup's shape without promising that only such items are answered.
    lookups = ma.fields.List(ma.fields.Raw(metadata={"anyOf": [
        {"$ref": "#/components/schemas/BatchLookup"},
        {"description": "anything else: that item's 400"}]}), required=True,
        metadata={"description": "at most 20,000"})


class BatchItemSchema(ma.Schema):
    index = ma.fields.Integer(required=True, metadata={
        "description": "the item's position in `lookups` (0-based)"})
    input = ma.fields.Raw(required=True, metadata={"description": "the lookup as sent"})
    status = ma.fields.Integer(required=True)
    result = ma.fields.Nested(CompetenceSchema)
    problem = ma.fields.Dict()


class BatchResponseSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BatchItemSchema), required=True)


class SnapshotQueryArgsSchema(QueryArgsSchema):
    evidence_type = ma.fields.String(required=True, validate=CODE)
    at = ma.fields.Date()
    illustrative = ma.fields.Boolean(truthy={"true"}, falsy={"false"}, metadata={
        "description": "false: real offers only (as for GET /competence)"})
    environment = environment_arg()


class PermissionCheckArgsSchema(QueryArgsSchema):
    consumer = ma.fields.String(required=True, validate=CODE)
    service = ma.fields.String(required=True, validate=CODE)
    evidence_type = ma.fields.String(required=True, validate=CODE)
    provider = ma.fields.String(validate=CODE)
    at = ma.fields.Date()
    environment = environment_arg()


class PermissionCheckSchema(ma.Schema):
    allowed = ma.fields.Boolean(required=True)
    environment = ma.fields.String(required=True)
    may_use_identification_number = ma.fields.Boolean(required=True)
    permission = ma.fields.String(allow_none=True)
    legal_basis = ma.fields.String(allow_none=True)
    provider = ma.fields.String(allow_none=True, metadata={
        "description": "the provider the deciding permission names (null: any)"})
    at = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)


class PermissionCheckLogArgsSchema(PageArgsSchema):
    token = ma.fields.String(validate=CODE, metadata={"description": "the token's code"})
    environment = ma.fields.String(validate=validate.OneOf(ENVIRONMENTS))
    consumer = ma.fields.String(validate=CODE)
    service = ma.fields.String(validate=CODE)
    evidence_type = ma.fields.String(validate=CODE)
    provider = ma.fields.String(validate=CODE)
    permission = ma.fields.String(validate=CODE, metadata={
        "description": "the deciding permission"})
    allowed = ma.fields.Boolean()
    from_ = Moment(data_key="from", metadata={
        "description": "checks from this day or moment on (inclusive)"})
    until = Moment(metadata={"description": "checks before this day or moment (exclusive)"})
    order = ma.fields.String(load_default="newest", validate=validate.OneOf(
        ("newest", "oldest")), metadata={"description": "newest (default): the latest first"})


class PermissionCheckEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    checked_at = ma.fields.DateTime(required=True)
    token = ma.fields.String(allow_none=True, metadata={
        "description": "the code of the token that asked (null: a web session)"})
    asked_by = ma.fields.String(required=True)
    request_id = ma.fields.String(allow_none=True)
    environment = ma.fields.String(required=True)
    consumer = ma.fields.String(required=True)
    service = ma.fields.String(required=True)
    evidence_type = ma.fields.String(required=True)
    provider = ma.fields.String(allow_none=True)
    at = ma.fields.Date(required=True, metadata={"description": "the day asked about"})
    allowed = ma.fields.Boolean(required=True)
    permission = ma.fields.String(allow_none=True, metadata={
        "description": "the deciding permission"})
    reason = ma.fields.String(required=True)


PermissionCheckPageSchema = page_schema(PermissionCheckEntrySchema, "PermissionCheckPage")


class CoverageQueryArgsSchema(QueryArgsSchema):
    evidence_type = ma.fields.String(required=True, validate=CODE)
    at = ma.fields.Date()
    expiring_within_days = ma.fields.Integer(load_default=90,
                                             validate=validate.Range(min=1, max=3650))
    environment = environment_arg()


class CoverageSchema(ma.Schema):
    evidence_type = ma.fields.String(required=True)
    at = ma.fields.Date(required=True)
    environment = ma.fields.String(required=True)
    summary = ma.fields.Dict(required=True)
    municipalities_without_provider = ma.fields.List(ma.fields.Dict(), required=True)
    nested_offers = ma.fields.List(ma.fields.Dict(), required=True)
    expiring_offers = ma.fields.List(ma.fields.Dict(), required=True)
    offers_on_retired_areas = ma.fields.List(ma.fields.Dict(), required=True)
    offers_of_inactive_organisations = ma.fields.List(ma.fields.Dict(), required=True)
    retired_without_successor = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "retired municipality keys without a recorded successor (410), each "
                       "with the sourced reason where one is recorded"})
    postcodes_with_retired_members = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "postcodes naming retired keys, with their successors where recorded"})
