"""The permission check in front of Flask: answered from the permission index with the bytes
and headers of the Flask view, logged through the check log's buffer, and never behind a
change of a permission, an organisation, a service or an evidence type."""
import itertools
import random
from datetime import date

import pytest

from app import create_app
from app.competence import permission_check
from app.competence.fastpath import PermissionCheckFastPath
from app.competence.permission_index import PermissionIndex

from .catalog_helpers import API, change, create, organisation
from .conftest import app_config
from .helpers import answered_by_flask, assert_problem
from .helpers import flask_calls as counting_flask_calls
from .test_check_log import KFZ

CHECK = {"consumer": "parkamt", "service": "parken", "evidence_type": KFZ, "provider": "kba"}


@pytest.fixture(scope="module")
def buffered_app(database_url, test_pool):
    """An app whose check log is buffered, as served (the suite's apps write it at once,
    which only the Flask view does)."""
    return create_app(app_config(database_url, test_pool, CHECK_LOG_FLUSH_SECONDS=3600))


@pytest.fixture
def served(buffered_app, test_pool, conn):
    test_pool.conn = conn
    yield buffered_app
    buffered_app.extensions["regmap.check_log"].flush()  # into the test's transaction
    test_pool.conn = None


@pytest.fixture
def client(served):
    return served.test_client()


@pytest.fixture
def flask_calls(served):
    """The requests the fast path hands on to Flask."""
    with counting_flask_calls(served, PermissionCheckFastPath) as calls:
        yield calls


@pytest.fixture
def permitted(client, dm):
    organisation(client, dm, "parkamt")
    create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
    return create(client, dm, "permissions", {
        "consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
        "provider": "kba", "legal_basis": "§ 45 Abs. 1b StVO", "valid_to": "2099-01-01",
        "may_use_identification_number": False})


def check(client, headers, **params):
    return client.get(f"{API}/permissions/check", query_string={**CHECK, **params},
                      headers=headers)


@pytest.mark.parametrize("params", [{}, {"at": "2100-01-01"}, {"provider": None},
                                    {"environment": "production"}])
def test_a_repeated_check_is_answered_in_front_of_flask_with_the_same_bytes(
        client, login, permitted, flask_calls, params):
    routing = login("routing")
    with answered_by_flask(client.application, PermissionCheckFastPath):
        first = check(client, routing, **params)
    second = check(client, routing, **params)
    assert flask_calls == [f"{API}/permissions/check"]  # only the first, by Flask
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert _lasting(first.headers) == _lasting(second.headers)
    assert first.headers["Cache-Control"] == "no-store"
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_checks_answered_in_front_of_flask_are_logged(client, login, permitted, served,
                                                      flask_calls):
    routing = login("routing")
    check(client, routing)  # a worker's first check builds the index (Flask): logged too
    flask_calls.clear()
    answers = [check(client, routing), check(client, routing, at="2100-01-01"),
               check(client, routing, provider=None)]
    assert flask_calls == []
    served.extensions["regmap.check_log"].flush()
    page = client.get(f"{API}/permission-checks", query_string={"order": "oldest"},
                      headers=login("auditor")).json
    logged = page["items"][1:]
    assert [e["request_id"] for e in logged] == [r.headers["X-Request-ID"] for r in answers]
    assert [e["allowed"] for e in logged] == [True, False, False]
    assert logged[0]["permission"] == permitted["code"]
    assert {e["asked_by"] for e in page["items"]} == {"routing.fks@test.example"}


