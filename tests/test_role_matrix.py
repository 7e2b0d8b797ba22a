"""Every cell of the README's role × endpoint matrix, against the real API, twice: with
regmap's own tokens and with IAM-B access tokens from a real OpenID provider (tests/iam.py).

✓ and own: the role gets through authorisation (whatever the body then earns); ✗: 401 for
anonymous callers, 403 for signed-in ones, and nothing is written."""
import re

import psycopg
import pytest
from psycopg.rows import dict_row

from app import create_app
from app.access.actor import system_actor
from app.config import REPO_ROOT
from app.governance.users import ensure_user_with_role, issue_token

from . import iam
from .catalog_helpers import API, create, evidence_type, offer, organisation
from .conftest import app_config

ROLES = ["anonymous", "provider_admin", "consumer_admin", "routing", "data_manager", "auditor",
         "admin"]


def matrix():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Role × endpoint matrix", 1)[1]
    rows = []
    for line in section.splitlines():
        match = re.match(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)` \|(.*)\|$", line)
        if match:
            cells = [c.strip() for c in match.group(3).split("|")]
            assert len(cells) == len(ROLES), line
            rows += [(match.group(1), match.group(2), role, cell)
                     for role, cell in zip(ROLES, cells)]
    return rows


CELLS = matrix()
# What the matrix's note says IAM-B callers may not do, whatever their role
# (access.policy.may_issue_own_tokens).
REFUSED_TO_IAM_B = {("POST", "/tokens")}


def test_the_matrix_is_complete():
    assert len(CELLS) >= 38 * len(ROLES)
    assert {cell for *_, cell in CELLS} == {"✓", "✗", "own"}


@pytest.fixture(scope="module")
def module_conn(database_url):
    """The world below is built once for all cells, inside a transaction rolled back at the
    end; every cell runs in a savepoint of its own (the `conn` override)."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as connection:
        with connection.transaction(force_rollback=True):
            yield connection


@pytest.fixture
def conn(module_conn):
    with module_conn.transaction(force_rollback=True):
        yield module_conn


@pytest.fixture(scope="module")
def world(module_conn, session_app, test_pool):
    test_pool.conn = module_conn
    client = session_app.test_client()
    tests = system_actor("tests")

    def login(role, org=None):
        user = ensure_user_with_role(module_conn, tests, email=f"{role}@matrix.example",
                                     role=role, organisation_code=org)
        return {"Authorization": f"Bearer {issue_token(module_conn, tests, user)['token']}"}

    dm = login("data_manager")
    evidence_type(client, dm, "melde")
    organisation(client, dm, "amt-own", kind="Amt")
    organisation(client, dm, "parkamt", kind="Straßenverkehrsbehörde")
    create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
    own_offer = offer(client, dm, "melde", ["01"], provider="amt-own")
    permission = create(client, dm, "permissions", {
        "consumer": "parkamt", "service": "parken", "evidence_type": "melde",
        "legal_basis": "§ 45 StVO", "may_use_identification_number": False})
    registration = client.post(f"{API}/registrations", json={
        "organisation": {"name": "Neues Amt", "kind": "Amt", "contact": {"name": "N"}},
        "user": {"email": "neu@amt.example", "password": "ein langes Passwort"},
        "role": "provider_admin"}).json
    headers = {"anonymous": {}, "data_manager": dm,
               "provider_admin": login("provider_admin", "amt-own"),
               "consumer_admin": login("consumer_admin", "parkamt")}
    for role in ("routing", "auditor", "admin"):
        headers[role] = login(role)
    return {"headers": headers, "app": session_app, "ids": {
        "ags": "09162000", "area": "03241", "plz": "25926", "organisation": "amt-own",
        "register": "idnrg-1", "evidence_type": "melde", "service": "parken",
        "offer": own_offer["code"], "permission": permission["code"],
        "registration": registration["code"], "code_list": "levels-of-assurance/2.0",
        "code": "Low"}}


ORGANISATIONS = {"provider_admin": "amt-own", "consumer_admin": "parkamt"}


@pytest.fixture(scope="module", params=["own tokens", "IAM-B tokens"])
def callers(request, world, module_conn, database_url, test_pool, tmp_path_factory):
    """The app and each role's headers: the world's own tokens, or access tokens of a real
    OpenID provider whose clients carry the same roles and organisations."""
    if request.param == "own tokens":
        yield world
        return
    provider = iam.start_or_skip(tmp_path_factory.mktemp("iam"), [
        iam.machine_client(f"matrix-{role}", [role], ORGANISATIONS.get(role))
        for role in ROLES[1:]])
    try:
        iam_app = create_app(app_config(
            database_url, test_pool, IAM_ISSUER=provider.issuer, IAM_AUDIENCE=iam.AUDIENCE,
            SEARCH_INDEX_DIR=str(tmp_path_factory.mktemp("search"))))
        headers = {"anonymous": {}}
        for role in ROLES[1:]:
            headers[role] = {"Authorization": f"Bearer {provider.token(f'matrix-{role}')}"}
            # The first token of a subject makes its user record: before any cell counts writes.
            test_pool.conn = module_conn
            assert iam_app.test_client().get(f"{API}/tokens", headers=headers[role]
                                              ).status_code == 200
        yield {**world, "app": iam_app, "headers": headers, "iam": True}
    finally:
        provider.stop()


@pytest.mark.parametrize("method, path, role, cell", CELLS,
                         ids=[f"{m} {p} as {r}" for m, p, r, _ in CELLS])
def test_cell(app, callers, nothing_written, method, path, role, cell):
    if callers.get("iam") and (method, path) in REFUSED_TO_IAM_B and role != "anonymous":
        cell = "✗"
    url = API + re.sub(r"\{(\w+)\}", lambda m: callers["ids"][m.group(1)], path)
    headers = {**callers["headers"][role], "If-Match": "*"}
    send = getattr(callers["app"].test_client(), method.lower())
    kwargs = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    if cell == "✗":
        with nothing_written():
            r = send(url, **kwargs)
        expected = 401 if role == "anonymous" else 403
        assert r.status_code == expected, r.get_data(as_text=True)
        assert r.mimetype == "application/problem+json"
    else:
        r = send(url, **kwargs)
        assert r.status_code not in (401, 403), r.get_data(as_text=True)
