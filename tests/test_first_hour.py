"""What a newcomer, a data manager and an integrator tripped over in their first
hour."""
import csv
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from app.catalog import kinds
from app.config import REPO_ROOT
from app.db import embedded_pg
from app.values.dates import berlin_today
from app.web import places

from .catalog_helpers import API, evidence_type, offer, organisation
from .helpers import assert_problem
from .test_governance import REGISTRATION, register


@pytest.fixture
def melde(client, dm):
    evidence_type(client, dm, "melde")
    organisation(client, dm, "amt-a")


class TestProductionEndpointsAreHttps:
    """Item 10: plain http:// endpoints were accepted for production."""

    def test_an_http_endpoint_is_refused_naming_the_field(self, client, dm, melde,
                                                          nothing_written):
        with nothing_written():
            body = offer(client, dm, "melde", ["010545489"], provider="amt-a", status=422,
                         endpoint_url="http://dp.example/api")
        assert body["errors"] == [{"name": "endpoint_url", "in": "body",
                                   "detail": "a production endpoint must use https://"}]

    def test_the_csv_import_applies_the_same_rule(self, client, dm, melde, nothing_written):
        text = ("provider,evidence_type,areas,service_id,endpoint_url\n"
                "amt-a,melde,010545489,s,http://dp.example/api\n")
        with nothing_written():
            r = client.post(f"{API}/offers/import", data=text,
                            headers={**dm, "Content-Type": "text/csv"})
        assert "https://" in str(assert_problem(r, 422))

    def test_an_edit_to_http_is_refused(self, client, dm, melde):
        made = offer(client, dm, "melde", ["010545489"], provider="amt-a")
        r = client.patch(f"{API}/offers/{made['code']}", json={
            "endpoint_url": "HTTP://dp.example/api"},
            headers={**dm, "If-Match": f'"v{made["version"]}"'})
        assert assert_problem(r, 422)["errors"][0]["name"] == "endpoint_url"


