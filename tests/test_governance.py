"""Registration, users, tokens, sign-in, audit log."""
import hashlib

import pytest

from app.cli import main
from app.governance import throttle

from .catalog_helpers import API, organisation
from .helpers import assert_problem
from .web_helpers import sign_in, web_user

REGISTRATION = {
    "organisation": {"name": "Amt Musterland", "kind": "Amt", "seat_ags": "01054018",
                     "contact": {"name": "Frau Beispiel", "email": "post@amt.example"}},
    "user": {"email": "Leitung@Amt.example", "name": "A. Leitung",
             "password": "ein langes Passwort"},
    "role": "provider_admin",
}


def register(client, body=REGISTRATION):
    r = client.post(f"{API}/registrations", json=body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["code"], {"X-Claim-Secret": r.json["claim_secret"]}


class TestRegistration:
    def test_status_with_the_claim_secret_only(self, client, conn):
        code, secret = register(client)
        r = client.get(f"{API}/registrations/{code}", headers=secret)
        assert r.json["status"] == "pending"
        assert r.json["organisation"] == "amt-musterland"
        assert r.json["user"]["email"] == "leitung@amt.example"
        assert_problem(client.get(f"{API}/registrations/{code}"), 401)
        assert_problem(client.get(f"{API}/registrations/{code}",
                                  headers={"X-Claim-Secret": "falsch"}), 401)
        # Stored as a hash, the password with argon2.
        row = conn.execute("SELECT claim_secret_hash FROM registration").fetchone()
        assert row["claim_secret_hash"] == hashlib.sha256(
            secret["X-Claim-Secret"].encode()).hexdigest()
        user = conn.execute("SELECT password_hash FROM app_user WHERE email = "
                            "'leitung@amt.example'").fetchone()
        assert user["password_hash"].startswith("$argon2")

    def test_pending_organisation_is_not_public_and_cannot_sign_in(self, client):
        register(client)
        assert_problem(client.get(f"{API}/organisations/amt-musterland"), 404)
        r = client.post(f"{API}/sign-in", json={"email": "leitung@amt.example",
                                                "password": "ein langes Passwort"})
        assert_problem(r, 401)

    def test_approval_activates_organisation_and_user(self, client, dm):
        code, secret = register(client)
        queue = client.get(f"{API}/registrations", query_string={"status": "pending"},
                           headers=dm).json
        assert [r["code"] for r in queue["items"]] == [code]
        r = client.post(f"{API}/registrations/{code}/approve", headers=dm, json={})
        assert r.json["status"] == "approved"
        assert client.get(f"{API}/organisations/amt-musterland").json["status"] == "active"
        token = client.post(f"{API}/sign-in", json={"email": "leitung@amt.example",
                                                    "password": "ein langes Passwort"})
        assert token.status_code == 201 and token.json["token"].startswith("rmt_")
        assert_problem(client.post(f"{API}/registrations/{code}/approve", headers=dm,
                                   json={}), 409)

    def test_the_registered_organisation_has_its_history_and_change_feed(self, client, dm,
                                                                         login):
        auditor = login("auditor")
        before = client.get(f"{API}/changes", headers=dm,
                            query_string={"since": 0, "limit": 5000}).json["next_cursor"]
        code, _ = register(client)
        client.post(f"{API}/registrations/{code}/approve", headers=dm, json={})
        history = client.get(f"{API}/organisations/amt-musterland/history",
                             headers=auditor).json["items"]
        assert [(e["action"], e["after"]["status"]) for e in history] == [
            ("organisation.create", "pending"), ("organisation.update", "active")]
        assert history[0]["actor"] == "registrant:leitung@amt.example"
        assert history[1]["actor"] == "data_manager.fks@test.example"
        changes = client.get(f"{API}/changes", headers=dm,
                             query_string={"since": before}).json["items"]
        assert [(c["collection"], c["object"], c["action"]) for c in changes] == [
            ("organisations", "amt-musterland", "organisation.create"),
            ("registrations", code, "registration.submit"),
            ("organisations", "amt-musterland", "organisation.update"),
            ("registrations", code, "registration.approve")]

    def test_registrations_are_decided_through_the_review_mechanism(self, client, dm, conn):
        code, secret = register(client)

        def proposals():
            return conn.execute(
                "SELECT p.status, p.kind, d.email AS decided_by FROM proposal p "
                "JOIN registration r ON r.id = p.object_id LEFT JOIN app_user d "
                "ON d.id = p.decided_by WHERE p.collection = 'registrations' "
                "AND r.code = %(code)s ORDER BY p.id", {"code": code}).fetchall()
        assert [(p["status"], p["kind"]) for p in proposals()] == [("pending", "create")]
        client.post(f"{API}/registrations/{code}/reject", headers=dm, json={"reason": "x"})
        client.post(f"{API}/registrations/{code}/resubmit", headers=secret, json=REGISTRATION)
        client.post(f"{API}/registrations/{code}/approve", headers=dm, json={})
        assert [(p["status"], p["decided_by"]) for p in proposals()] == [
            ("rejected", "data_manager.fks@test.example"),
            ("approved", "data_manager.fks@test.example")]

    def test_rejection_then_resubmission(self, client, dm):
        code, secret = register(client)
        client.post(f"{API}/registrations/{code}/reject", headers=dm,
                    json={"reason": "Sitzgemeinde fehlt im Nachweis"})
        status = client.get(f"{API}/registrations/{code}", headers=secret).json
        assert status["status"] == "rejected"
        assert status["reason"] == "Sitzgemeinde fehlt im Nachweis"
        corrected = {**REGISTRATION, "organisation": {**REGISTRATION["organisation"],
                                                      "seat_ags": "01054062"}}
        r = client.post(f"{API}/registrations/{code}/resubmit", headers=secret, json=corrected)
        assert r.json["status"] == "pending"
        details = client.get(f"{API}/registrations/{code}", headers=dm).json
        assert details["organisation_details"]["seat_ags"] == "01054062"

    def test_an_existing_email_or_organisation_code_is_not_revealed(self, app, client, conn,
                                                                     dm):
        """The answer is the same whether or not they exist; the data
        managers see the conflict, the existing account is never touched."""
        register(client)
        account = conn.execute("SELECT password_hash, status FROM app_user "
                               "WHERE email = 'leitung@amt.example'").fetchone()
        again = {**REGISTRATION, "role": "consumer_admin",
                 "organisation": {**REGISTRATION["organisation"], "code": "kba"},
                 "user": {**REGISTRATION["user"], "name": "Jemand Anderes",
                          "password": "ein ganz anderes Passwort"}}
        r = client.post(f"{API}/registrations", json=again)
        assert r.status_code == 201, r.get_data(as_text=True)
        assert "conflicts" not in r.json and r.json["organisation"] != "kba"
        assert r.json["user"] == {"email": "leitung@amt.example", "name": "Jemand Anderes"}
        assert r.json["role"] == "consumer_admin"
        code, secret = r.json["code"], {"X-Claim-Secret": r.json["claim_secret"]}
        assert "conflicts" not in client.get(f"{API}/registrations/{code}",
                                             headers=secret).json
        seen = client.get(f"{API}/registrations/{code}", headers=dm).json
        assert {c["name"] for c in seen["conflicts"]} == {"user.email", "organisation.code"}
        reviewer = app.test_client()
        sign_in(reviewer, web_user(conn, "data_manager", email="pruefung@test.example"))
        page = reviewer.get(f"/pruefung/registrierungen/{code}").get_data(as_text=True)
        assert "Konflikt" in page and "nicht freigegeben werden" in page
        # It cannot be approved; rejected, the claim holder reads why.
        assert_problem(client.post(f"{API}/registrations/{code}/approve", headers=dm,
                                   json={}), 409)
        client.post(f"{API}/registrations/{code}/reject", headers=dm,
                    json={"reason": "Für diese E-Mail-Adresse besteht bereits ein Konto."})
        status = client.get(f"{API}/registrations/{code}", headers=secret).json
        assert status["status"] == "rejected" and "Konto" in status["reason"]
        assert_problem(client.post(f"{API}/registrations/{code}/resubmit", headers=secret,
                                   json=again), 409)
        client.post(f"{API}/registrations/{code}/withdraw", headers=secret)
        # The existing account: same password, same status, untouched by all of it.
        assert conn.execute("SELECT password_hash, status FROM app_user WHERE email = "
                            "'leitung@amt.example'").fetchone() == account

    def test_resubmit_only_after_rejection_and_withdraw(self, client):
        code, secret = register(client)
        assert_problem(client.post(f"{API}/registrations/{code}/resubmit", headers=secret,
                                   json=REGISTRATION), 409)
        r = client.post(f"{API}/registrations/{code}/withdraw", headers=secret)
        assert r.json["status"] == "withdrawn"
        assert_problem(client.post(f"{API}/registrations/{code}/withdraw", headers=secret), 409)

    def test_bad_input_writes_nothing(self, client, nothing_written):
        register(client)
        with nothing_written():
            body = {**REGISTRATION, "user": {**REGISTRATION["user"], "password": "kurz",
                                             "email": "neu@amt.example"}}
            problem = assert_problem(client.post(f"{API}/registrations", json=body), 422)
            assert problem["errors"][0]["name"] == "user.password"
            assert "kurz" not in str(problem)
            body = {**REGISTRATION, "role": "data_manager"}
            assert_problem(client.post(f"{API}/registrations", json=body), 422)
            body = {**REGISTRATION, "organisation": {**REGISTRATION["organisation"],
                                                     "seat_ags": "09999999"},
                    "user": {**REGISTRATION["user"], "email": "x@amt.example"}}
            problem = assert_problem(client.post(f"{API}/registrations", json=body), 422)
            assert problem["errors"][0]["name"] == "organisation.seat_ags"


class TestUsersAndTokens:
    def test_org_admin_adds_a_colleague_of_its_own_kind_only(self, client, dm, login,
                                                              nothing_written):
        organisation(client, dm, "amt-x")
        admin = login("provider_admin", "amt-x")
        r = client.post(f"{API}/users", headers=admin, json={
            "email": "zweite@amt-x.example", "role": "provider_admin"})
        assert r.status_code == 201 and r.json["organisation"] == "amt-x"
        with nothing_written():
            assert_problem(client.post(f"{API}/users", headers=admin, json={
                "email": "dm@amt-x.example", "role": "data_manager"}), 403)
            assert_problem(client.post(f"{API}/users", headers=admin, json={
                "email": "k@amt-x.example", "role": "provider_admin",
                "organisation": "kba"}), 403)
        listed = client.get(f"{API}/users", headers=admin).json["items"]
        assert {u["organisation"] for u in listed} == {"amt-x"}
        assert len(listed) == 2

    def test_deactivated_user_loses_its_tokens(self, client, dm, login):
        organisation(client, dm, "amt-y")
        admin = login("provider_admin", "amt-y")
        colleague = login("provider_admin", "amt-y", email="kollege@amt-y.example")
        assert client.get(f"{API}/tokens", headers=colleague).status_code == 200
        code = next(u["code"] for u in client.get(f"{API}/users", headers=admin).json["items"]
                    if u["email"] == "kollege@amt-y.example")
        assert client.delete(f"{API}/users/{code}", headers=admin).json["status"] == \
            "deactivated"
        assert_problem(client.get(f"{API}/tokens", headers=colleague), 401, "unauthorized")

    def test_create_list_and_revoke_own_tokens(self, client, login, conn):
        me = login("routing")
        made = client.post(f"{API}/tokens", headers=me, json={"name": "rdn-prod",
                                                              "expires_days": 30})
        assert made.status_code == 201
        token = made.json["token"]
        stored = conn.execute("SELECT token_hash FROM api_token WHERE code = %(c)s",
                              {"c": made.json["code"]}).fetchone()["token_hash"]
        assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
        new = {"Authorization": f"Bearer {token}"}
        codes = [t["code"] for t in client.get(f"{API}/tokens", headers=new).json["items"]]
        assert made.json["code"] in codes
        assert "token" not in client.get(f"{API}/tokens", headers=new).json["items"][0]
        assert client.delete(f"{API}/tokens/{made.json['code']}", headers=me).json["active"] \
            is False
        assert_problem(client.get(f"{API}/tokens", headers=new), 401)

    def test_expired_token_is_401(self, client, login, conn):
        me = login("auditor")
        conn.execute("UPDATE api_token SET expires_at = now() - interval '1 second'")
        r = client.get(f"{API}/audit", headers=me)
        assert_problem(r, 401)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize("header", ["Bearer", "Bearer nope", "Basic dXNlcjpwYXNz",
                                        "Bearer rmt_unknown"])
    def test_bad_credentials_are_401(self, client, header):
        assert_problem(client.get(f"{API}/tokens", headers={"Authorization": header}), 401)

    def test_failed_sign_ins_are_throttled_per_address_and_client(self, client):
        def attempt(ip):
            return client.post(f"{API}/sign-in", json={
                "email": "niemand@amt.example", "password": "geraten"},
                environ_base={"REMOTE_ADDR": ip})
        for _ in range(throttle.MAX_FAILURES):
            assert_problem(attempt("192.0.2.1"), 401)
        r = attempt("192.0.2.1")
        assert_problem(r, 429, "rate-limited")
        assert int(r.headers["Retry-After"]) > 0
        # A stranger cannot lock the address out for everyone else.
        assert_problem(attempt("198.51.100.7"), 401)

    def test_guessing_spread_over_many_clients_is_bounded_too(self, client):
        for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
            client.post(f"{API}/sign-in", json={"email": "ziel@amt.example",
                                                "password": "geraten"},
                        environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"})
        r = client.post(f"{API}/sign-in", json={"email": "ziel@amt.example",
                                                "password": "geraten"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert_problem(r, 429, "rate-limited")

    def test_registrations_are_limited_per_client(self, client):
        def attempt(n, ip):
            body = {**REGISTRATION, "organisation": {**REGISTRATION["organisation"],
                                                     "name": f"Amt {n}"},
                    "user": {**REGISTRATION["user"], "email": f"leitung{n}@amt.example"}}
            return client.post(f"{API}/registrations", json=body,
                               environ_base={"REMOTE_ADDR": ip})
        for n in range(throttle.MAX_REGISTRATIONS):
            assert attempt(n, "192.0.2.50").status_code == 201
        refused = attempt(99, "192.0.2.50")
        assert_problem(refused, 429, "rate-limited")
        assert int(refused.headers["Retry-After"]) > 0
        assert attempt(100, "192.0.2.51").status_code == 201


class TestTokenCommand:
    def run(self, app, *args):
        return app.test_cli_runner().invoke(main, ["token", "create", *args])

    def test_prints_only_a_token_and_creates_the_user(self, app, client):
        result = self.run(app, "--email", "rdn@bva.example", "--role", "routing")
        assert result.exit_code == 0, result.output
        token = result.output.strip()
        assert token.startswith("rmt_") and "\n" not in token
        r = client.get(f"{API}/tokens", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200

    def test_scoped_role_needs_an_organisation(self, app):
        result = self.run(app, "--email", "p@amt.example", "--role", "provider_admin")
        assert result.exit_code != 0 and "--org" in result.output

    def test_existing_user_with_another_role_is_an_error(self, app):
        assert self.run(app, "--email", "a@fks.example", "--role", "auditor").exit_code == 0
        result = self.run(app, "--email", "a@fks.example", "--role", "admin")
        assert result.exit_code != 0 and "auditor" in result.output

    def test_organisation_must_exist(self, app):
        result = self.run(app, "--email", "p@amt.example", "--role", "provider_admin",
                          "--org", "gibt-es-nicht")
        assert result.exit_code != 0


class TestAudit:
    def test_query_by_actor_object_action_and_time(self, client, dm, login):
        organisation(client, dm, "geprueft")
        auditor = login("auditor")
        r = client.get(f"{API}/audit", headers=auditor, query_string={
            "object": "organisations/geprueft"}).json
        assert [e["action"] for e in r["items"]] == ["organisation.create"]
        by_actor = client.get(f"{API}/audit", headers=auditor, query_string={
            "actor": "data_manager.fks@test.example", "action": "organisation.create"}).json
        assert by_actor["total"] == 1
        later = client.get(f"{API}/audit", headers=auditor, query_string={
            "since": "2999-01-01T00:00:00+00:00"}).json
        assert later["total"] == 0
        assert_problem(client.get(f"{API}/audit", headers=dm), 403)
        assert_problem(client.get(f"{API}/audit", headers=auditor,
                                  query_string={"since": "gestern"}), 400)

    def test_audit_log_is_append_only(self, conn):
        import psycopg
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            with conn.transaction():
                conn.execute("UPDATE audit_log SET actor = 'someone else'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            with conn.transaction():
                conn.execute("DELETE FROM audit_log")

    def test_audit_never_holds_secrets(self, client, dm, conn):
        code, secret = register(client)
        client.post(f"{API}/registrations/{code}/approve", headers=dm, json={})
        client.post(f"{API}/sign-in", json={"email": "leitung@amt.example",
                                            "password": "ein langes Passwort"})
        dump = str(conn.execute("SELECT before, after FROM audit_log").fetchall())
        assert "ein langes Passwort" not in dump
        assert secret["X-Claim-Secret"] not in dump
        assert "argon2" not in dump and "rmt_" not in dump


def test_a_registration_without_a_contact_point_is_accepted(client):
    """As on the web form: the applicant's own e-mail is enough to reach them."""
    r = client.post("/api/v1/registrations", json={
        "organisation": {"name": "Amt Ohne Postfach", "kind": "Amt"}, "role": "provider_admin",
        "user": {"email": "leitung@ohne-postfach.example", "password": "ein langes Passwort"}})
    assert r.status_code == 201, r.get_data(as_text=True)
