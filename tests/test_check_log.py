"""The check log: every abstract permission check is logged with who
asked, what, the decision and the deciding permission; append-only; queryable by auditors
and data managers with filters and as CSV; pruned by `regmap checks prune`, audited; buffered
writes that lose nothing on a graceful stop."""
import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from app.competence import queries
from app.config import REPO_ROOT
from app.values.dates import berlin_today

from .catalog_helpers import API, create, organisation
from .helpers import assert_problem

KFZ = "fahrzeugdaten-zb1"  # shipped by the plain seed


@pytest.fixture
def permitted(client, dm):
    organisation(client, dm, "parkamt")
    create(client, dm, "services", {"code": "parken", "name": {"de": "Parken"}})
    return create(client, dm, "permissions", {
        "consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
        "provider": "kba", "legal_basis": "§ 45 Abs. 1b StVO", "valid_to": "2099-01-01",
        "may_use_identification_number": False})


def check(client, headers, **params):
    query = {"consumer": "parkamt", "service": "parken", "evidence_type": KFZ,
             "provider": "kba", **params}
    r = client.get(f"{API}/permissions/check", query_string=query, headers=headers)
    assert r.status_code == 200, r.json
    return r


def log(client, headers, **params):
    r = client.get(f"{API}/permission-checks", query_string=params, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def token_code(conn, email):
    return conn.execute("""SELECT t.code FROM api_token t JOIN app_user u ON u.id = t.user_id
                           WHERE u.email = %s""", (email,)).fetchone()["code"]


def test_every_check_is_logged_with_who_asked_and_the_decision(client, conn, login,
                                                                permitted):
    routing = login("routing")
    allowed = check(client, routing)
    denied = check(client, routing, at="2100-01-01")
    page = log(client, login("auditor"))
    assert page["total"] == 2
    newest, oldest = page["items"]
    assert newest["request_id"] == denied.headers["X-Request-ID"]
    assert oldest["request_id"] == allowed.headers["X-Request-ID"]
    assert oldest["allowed"] is True and oldest["permission"] == permitted["code"]
    assert newest["allowed"] is False and newest["permission"] is None
    assert newest["at"] == "2100-01-01" and "no active permission" in newest["reason"]
    for entry in page["items"]:
        assert entry["token"] == token_code(conn, "routing.fks@test.example")
        assert entry["asked_by"] == "routing.fks@test.example"
        assert (entry["consumer"], entry["service"], entry["evidence_type"],
                entry["provider"]) == ("parkamt", "parken", KFZ, "kba")
    # The token itself appears nowhere.
    secret = routing["Authorization"].split()[1]
    assert secret not in str(page)


def test_filters_narrow_the_log(client, conn, login, permitted):
    routing, auditor = login("routing"), login("auditor")
    check(client, routing)
    check(client, routing, at="2100-01-01")
    check(client, login("data_manager"), provider=None)  # the permission names kba: no
    assert log(client, auditor, allowed="false")["total"] == 2
    assert log(client, auditor, permission=permitted["code"])["total"] == 1
    assert log(client, auditor, token=token_code(conn, "routing.fks@test.example"))[
        "total"] == 2
    assert log(client, auditor, consumer="anderer")["total"] == 0
    # Days are Berlin days (between 23:00 and 0:00 UTC, UTC's tomorrow is Berlin's today).
    tomorrow = (berlin_today() + timedelta(days=1)).isoformat()
    assert log(client, auditor, **{"from": tomorrow})["total"] == 0
    assert log(client, auditor, until=tomorrow)["total"] == 3
    oldest_first = log(client, auditor, order="oldest")["items"]
    assert [e["id"] for e in oldest_first] == sorted(e["id"] for e in oldest_first)
    assert_problem(client.get(f"{API}/permission-checks", query_string={"allowed": "ja"},
                              headers=auditor), 400)


def test_csv_has_every_matching_entry(client, login, permitted):
    routing = login("routing")
    for _ in range(3):
        check(client, routing)
    r = client.get(f"{API}/permission-checks", query_string={"page_size": 1},
                   headers={**login("auditor"), "Accept": "text/csv"})
    assert r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 3  # every entry, not a page
    assert rows[0]["allowed"] == "true" and rows[0]["consumer"] == "parkamt"


def test_only_auditors_and_data_managers_read_the_log(client, login, permitted):
    check(client, login("routing"))
    for role in ("auditor", "data_manager"):
        assert log(client, login(role))["total"] == 1
    for role in ("routing", "provider_admin", "consumer_admin"):
        assert_problem(client.get(f"{API}/permission-checks", headers=login(
            role, org="kba" if role.endswith("admin") else None)), 403)
    assert_problem(client.get(f"{API}/permission-checks"), 401)


def test_the_log_is_append_only(client, conn, login, permitted):
    check(client, login("routing"))
    for statement in ("UPDATE permission_check SET allowed = NOT allowed",
                      "DELETE FROM permission_check"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            with conn.transaction():
                conn.execute(statement)
    assert log(client, login("auditor"))["total"] == 1


def entry(checked_at, consumer="parkamt"):
    return {"checked_at": checked_at, "token": None, "asked_by": "tests", "request_id": None,
            "environment": "production",
            "consumer": consumer, "service": "parken", "evidence_type": KFZ, "provider": None,
            "at": checked_at.date(), "allowed": False, "permission": None, "reason": "none"}


def test_pruning_deletes_only_older_entries_and_is_audited(conn):
    from app.access.actor import system_actor
    from app.competence import check_log
    now = datetime.now(timezone.utc)
    queries.insert_permission_checks(conn, [entry(now - timedelta(days=40)),
                                            entry(now - timedelta(days=20)), entry(now)])
    assert check_log.prune(conn, system_actor("tests"), 30) == 1
    left = conn.execute("SELECT count(*) AS n FROM permission_check").fetchone()["n"]
    assert left == 2
    audit = conn.execute("""SELECT after FROM audit_log
                            WHERE action = 'permission-checks.prune'""").fetchone()
    assert audit["after"]["deleted"] == 1 and audit["after"]["older_than_days"] == 30
    # The permission to delete lasted for that statement only.
    with pytest.raises(psycopg.errors.RaiseException):
        with conn.transaction():
            conn.execute("DELETE FROM permission_check")


def test_the_prune_command(database_url):
    # Committed rows of a consumer no other test uses; the command deletes the old one.
    marker = "prune-command-test"
    now = datetime.now(timezone.utc)
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        queries.insert_permission_checks(conn, [entry(now - timedelta(days=400), marker),
                                                entry(now, marker)])
        regmap = str(Path(sys.executable).parent / "regmap")
        done = subprocess.run([regmap, "checks", "prune", "--older-than", "365"],
                              env={**os.environ, "DATABASE_URL": database_url}, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "deleted 1 " in done.stdout
        left = conn.execute("SELECT count(*) AS n FROM permission_check WHERE consumer = %s",
                            (marker,)).fetchone()["n"]
        assert left == 1
        delete_committed(conn, marker)


def delete_committed(conn, consumer):
    """Tidy up what a test committed to the session's database (as pruning may)."""
    with conn.transaction():
        conn.execute("SELECT set_config('regmap.pruning_checks', 'on', true)")
        conn.execute("DELETE FROM permission_check WHERE consumer = %s", (consumer,))


EXIT_SCRIPT = """
import sys
from datetime import datetime, timezone
from app import create_app
from app.competence import check_log
from app.access.actor import Actor
app = create_app({"DATABASE_URL": sys.argv[1], "CHECK_LOG_FLUSH_SECONDS": 60,
                  "SEARCH_PROCESS": False})
with app.test_request_context():
    for n in range(int(sys.argv[2])):
        check_log.record(Actor(role="routing"), {"consumer": "exit-test", "service": "s",
                         "evidence_type": "e"}, {"allowed": False, "reason": "none",
                                                 "environment": "production",
                                                 "at": datetime.now(timezone.utc).date(),
                                                 "permission": None})
"""


def test_a_graceful_exit_writes_the_buffered_entries(database_url):
    # Flushing every 60 s, the process ends long before: the exit writes all 250.
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, database_url, "250"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        count = conn.execute("SELECT count(*) AS n FROM permission_check "
                             "WHERE consumer = 'exit-test'").fetchone()["n"]
        delete_committed(conn, "exit-test")
    assert count == 250


def test_entries_wait_while_the_database_is_away(database_url):
    from psycopg_pool import ConnectionPool, PoolTimeout

    from app.competence.check_log import CheckLog
    away = ConnectionPool("postgresql://postgres@127.0.0.1:1/none", min_size=0, max_size=1,
                          timeout=0.5, open=True)
    buffered = CheckLog(away, flush_seconds=3600)
    now = datetime.now(timezone.utc)
    buffered.append(entry(now, "away-test"))
    with pytest.raises(PoolTimeout):
        buffered.flush()
    # Back: the kept entry is written by the next flush.
    with ConnectionPool(database_url, min_size=1, open=True,
                        kwargs={"autocommit": True, "row_factory": dict_row}) as back:
        buffered._pool = back
        assert buffered.flush() == 1
        with back.connection() as conn:
            assert conn.execute("SELECT count(*) AS n FROM permission_check "
                                "WHERE consumer = 'away-test'").fetchone()["n"] == 1
            delete_committed(conn, "away-test")
    away.close()


def test_the_log_can_be_switched_off_for_measuring_only(app, client, login, permitted):
    app.config["CHECK_LOG"] = False
    try:
        check(client, login("routing"))
    finally:
        app.config["CHECK_LOG"] = True
    assert log(client, login("auditor"))["total"] == 0