class TestEmbeddedServerStops:
    """Item 4: both embedded servers kept running after the service and the tests stopped,
    and nothing said how to stop them."""

    def run(self, tmp_path, *args, **kwargs):
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "LOG_LEVEL")}
        return subprocess.run(args, env={**env, "VAR_DIR": str(tmp_path)}, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=180, **kwargs)

    def test_regmap_db_stop_stops_the_server_the_service_started(self, tmp_path):
        regmap = str(Path(sys.executable).parent / "regmap")
        upgraded = self.run(tmp_path, regmap, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        assert embedded_pg._postmaster_pid(tmp_path / "pgdata") is not None  # left running
        stopped = self.run(tmp_path, regmap, "db", "stop")
        assert stopped.stdout.strip() == "embedded PostgreSQL stopped"
        assert embedded_pg._postmaster_pid(tmp_path / "pgdata") is None
        again = self.run(tmp_path, regmap, "db", "stop")
        assert again.stdout.strip() == "no embedded PostgreSQL running"
        # Item 5: no log lines unless asked for.
        assert upgraded.stderr == stopped.stderr == ""

    def test_a_server_started_for_a_process_with_stop_at_exit_ends_with_it(self, tmp_path):
        script = ("import sys; from app.db import embedded_pg; "
                  "embedded_pg.start(sys.argv[1], database='postgres', stop_at_exit=True)")
        started = self.run(tmp_path, sys.executable, "-c", script, str(tmp_path / "pgdata"))
        assert started.returncode == 0, started.stderr
        assert embedded_pg._postmaster_pid(tmp_path / "pgdata") is None


def test_turtle_is_grouped_by_subject_with_prefixes(client):
    """Item 3: the Turtle was one triple per line."""
    ttl = client.get(f"{API}/catalog.ttl").get_data(as_text=True)
    nt = client.get(f"{API}/catalog.nt").get_data(as_text=True)

    def without_paging(graph):  # the page view and its links name the format's own suffix
        kept = Graph()
        for triple in graph:
            if not any("/api/v1/catalog." in str(term) for term in triple):
                kept.add(triple)
        return kept
    assert isomorphic(without_paging(Graph().parse(data=ttl, format="turtle")),
                      without_paging(Graph().parse(data=nt, format="nt")))
    assert ttl.startswith("@prefix ") and "\n    a dcat:Dataset ;" not in ttl
    statements = [line.split(" ", 1)[0] for line in ttl.splitlines()
                  if line and not line.startswith((" ", "@"))]
    assert len(statements) == len(set(statements))  # each subject described in one place
    register = next(i for i, line in enumerate(ttl.splitlines())
                    if line.startswith("<https://regmap.example/id/register/idnrg-15>"))
    assert ttl.splitlines()[register].endswith(" a dcat:Dataset ;")


class TestRegistrationKinds:
    """Item 6: `kind` was free text with no list of values."""

    def test_a_kind_outside_the_list_is_refused_and_names_the_way_out(self, client):
        body = {**REGISTRATION, "organisation": {**REGISTRATION["organisation"],
                                                 "kind": "Irgendwas"}}
        problem = assert_problem(client.post(f"{API}/registrations", json=body), 422)
        [error] = problem["errors"]
        assert error["name"] == "organisation.kind" and "Sonstige" in error["detail"]
        # The OpenAPI document lists the kinds.
        spec = client.get("/openapi.json").json
        kind = spec["components"]["schemas"]["RegistrationOrganisation"]["properties"]["kind"]
        assert kind["enum"] == list(kinds.KINDS)

    @pytest.mark.parametrize("other, error", [(None, "required with kind"), ("  ", None)])
    def test_sonstige_needs_a_text(self, client, other, error):
        organisation = {**REGISTRATION["organisation"], "kind": "Sonstige"}
        if other is not None:
            organisation["kind_other"] = other
        r = client.post(f"{API}/registrations", json={**REGISTRATION,
                                                      "organisation": organisation})
        [problem] = assert_problem(r, 422)["errors"]
        assert problem["name"] == "organisation.kind_other"

    def test_sonstige_with_a_text_is_stored_with_it(self, client, dm):
        organisation = {**REGISTRATION["organisation"], "kind": "Sonstige",
                        "kind_other": "Zweckverband"}
        code, _ = register(client, {**REGISTRATION, "organisation": organisation})
        details = client.get(f"{API}/registrations/{code}", headers=dm).json
        assert details["organisation_details"]["kind"] == "Sonstige (Zweckverband)"

    def test_every_kind_the_shipped_catalogue_uses_is_in_the_list(self):
        seed = REPO_ROOT / "catalog_seed"
        with open(seed / "catalog" / "organisations.csv", encoding="utf-8") as f:
            used = {row["kind"] for row in csv.DictReader(f)}
        with open(seed / "catalog" / "register_details.csv", encoding="utf-8") as f:
            details = list(csv.DictReader(f))
        with open(seed / "catalog" / "organisations.csv", encoding="utf-8") as f:
            names = {row["name"] for row in csv.DictReader(f)}
        # A keeper type that names one authority (Kraftfahrt-Bundesamt) is not a kind.
        used |= {row["keeping_authority_type"] for row in details
                 if row["keeping_authority_type"] and row["keeping_authority_type"] not in names}
        rules = json.loads((seed / "demo" / "catalog.json").read_text())["municipal_offers"]
        used |= {"Gemeinde", *rules["meldebescheinigung_verband_types"],
                 *(t for types in rules["meldebescheinigung_verband_types_by_land"].values()
                   for t in types)}
        assert used - set(kinds.KINDS) == set()


class TestPartialResubmission:
    """Item 6: resubmitting needed the whole body again, password included."""

    @pytest.fixture
    def rejected(self, client, dm):
        code, secret = register(client)
        client.post(f"{API}/registrations/{code}/reject", headers=dm,
                    json={"reason": "Sitzgemeinde falsch"})
        return code, secret

    def test_only_the_corrected_field_changes_and_the_password_stays(
            self, client, conn, dm, rejected):
        code, secret = rejected
        before = conn.execute("SELECT password_hash, name FROM app_user WHERE email = "
                              "'leitung@amt.example'").fetchone()
        r = client.post(f"{API}/registrations/{code}/resubmit", headers=secret,
                        json={"organisation": {"seat_ags": "01054062"}})
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.json["status"] == "pending"
        details = client.get(f"{API}/registrations/{code}", headers=dm).json
        organisation = details["organisation_details"]
        assert (organisation["seat_ags"], organisation["name"], organisation["kind"],
                organisation["contact"]["email"]) == (
            "01054062", "Amt Musterland", "Amt", "post@amt.example")
        after = conn.execute("SELECT password_hash, name FROM app_user WHERE email = "
                             "'leitung@amt.example'").fetchone()
        assert after == before

    def test_an_empty_body_resubmits_as_it_is(self, client, rejected):
        code, secret = rejected
        r = client.post(f"{API}/registrations/{code}/resubmit", headers=secret, json={})
        assert r.json["status"] == "pending"

    def test_a_new_password_is_taken_when_given(self, client, conn, rejected):
        code, secret = rejected
        before = conn.execute("SELECT password_hash FROM app_user WHERE email = "
                              "'leitung@amt.example'").fetchone()
        client.post(f"{API}/registrations/{code}/resubmit", headers=secret,
                    json={"user": {"password": "ein neues langes Passwort"}})
        assert conn.execute("SELECT password_hash FROM app_user WHERE email = "
                            "'leitung@amt.example'").fetchone() != before


def test_installing_prints_no_warnings():
    """Item 5: `pip install` printed a long run of setuptools warnings (the README's first
    command installs with --quiet, so anything printed is a warning)."""
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--disable-pip-version-check", "-e", str(REPO_ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).strip() == ""


class TestNewestFirst:
    """Item 7: the audit log and the change feed were oldest-first only, with ~28,000 demo
    entries before the latest one."""

    @pytest.fixture
    def auditor(self, login, dm):
        return login("auditor")  # its token is written before the history below

    @pytest.fixture
    def history(self, client, dm, auditor):
        evidence_type(client, dm, "melde")
        organisation(client, dm, "amt-a")
        organisation(client, dm, "amt-b")

    def test_the_audit_log_newest_first_and_by_day(self, client, auditor, history):
        newest = client.get(f"{API}/audit", query_string={"order": "newest", "page_size": 2},
                            headers=auditor).json["items"]
        assert [e["object"] for e in newest] == ["amt-b", "amt-a"]
        today = berlin_today().isoformat()
        tomorrow = (berlin_today() + timedelta(days=1)).isoformat()
        by_day = client.get(f"{API}/audit", headers=auditor, query_string={
            "since": today, "until": tomorrow, "collection": "organisations"}).json
        assert [e["object"] for e in by_day["items"]][-2:] == ["amt-a", "amt-b"]
        assert client.get(f"{API}/audit", headers=auditor, query_string={
            "since": tomorrow}).json["total"] == 0
        assert_problem(client.get(f"{API}/audit", headers=auditor,
                                  query_string={"since": "2026-13-01"}), 400)

    def test_the_change_feed_newest_first_paged_with_before(self, client, auditor, history):
        first = client.get(f"{API}/changes", headers=auditor, query_string={
            "order": "newest", "limit": 2}).json
        assert [c["object"] for c in first["items"]] == ["amt-b", "amt-a"]
        page = client.get(f"{API}/changes", headers=auditor, query_string={
            "order": "newest", "limit": 1, "before": first["next_cursor"]}).json
        assert [c["object"] for c in page["items"]] == ["melde"]
        offers_only = client.get(f"{API}/changes", headers=auditor, query_string={
            "order": "newest", "collection": "organisations"}).json["items"]
        assert {c["collection"] for c in offers_only} == {"organisations"}
        tomorrow = (berlin_today() + timedelta(days=1)).isoformat()
        assert client.get(f"{API}/changes", headers=auditor, query_string={
            "from": tomorrow}).json["items"] == []

    def test_followers_keep_since(self, client, auditor, history):
        everything = client.get(f"{API}/changes", headers=auditor).json["items"]
        last = everything[-1]["position"]
        assert client.get(f"{API}/changes", headers=auditor, query_string={
            "since": last}).json == {"items": [], "next_cursor": last}
        for wrong in ({"order": "newest", "since": 1}, {"before": 5}):
            assert_problem(client.get(f"{API}/changes", headers=auditor,
                                      query_string=wrong), 400)


def test_the_web_lookup_puts_the_exact_name_first(app, conn):
    """Item 9: "München" listed seven candidates, München itself not first."""
    with app.test_request_context():
        place = places.municipality(conn, "München")
    assert place.choices[0]["ags"] == "09162000"
    assert len(place.choices) > 1  # still candidates: Münchenbernsdorf, … (never a guess)
