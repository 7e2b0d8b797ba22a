"""Property-based fuzzing of every documented operation with schemathesis, as a data manager
and as every other role (anonymous included).

Fails on any 5xx, any undocumented status code or content type, and any response whose body
breaks the documented schema. Every endpoint a later change adds falls under it: the list of
operations is read from the app's own OpenAPI document.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 40


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
    operation = schemathesis.openapi.from_wsgi("/openapi.json", app) \
        .find_operation_by_label(label)

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
EXAMPLES_PER_ROLE = 6


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_role_gets_documented_answers(app, login, role):
    headers = {} if role == "anonymous" else login(
        role, org={"provider_admin": "kba", "consumer_admin": "kba"}.get(role))
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
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
