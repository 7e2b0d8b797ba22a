"""Property-based fuzzing of every documented operation with schemathesis, as a data manager
and as every other role (anonymous included), with schema-valid data and, as a data manager,
with schema-violating data too.

Fails on any 5xx, any undocumented status code, content type or response header, any response
whose body breaks the documented schema, a token ignored where one is required, a missing
required header accepted, a method the path does not have answered, and schema-violating data
accepted. Every endpoint a later change adds falls under it: the list of operations is read
from the app's own OpenAPI document.

Schema-valid data must be accepted (positive_data_acceptance) except where a rule applies
that no JSON Schema can state: RULES_NO_SCHEMA_CAN_STATE lists each, by operation, the input
it names and the words of its refusal. Everything a schema can state, the OpenAPI document
states (app/http/openapi.py).
"""
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    object_level_authorization,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from app import create_app

# Rules the service enforces that OpenAPI 3.0 cannot state: (operation, the input the
# problem names, its detail). A schema-valid request may be refused (400/422) by these only.
_UNKNOWN_CODE = r"unknown (code|municipality) '.*'"
_CREATE_BODIES = ("POST /api/v1/organisations", "POST /api/v1/registers",
                  "POST /api/v1/evidence-types", "POST /api/v1/services", "POST /api/v1/offers",
                  "POST /api/v1/permissions", "POST /api/v1/registrations",
                  "POST /api/v1/registrations/{code}/resubmit", "POST /api/v1/onboarding",
                  "POST /api/v1/fachsynchronisation", "POST /api/v1/deadlines")
RULES_NO_SCHEMA_CAN_STATE = [
    # exactly one of several query parameters
    ("GET /api/v1/competence", r"ags|ars|plz", r"give exactly one of ags, ars, plz"),
    ("GET /api/v1/competence", r"evidence_type|leika", r"give evidence_type or leika"),
    ("GET /api/v1/competence", r"place", r"a place name, only together with plz"),
    ("GET /api/v1/changes", r"before", r"only with order=newest"),
    ("GET /api/v1/changes", r"since", r"since is the followers' cursor.*"),
    # a name or query that the one folding function reduces to nothing
    ("GET /api/v1/municipalities", r"name", r"needs letters or digits"),
    ("GET /api/v1/areas", r"name", r"needs letters or digits"),
    ("GET /api/v1/search", r"q", r"no searchable words.*"),
    # references to objects that must exist
    *[(label, r"(organisation\.)?seat_ags|keepers|federal_counterparts|registers|provider"
              r"|organisation|register|consumer|evidence_type|service|requirements\[\d+\]\.evidence_type_lists",
       _UNKNOWN_CODE) for label in _CREATE_BODIES],
    ("POST /api/v1/fachsynchronisation", r"register", r".* is not a federal counterpart .*"),
    # who must be named depends on the caller's role (organisation admins: their own)
    ("POST /api/v1/offers", r"provider", r"required"),
    ("POST /api/v1/permissions", r"consumer", r"required"),
    # rules across fields of a body: a validity ends after it starts
    *[(f"{method} /api/v1/{kind}{item}", r"valid_to|valid_from",
       r"must be after valid_from|required when valid_to lies before today")
      for kind in ("offers", "permissions") for method, item in (
          ("POST", ""), ("PUT", "/{code}"), ("PATCH", "/{code}"))],
    # OOTS fields of offers, checked against their evidence type's classification concepts,
    # the shipped jurisdiction contexts and the access service; concept codes are object
    # keys (OpenAPI 3.0 has no propertyNames)
    *[(f"{method} /api/v1/offers{item}",
       r"(?s)classification\..*|jurisdiction_context|access_service",
       r"lowercase letters, digits, '-' and '\.', at most 80|not a classification concept of "
       r"the evidence type|not among the concept's values: .*|unknown jurisdiction context "
       r"'.*'|the organisation has no eDelivery party id|unknown code '.*'")
      for method, item in (("POST", ""), ("PUT", "/{code}"), ("PATCH", "/{code}"))],
    *[(f"{method} /api/v1/eu-requirements{item}",
       r"evidence_type_lists\[\d+\]\.evidence_types|reference_frameworks",
       r"unknown code '.*'|unknown area key '.*'")
      for method, item in (("POST", ""), ("PUT", "/{code}"), ("PATCH", "/{code}"))],
    *[(f"{method} /api/v1/evidence-types{item}", r"classification_concepts",
       r"(code|identifier) '.*' named twice")
      for method, item in (("POST", ""), ("PUT", "/{code}"), ("PATCH", "/{code}"))],
    # OOTS code lists are data that curators change at run time (catalog/code_lists.py)
    *[(label, r"edm_versions|level_of_assurance|distributions\.\d+\.format"
              r"|reference_frameworks\.procedure",
       r"(?s)'.*' is not a code of the OOTS code list [a-z-]+ \(GET /api/v1/code-lists\)")
      for label in (f"{method} /api/v1/{kind}{item}"
                    for kind in ("organisations", "offers", "eu-requirements")
                    for method, item in (("POST", ""), ("PUT", "/{code}"),
                                         ("PATCH", "/{code}")))],
    # the inside of an uploaded file
    ("POST /api/v1/area-imports", r"body", r"line \d+: .*|the file is empty"),
    ("POST /api/v1/offers/import", r"header|row \d+: .*", r".*"),
    ("POST /api/v1/postcodes/import", r"header|row \d+: .*", r".*"),
    # object keys (OpenAPI 3.0 has no propertyNames): PostgreSQL cannot store NUL in them
    (None, r"_schema|json", r"Invalid JSON body: a key holds a NUL character.*"),
]


