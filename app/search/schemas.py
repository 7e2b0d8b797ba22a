import marshmallow as ma
from marshmallow import validate

from ..http.api import PageArgsSchema
from .engine import MAX_QUERY


class SearchQueryArgsSchema(PageArgsSchema):
    q = ma.fields.String(required=True, validate=validate.Length(min=1, max=MAX_QUERY),
                         metadata={"description": "words as users type them; no syntax"})
    type = ma.fields.String(validate=validate.OneOf(
        ("organisation", "register", "evidence-type", "service", "offer")))
    land = ma.fields.String(validate=validate.Regexp(r"^([0-9]{2}|DE)$",
                                                     error="2-digit Land key or DE"))
    status = ma.fields.String(validate=validate.OneOf(
        ("pending", "active", "suspended", "rejected", "retired")))


class SearchHitSchema(ma.Schema):
    type = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    land = ma.fields.String(allow_none=True)
    snippet = ma.fields.String(required=True, metadata={
        "description": "HTML-escaped text with <mark> around the matches"})
    score = ma.fields.Float(required=True)
    path = ma.fields.String(required=True)


class SearchResultsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SearchHitSchema), required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    page_size = ma.fields.Integer(required=True)
    facets = ma.fields.Dict(keys=ma.fields.String(),
                            values=ma.fields.Dict(keys=ma.fields.String(),
                                                  values=ma.fields.Integer()),
                            required=True)
