"""Property-based fuzzing of every documented operation with schemathesis, as a data manager
and as every other role (anonymous included), with schema-valid data and, as a data manager,
with schema-violating data too.

Fails on any 5xx, any undocumented status code, content type or response header, any response
whose body breaks the documented schema, a token ignored where one is required, a missing
required header accepted, a method the path does not have answered, and schema-violating data
accepted. Every endpoint a later change adds falls under it: the list of operations is read
from the app's own OpenAPI document.

One schemathesis check is left out: positive_data_acceptance, which expects every
schema-valid request to succeed. By the API's conventions, rules OpenAPI 3.0 cannot state are
400 or 422 all the same: exactly one of ags, ars and plz; a name that folds to no letters;
references to codes that do not exist; cross-field rules such as valid_from before valid_to.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth,
          missing_required_header, unsupported_method]
EXAMPLES_PER_OPERATION = 25
NEGATIVE_EXAMPLES = 6


def load_schema(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # A missing If-Match is 428 Precondition Required (RFC 6585), which the check does not
    # list among its expected answers by default.
    schema.config.checks.missing_required_header.expected_statuses = [
        "400", "401", "403", "406", "415", "422", "428"]
    return schema


class NoDatabase:
    """Building the OpenAPI document needs no database."""


def documented_operations():
    spec = create_app({"DB_POOL": NoDatabase()}).test_client().get("/openapi.json").json
    return [f"{method.upper()} {path}" for path, methods in spec["paths"].items()
            for method in methods if method in ("get", "post", "put", "patch", "delete")]


@pytest.mark.parametrize("label", documented_operations())
def test_operation_never_fails_or_breaks_its_schema(app, dm, label):
    # As a data manager (who may write almost everything), with If-Match: * so writes get
    # past the precondition and into validation.
    headers = {**dm, "If-Match": "*"}
    operation = load_schema(app).find_operation_by_label(label)

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    check()


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
        operation = schema.find_operation_by_label(label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_ROLE, deadline=None, derandomize=True,
                  database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(checks=CHECKS, headers={**headers, "If-Match": "*"})

        try:
            check()
        except Exception as failure:
            raise AssertionError(f"{label} as {role}: {failure}") from None


def operations_with_input():
    """Operations with parameters or a body: only they can be sent schema-violating data."""
    spec = create_app({"DB_POOL": NoDatabase()}).test_client().get("/openapi.json").json
    return [f"{method.upper()} {path}" for path, methods in spec["paths"].items()
            for method, op in methods.items() if method in ("get", "post", "put", "patch",
                                                            "delete")
            and (op.get("parameters") or methods.get("parameters") or op.get("requestBody"))]


@pytest.mark.parametrize("label", operations_with_input())
def test_schema_violating_data_is_refused(app, dm, label):
    headers = {**dm, "If-Match": "*"}
    operation = load_schema(app).find_operation_by_label(label)

    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=NEGATIVE_EXAMPLES, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=[*CHECKS, negative_data_rejection], headers=headers)

    check()
