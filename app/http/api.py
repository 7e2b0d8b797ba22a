"""flask-smorest glue: the Api, a Blueprint with strict query parsing, shared schemas, and
the one JSON body parser.

Query strings are strict: unknown parameters and repeated single-valued parameters are
400s naming the parameter, never silently dropped. JSON bodies are parsed with limits before
any handler sees them (strict_json_loads).
"""
import datetime
import http
import json
import math
import re

import marshmallow as ma
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from webargs.core import missing
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.routing import BaseConverter

from ..values import identifiers
from . import errors, openapi

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


MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def strict_json_loads(data):
    """A JSON body as Python values, or json.JSONDecodeError saying what is wrong: no NaN or
    Infinity (nor numbers that overflow to it), no lone UTF-16 surrogates (PostgreSQL cannot
    store them), no NUL in keys, at most MAX_JSON_DEPTH levels of nesting."""
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise _invalid("nested too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise _invalid(str(exc)) from None
    _check_json(value)
    return value


def _invalid(message):
    # A non-empty `doc`: webargs takes an empty one for "no body at all".
    return json.JSONDecodeError(message, "<body>", 0)


def _refuse_constant(name):
    raise _invalid(f"{name} is not a number JSON allows")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise _invalid(f"{text[:40]} is too large a number")
    return value


def _check_json(value):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _invalid(f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise _invalid("a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key or _SURROGATE.search(key):
                    raise _invalid("a key holds a NUL character or a lone surrogate")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def json_body(request):
    """The request's JSON body for handlers that parse by hand (None without a JSON body);
    a body strict_json_loads refuses is a 400 saying why."""
    if not request.is_json or not request.get_data(cache=True):
        return None
    try:
        return strict_json_loads(request.get_data(cache=True))
    except json.JSONDecodeError as exc:
        raise errors.InvalidParameter("json", "body", f"Invalid JSON body: {exc.msg}") \
            from None
    except UnicodeDecodeError:
        raise errors.InvalidParameter("json", "body", "Invalid JSON body: not UTF-8") \
            from None


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's request.get_json() parses with the same limits."""

    def loads(self, s, **kwargs):
        return strict_json_loads(s)

    @staticmethod
    def default(o):
        # ISO 8601 for every date, also inside free-form (Dict) fields, where Flask would
        # write an HTTP date ("Sat, 31 Dec 2022 00:00:00 GMT").
        if isinstance(o, datetime.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class StrictParser(FlaskParser):
    # Let each schema's Meta.unknown (RAISE) decide for query strings too.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        return strict_json_loads(req.get_data(cache=True))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        # Say what is wrong with the body (webargs says only "Invalid JSON body.").
        reason = getattr(error, "msg", None) or getattr(error, "reason", "not UTF-8")
        abort(400, exc=error, messages={"json": [f"Invalid JSON body: {reason}"]})


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


class Moment(ma.fields.Field):
    """A query parameter naming a moment: a day (`2026-11-30`, its start in Europe/Berlin)
    or an ISO 8601 timestamp with a time zone."""

    def __init__(self, **kwargs):
        # Documented as what it accepts: a day or an RFC 3339 timestamp.
        metadata = {"anyOf": [{"type": "string", "format": "date"},
                              {"type": "string", "format": "date-time"}],
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        from ..values.dates import BERLIN, parse_iso_date
        if not isinstance(value, str):
            raise ma.ValidationError("a day (YYYY-MM-DD) or a timestamp with time zone")
        try:
            day = parse_iso_date(value)
        except ValueError:
            pass
        else:
            return datetime.datetime.combine(day, datetime.time(), BERLIN)
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ma.ValidationError("a day (YYYY-MM-DD) or a timestamp with time zone, "
                                     "e.g. 2026-11-30T08:00:00+01:00")
        return moment


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Schemas the document names though no operation derives them (name -> class).
        self.components = {}

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


class _DocumentedPathConverter(BaseConverter):
    """A path segment that matches anything (the handler tells a malformed key, 400, from an
    unknown one, 404, as the API's conventions ask) but is documented with its pattern, so
    the OpenAPI document says what a well-formed one looks like."""
    regex = "[^/]+"
    schema = {"type": "string"}


def _path_converter(name, schema, regex=None):
    # A regex of its own may span segments: the router must not match it part by part.
    return type(name, (_DocumentedPathConverter,),
                {"schema": schema, "regex": regex or _DocumentedPathConverter.regex,
                 "part_isolating": regex is None})


# Converter name in rules (`<code:code>`) -> the documented schema of the segment.
PATH_CONVERTERS = {
    "code": _path_converter("CodeConverter", {
        "type": "string", "pattern": identifiers.anchored(identifiers.CODE)}),
    "municipality": _path_converter("MunicipalityKeyConverter", {
        "type": "string", "pattern": identifiers.anchored(
            f"{identifiers.AGS}|{identifiers.ARS}"), "description": "AGS (8) or ARS (12)"}),
    "area": _path_converter("AreaKeyConverter", {
        "type": "string", "pattern": identifiers.anchored(identifiers.AREA_KEY)}),
    "plz": _path_converter("PostcodeConverter", {
        "type": "string", "pattern": identifiers.anchored(identifiers.PLZ)}),
}


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app, **kwargs):
        super().__init__(app, **kwargs)
        for name, converter in PATH_CONVERTERS.items():
            self._add_converter(app, name, converter)

    def add_path_converter(self, app, name, schema, regex=None):
        """A documented path segment of a capability's own (before its blueprint); `regex`:
        what the rule matches, when it may span several segments."""
        self._add_converter(app, name, _path_converter(f"{name}Converter", schema, regex))

    def _add_converter(self, app, name, converter):
        app.url_map.converters[name] = converter
        self.register_converter(converter, lambda c: dict(c.schema))

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
        # Every consumer of the document (/openapi.json, `flask openapi write`) gets it with
        # the rules apispec cannot derive from single fields (http/openapi.py).
        derived = self.spec.to_dict
        self.spec.to_dict = lambda: openapi.tightened(derived())
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer",
                           "description": "API token (regmap token create, POST /tokens)"})

    def register_blueprint(self, blp, **kwargs):
        super().register_blueprint(blp, **kwargs)
        for name, schema in getattr(blp, "components", {}).items():
            self.spec.components.schema(name, schema=schema)

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)
