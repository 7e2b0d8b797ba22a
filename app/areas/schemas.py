import marshmallow as ma
from marshmallow import validate

from ..http import openapi
from ..http.api import NoNulSchema, PageArgsSchema, QueryArgsSchema, page_schema
from ..values import identifiers
from .keys import LEVELS

STATUSES = ("current", "retired")


class AreaRefSchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    type = ma.fields.String(allow_none=True)


class SuccessorSchema(ma.Schema):
    ags = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    effective_on = ma.fields.Date(required=True, allow_none=True, metadata={
        "description": "null: some day between two editions of the Gemeindeverzeichnis"})


class RetirementSchema(ma.Schema):
    reason = ma.fields.String(required=True, metadata={
        "description": "why no successor is recorded (the sources name none, or only part)"})
    source = ma.fields.String(required=True)


class MunicipalitySchema(ma.Schema):
    """A municipality (Gemeinde), or a retired key of one."""

    ags = ma.fields.String(required=True, metadata={"example": "09162000"})
    ars = ma.fields.String(allow_none=True, metadata={"example": "091620000000"})
    # When the request named a former ARS of a still current municipality.
    requested_key = ma.fields.String()
    name = ma.fields.String(required=True)
    type = ma.fields.String(allow_none=True)
    type_code = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    valid_from = ma.fields.Date(allow_none=True)
    valid_to = ma.fields.Date(allow_none=True, metadata={
        "description": "exclusive end of validity, where recorded"})
    retired_by = ma.fields.Date(allow_none=True, metadata={
        "description": "the key had retired by this date (exact date unknown)"})
    last_seen = ma.fields.Date(allow_none=True, metadata={
        "description": "last reference date on which the key was current"})
    successor = ma.fields.Nested(SuccessorSchema, allow_none=True, metadata={
        "description": "the one successor (null when none or several: see successors)"})
    successors = ma.fields.List(ma.fields.Nested(SuccessorSchema), metadata={
        "description": "every recorded successor (several: the key was split)"})
    predecessors = ma.fields.List(ma.fields.Nested(SuccessorSchema), metadata={
        "description": "the keys this one succeeded, with the day (null: between editions)"})
    retirement = ma.fields.Nested(RetirementSchema, allow_none=True, metadata={
        "description": "a retired key without successor: why (lookups answer 410 with it)"})
    land = ma.fields.Nested(AreaRefSchema, allow_none=True)
    regierungsbezirk = ma.fields.Nested(AreaRefSchema, allow_none=True)
    kreis = ma.fields.Nested(AreaRefSchema, allow_none=True)
    gemeindeverband = ma.fields.Nested(AreaRefSchema, allow_none=True)
    population = ma.fields.Integer(allow_none=True)
    area_ha = ma.fields.Integer(allow_none=True)
    plz_seat = ma.fields.String(allow_none=True)
    plz_several = ma.fields.Boolean(allow_none=True)
    source = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    updated_at = ma.fields.DateTime(required=True)


MunicipalityPageSchema = page_schema(MunicipalitySchema, "MunicipalityPage")


class MunicipalityQueryArgsSchema(PageArgsSchema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "part of the name; case, umlauts and ß are folded (muenchen = München)"})
    land = ma.fields.String(validate=validate.Regexp(r"^[0-9]{2}$", error="expected 2 digits"))
    kreis = ma.fields.String(validate=validate.Regexp(identifiers.anchored(identifiers.KREIS),
                                                      error="expected 5 digits"))
    status = ma.fields.String(load_default="current",
                              validate=validate.OneOf(STATUSES + ("all",)))


class ParentRefSchema(ma.Schema):
    key = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class AreaSchema(ma.Schema):
    """An area of any level: DE, Land, Regierungsbezirk, Kreis, Gemeindeverband or municipality."""

    key = ma.fields.String(required=True, metadata={"example": "03241"})
    level = ma.fields.String(required=True, validate=validate.OneOf(LEVELS))
    name = ma.fields.String(required=True)
    type = ma.fields.String(allow_none=True)
    seat = ma.fields.String(allow_none=True)
    nuts = ma.fields.String(allow_none=True, metadata={
        "description": "NUTS 2016 code (Land: NUTS 1, Regierungsbezirk: NUTS 2, Kreis: NUTS 3)",
        "example": "DE929"})
    status = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    parent = ma.fields.Nested(ParentRefSchema, allow_none=True)
    children_count = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                    metadata={"description": "current direct children per level"})
    municipality_count = ma.fields.Integer(
        metadata={"description": "current municipalities at or below this area"})
    version = ma.fields.Integer(required=True)
    updated_at = ma.fields.DateTime(required=True)


AreaPageSchema = page_schema(AreaSchema, "AreaPage")


class AreaQueryArgsSchema(PageArgsSchema):
    level = ma.fields.String(validate=validate.OneOf(LEVELS))
    parent = ma.fields.String(validate=validate.Regexp(
        identifiers.anchored(f"DE|{identifiers.AREA_ABOVE_MUNICIPALITY}"),
        error="expected an area key"))
    name = ma.fields.String(validate=validate.Length(min=1, max=200))


class PostcodeMunicipalitySchema(MunicipalitySchema):
    place_name = ma.fields.String(required=True, metadata={
        "description": "the place name the postcode table gives for this municipality"})
    source = ma.fields.String(required=True, metadata={
        "description": "where the pair comes from: the shipped table's source, or "
                       "curated:<code> (a data manager's reviewed curation)"})


class PostcodeSchema(ma.Schema):
    """A postcode and every municipality it spans (PLZ is n:m to municipalities)."""

    plz = ma.fields.String(required=True, metadata={"example": "25926"})
    municipality_count = ma.fields.Integer(required=True)
    municipalities = ma.fields.List(ma.fields.Nested(PostcodeMunicipalitySchema), required=True)


class EmptyQueryArgsSchema(QueryArgsSchema):
    """Operations without query parameters still reject unknown ones."""


class CurationCreateSchema(NoNulSchema):
    """A proposed change of the postcode table, for a second data manager to review."""

    class Meta:
        unknown = ma.RAISE

    ags = ma.fields.String(required=True, validate=validate.Regexp(
        identifiers.anchored(identifiers.AGS), error="an 8-digit AGS (not an ARS)"),
        metadata={"example": "12052000"})
    place = ma.fields.String(validate=validate.Length(max=100), metadata={
        "description": "an Ortsteil the postcode carries (omit: the pair as a whole)",
        "example": "Gallinchen"})
    change = ma.fields.String(load_default="add", validate=validate.OneOf(("add", "remove")))
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000),
                              metadata={"description": "why, and from which source",
                                        "pattern": openapi.NOT_BLANK})


class CurationSchema(ma.Schema):
    code = ma.fields.String(required=True)
    plz = ma.fields.String(required=True)
    ags = ma.fields.String(required=True)
    municipality = ma.fields.String(required=True)
    place = ma.fields.String(allow_none=True)
    change = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={
        "description": "pending (awaits review), active, rejected or withdrawn"})
    reason = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


class CurationDecisionSchema(NoNulSchema):
    class Meta:
        unknown = ma.RAISE

    reason = ma.fields.String(validate=validate.Length(min=1, max=2000))


class CurationImportSchema(ma.Schema):
    proposed = ma.fields.List(ma.fields.Nested(CurationSchema), required=True)