def test_every_change_a_check_reads_is_seen_at_once(client, dm, login, permitted,
                                                    flask_calls):
    routing = login("routing")

    def allowed(**params):
        answer = check(client, routing, **params)
        assert answer.status_code == 200, answer.json
        return answer.json["allowed"], answer.json["permission"]

    assert allowed() == (True, permitted["code"])
    flask_calls.clear()
    assert change(client, dm, "permissions", permitted["code"],
                  {"valid_to": "2026-01-01"}).status_code == 200
    assert allowed() == (False, None)
    any_provider = create(client, dm, "permissions", {
        "consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
        "legal_basis": "§ 45 StVO", "may_use_identification_number": True})
    assert allowed() == (True, any_provider["code"])
    assert change(client, dm, "organisations", "parkamt",
                  {"status": "suspended"}).status_code == 200
    suspended = check(client, routing).json
    assert suspended["allowed"] is False and "suspended" in suspended["reason"]
    assert change(client, dm, "organisations", "parkamt",
                  {"status": "active"}).status_code == 200
    assert allowed() == (True, any_provider["code"])
    assert_problem(check(client, routing, service="halten"), 404)
    create(client, dm, "services", {"code": "halten", "name": {"de": "Halten"}})
    assert allowed(service="halten") == (False, None)
    # After each change the index was brought forward in front of Flask; only the problem
    # (an unknown service) reached it.
    assert flask_calls.count(f"{API}/permissions/check") == 1


def test_what_only_flask_can_judge_goes_to_flask(client, dm, login, permitted, flask_calls):
    routing = login("routing")
    check(client, routing)
    flask_calls.clear()
    assert_problem(check(client, routing, consumer="niemand"), 404)
    assert_problem(check(client, routing, at="2026-13-01"), 400)
    assert_problem(check(client, routing, extra="1"), 400)
    assert_problem(client.get(f"{API}/permissions/check?consumer=parkamt&consumer=parkamt"
                              f"&service=parken&evidence_type={KFZ}", headers=routing), 400)
    assert_problem(check(client, None), 401)
    assert_problem(check(client, login("provider_admin", org="kba")), 403)
    assert flask_calls.count(f"{API}/permissions/check") == 6


def test_the_index_decides_as_a_fresh_one_after_any_sequence_of_changes(
        client, dm, login, conn, permitted, served):
    """Cache-exact: after each random change, every decision the followed index gives
    equals the decision of an index built from the database now."""
    routing = login("routing")
    organisation(client, dm, "ordnungsamt")
    create(client, dm, "services", {"code": "halten", "name": {"de": "Halten"}})
    consumers, services = ("parkamt", "ordnungsamt"), ("parken", "halten")
    providers, days = ("kba", None), ("2025-06-01", "2098-01-01", "2100-01-01")
    made = [permitted["code"]]
    chance = random.Random(20261207)
    for step in range(25):
        kind = chance.choice(("create", "validity", "withdraw", "organisation"))
        if kind == "create":
            body = {"consumer": chance.choice(consumers), "service": chance.choice(services),
                    "evidence_type": KFZ, "legal_basis": f"Gesetz {step}",
                    "may_use_identification_number": chance.random() < 0.5}
            if chance.random() < 0.5:
                body["provider"] = "kba"
            made.append(create(client, dm, "permissions", body)["code"])
        elif kind == "validity":
            change(client, dm, "permissions", chance.choice(made),
                   {"valid_to": chance.choice(days[1:])})
        elif kind == "withdraw":
            change(client, dm, "permissions", chance.choice(made), {"status": "retired"})
        else:
            change(client, dm, "organisations", chance.choice(consumers),
                   {"status": chance.choice(("active", "suspended"))})
        fresh = PermissionIndex(conn)
        for consumer, service, provider, day in itertools.product(consumers, services,
                                                                  providers, days):
            params = {"consumer": consumer, "service": service, "provider": provider,
                      "at": day}
            first, second = (check(client, routing, **params) for _ in range(2))
            _, expected = permission_check.rendered(permission_check.check(
                fresh, {**CHECK, **params, "at": date.fromisoformat(day)}, "production"))
            assert first.data == second.data == expected, (step, kind, params)


def _lasting(headers):
    """Every header but those that change from request to request."""
    return sorted((k, v) for k, v in headers
                  if k != "X-Request-ID" and not k.startswith("RateLimit"))