def _refused_by_unstateable_rule(label, problem):
    errors = (problem.get("errors") if isinstance(problem, dict) else None) or []
    return bool(errors) and all(
        any(rule_label in (None, label) and re.fullmatch(name, e.get("name", ""))
            and re.fullmatch(detail, e.get("detail", ""))
            for rule_label, name, detail in RULES_NO_SCHEMA_CAN_STATE)
        for e in errors)


@schemathesis.check
def schema_valid_data_accepted(ctx, response, case):
    """positive_data_acceptance, but for the rules no schema can state."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        try:
            problem = response.json()
        except ValueError:
            problem = None
        if response.status_code in (400, 422) and _refused_by_unstateable_rule(
                case.operation.label, problem):
            return None
        if case.operation.label == "GET /rest/search" and _oots_refusal_no_schema_can_state(
                response):
            return None
        raise


# GET /rest/search serves three OOTS queries on one path: which parameters are required or
# taken depends on queryId (OpenAPI 3.0 cannot tie them together), and values that must
# exist (a current AGS, a known NUTS code or jurisdiction context) cannot be stated either.
# Its refusals are RegRep exceptions (XML), not problems.
_OOTS_PER_QUERY = {"DSD:ERR:0003", "EB:ERR:0003"}
_OOTS_UNKNOWN_VALUE = {"DSD:ERR:0006", "EB:ERR:0004", "EB:ERR:0005", "EB:ERR:0006"}


def _oots_refusal_no_schema_can_state(response):
    from lxml import etree
    try:
        exception = etree.fromstring(response.content).find(
            "{urn:oasis:names:tc:ebxml-regrep:xsd:rs:4.0}Exception")
    except etree.XMLSyntaxError:
        return False
    return exception is not None and exception.get("code") in (
        _OOTS_PER_QUERY | _OOTS_UNKNOWN_VALUE)


# Headers every run sends itself (its token, and If-Match: * where allowed): a negative case
# whose only violations are in them reaches the service as a valid request.
_REPLACED_HEADERS = {"authorization", "if-match"}


def _negated_only_in_replaced_headers(case):
    data = getattr(case.meta.phase, "data", None)
    location = getattr(data, "parameter_location", None)
    if location is None or location.name != "HEADER":
        return False
    names = [data.parameter] if getattr(data, "parameter", None) else [
        m.parameter for m in getattr(data, "mutations", ())]
    return bool(names) and all(n and n.lower() in _REPLACED_HEADERS for n in names)


@schemathesis.check
def invalid_data_refused(ctx, response, case):
    """negative_data_rejection, but a TDD 2.0 answer (Accept-Version oots-cs:v2.0) refuses in
    HTTP 200 with status Failure, as the Commission's services do (TDD 2.0 §3.6.2), and a
    case negated only in the headers the run replaces was sent valid."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AssertionError:
        if _negated_only_in_replaced_headers(case):
            return None
        content_type = {k.lower(): v for k, v in response.headers.items()}.get(
            "content-type", [""])
        if case.operation.label == "GET /rest/search" and response.status_code == 200 \
                and str(content_type[0]).startswith("application/x-ebrs+xml") \
                and b'ResponseStatusType:Failure"' in response.content \
                and _oots_refusal_no_schema_can_state(response):
            return None
        raise


