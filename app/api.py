"""flask-smorest glue: the Api, a Blueprint with strict query parsing, shared schemas.

Query strings are strict: unknown parameters and repeated single-valued parameters are
400s naming the parameter, never silently dropped.
"""
import http

import marshmallow as ma
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from . import errors

PROBLEM_CONTENT_TYPE = errors.PROBLEM_MIMETYPE
MAX_PAGE_SIZE = 500


class ProblemErrorSchema(ma.Schema):
    name = ma.fields.String(required=True)
    # "in" is a keyword; data_key keeps the JSON name.
    in_ = ma.fields.String(data_key="in", required=True)
    detail = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details with regmap's extensions."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    errors = ma.fields.List(ma.fields.Nested(ProblemErrorSchema))


class StrictParser(FlaskParser):
    # Let each schema's Meta.unknown (RAISE) decide for query strings too.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None}


def reject_nul_characters(data, prefix=""):
    """PostgreSQL text cannot hold NUL; refuse it up front, naming the field."""
    items = data.items() if hasattr(data, "items") else enumerate(data) \
        if isinstance(data, list) else ()
    errors = {}
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, str) and "\x00" in value:
            errors[name] = ["must not contain NUL characters"]
        elif isinstance(value, (dict, list)):
            try:
                reject_nul_characters(value, f"{name}.")
            except ma.ValidationError as exc:
                errors.update(exc.messages)
    if errors:
        raise ma.ValidationError(errors)


class NoNulSchema(ma.Schema):
    @ma.pre_load
    def no_nul(self, data, **kwargs):
        if hasattr(data, "getlist"):
            reject_nul_characters({k: v for k, v in data.data.items(multi=True)})
        elif isinstance(data, (dict, list)):
            reject_nul_characters(data)
        return data


class QueryArgsSchema(NoNulSchema):
    """Base of every query-string schema: unknown or repeated parameters are errors."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def reject_repeated(self, data, **kwargs):
        # webargs hands over a MultiDictProxy; its .data is the request's MultiDict.
        multidict = getattr(data, "data", None)
        if not hasattr(multidict, "getlist"):
            return data
        repeated = {
            key: ["given more than once"]
            for key in multidict.keys()
            if len(multidict.getlist(key)) > 1 and key not in data.multiple_keys
        }
        if repeated:
            raise ma.ValidationError(repeated)
        return data


class PageArgsSchema(QueryArgsSchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10**6))
    page_size = ma.fields.Integer(load_default=100,
                                  validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema, name):
    """The list envelope every collection answers with."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "total": ma.fields.Integer(required=True),
        "page": ma.fields.Integer(required=True),
        "page_size": ma.fields.Integer(required=True),
    }, name=name)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = StrictParser()

    def query(self, schema):
        """Parse the query string with `schema`; syntax errors are 400."""
        return self.arguments(schema, location="query", error_status_code=400)

    @staticmethod
    def problems(*statuses):
        """Document the problem responses an operation can give."""
        return lambda func: document_problems(func, statuses)


def document_problems(func, statuses):
    """Add documented responses to a view without wrapping it once more per status (each
    flask-smorest alt_response is a call layer on every request; this is the hot path too).
    """
    doc = dict(getattr(func, "_apidoc", {}))
    response = dict(doc.get("response", {}))
    responses = {k: list(v) for k, v in response.get("responses", {}).items()}
    for status in statuses:
        responses.setdefault(status, []).append(http.HTTPStatus(status).name)
    response["responses"] = responses
    doc["response"] = response
    func._apidoc = doc
    return func


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        # Error responses are problem+json, not the JSON flask-smorest assumes.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            elif status == 304:
                response["headers"] = {"ETag": {"schema": {"type": "string"}}}
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer",
                           "description": "API token (regmap token create, POST /tokens)"})

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)