# Every check schemathesis has but max_response_time (speed belongs in bench/). Three of them
# (use_after_free, ensure_resource_availability, object_level_authorization) judge a sequence
# of calls: in these single-call runs they pass without finding anything to judge.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth,
          missing_required_header, unsupported_method, allow_header_conformance,
          use_after_free, ensure_resource_availability, object_level_authorization,
          schema_valid_data_accepted]
EXAMPLES_PER_OPERATION = 25
NEGATIVE_EXAMPLES = 6


def load_schema(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # A missing If-Match is 428 Precondition Required (RFC 6585), which the check does not
    # list among its expected answers by default.
    schema.config.checks.missing_required_header.expected_statuses = [
        "400", "401", "403", "406", "415", "422", "428"]
    # An If-Match that names no current version is 412, a state the schema cannot know
    # (like 409, which the check expects by default).
    # A malformed If-Match names no version either: 412 (RFC 9110, 13.1.1).
    schema.config.checks.negative_data_rejection.expected_statuses = [
        "400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429",
        "5xx"]
    schema.config.checks.positive_data_acceptance.expected_statuses = [
        "2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
    return schema


def with_if_match(label, headers):
    """If-Match: * gets writes past the precondition and into validation where the document
    allows it; a review decision takes no `*` (it names the version reviewed), so there the
    schema's own value is sent."""
    if label in TAKES_NO_STAR:
        return headers
    return {**headers, "If-Match": "*"}


class NoDatabase:
    """Building the OpenAPI document needs no database."""


SPEC = create_app({"DB_POOL": NoDatabase()}).test_client().get("/openapi.json").json
METHODS = ("get", "post", "put", "patch", "delete")


def documented_operations():
    return [f"{method.upper()} {path}" for path, methods in SPEC["paths"].items()
            for method in methods if method in METHODS]


TAKES_NO_STAR = {
    f"{method.upper()} {path}" for path, methods in SPEC["paths"].items()
    for method, op in methods.items() if method in METHODS
    for p in op.get("parameters", []) if p.get("name") == "If-Match"
    and not re.fullmatch(p["schema"]["pattern"], "*")}


def fuzz(schema, label, headers, examples, mode=GenerationMode.POSITIVE, checks=CHECKS):
    """Call `label` with `examples` generated requests; every check must hold."""
    operation = schema.find_operation_by_label(label)
    headers = with_if_match(label, headers)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=checks, headers=headers)

    check()


@pytest.mark.parametrize("label", documented_operations())
def test_operation_never_fails_or_breaks_its_schema(app, dm, label):
    # As a data manager (who may write almost everything).
    fuzz(load_schema(app), label, dm, EXAMPLES_PER_OPERATION)


# The other roles, with fewer examples each: what they may not do must still answer as
# documented (401/403 problems), what they may do as for data managers. Token revocation
# stays out of the authenticated runs (it would revoke the token the run uses).
OTHER_ROLES = ("anonymous", "provider_admin", "consumer_admin", "routing", "auditor")
EXAMPLES_PER_ROLE = 4


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_role_gets_documented_answers(app, login, role):
    headers = {} if role == "anonymous" else login(
        role, org={"provider_admin": "kba", "consumer_admin": "kba"}.get(role))
    schema = load_schema(app)
    for label in documented_operations():
        if role != "anonymous" and label.startswith("DELETE /api/v1/tokens/"):
            continue
        try:
            fuzz(schema, label, headers, EXAMPLES_PER_ROLE)
        except Exception as failure:
            raise AssertionError(f"{label} as {role}: {failure}") from None


def operations_with_input():
    """Operations with parameters or a body: only they can be sent schema-violating data."""
    return [f"{method.upper()} {path}" for path, methods in SPEC["paths"].items()
            for method, op in methods.items() if method in METHODS
            and (op.get("parameters") or methods.get("parameters") or op.get("requestBody"))]


@pytest.mark.parametrize("label", operations_with_input())
def test_schema_violating_data_is_refused(app, dm, label):
    fuzz(load_schema(app), label, dm, NEGATIVE_EXAMPLES, mode=GenerationMode.NEGATIVE,
         checks=[*CHECKS, invalid_data_refused])
