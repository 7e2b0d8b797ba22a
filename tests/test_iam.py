"""IAM-B access tokens (RFC 9068) from a real OpenID provider (npm oidc-provider on loopback):
accepted with the same roles, organisation scoping and audit as own tokens; every bad token a
401 or 403 problem that writes nothing; keys rotated without a restart; an outage of the
provider survived while its keys are cached."""
import base64
import json

import pytest
from joserfc.jwk import OctKey, RSAKey
from prometheus_client import REGISTRY

from app import create_app
from app.access import auth, iam_keys
from app.competence.fastpath import CompetenceFastPath

from . import iam
from .catalog_helpers import API, create, evidence_type, offer, organisation
from .conftest import app_config
from .helpers import assert_problem, flask_calls

CLIENTS = [
    iam.machine_client("rdn", ["routing"]),
    iam.machine_client("rdn-ps", ["routing"], alg="PS256"),
    iam.machine_client("rdn-es", ["routing"], alg="ES256"),
    iam.machine_client("rdn-ed", ["routing"], alg="EdDSA"),
    iam.machine_client("fks", ["FKS-Datenmanagement"]),
    iam.machine_client("amt", ["provider_admin"], organisation="amt-iam"),
    iam.machine_client("amt-elsewhere", ["provider_admin"], organisation="nirgendwo"),
    iam.machine_client("nobody", ["Sachbearbeitung"]),
    iam.machine_client("two-hats", ["routing", "auditor"]),
    iam.machine_client("rdn-test", ["routing"], environment="test"),
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = iam.start_or_skip(tmp_path_factory.mktemp("iam"), CLIENTS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def iam_app(database_url, test_pool, provider):
    return create_app(app_config(database_url, test_pool, IAM_ISSUER=provider.issuer,
                                 IAM_AUDIENCE=iam.AUDIENCE, IAM_KEYS_REFETCH_SECONDS=0,
                                 IAM_ROLE_MAP="FKS-Datenmanagement=data_manager"))


@pytest.fixture
def client(iam_app, test_pool, conn, tmp_path):
    test_pool.conn = conn
    iam_app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "search")
    yield iam_app.test_client()
    test_pool.conn = None


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def rejected(reason):
    return REGISTRY.get_sample_value("regmap_iam_tokens_rejected_total", {"reason": reason}) or 0


@pytest.mark.parametrize("client_id", ["rdn", "rdn-ps", "rdn-es", "rdn-ed"])
def test_a_routing_token_of_each_algorithm_reads_what_routing_reads(client, provider,
                                                                    client_id):
    headers = bearer(provider.token(client_id))
    assert client.get(f"{API}/changes", headers=headers).status_code == 200
    # ... and nothing more: routing may not list the audit log.
    assert_problem(client.get(f"{API}/audit", headers=headers), 403)


def test_the_first_token_of_a_subject_creates_its_user_record_audited(client, conn, provider):
    headers = bearer(provider.token("fks"))
    assert client.get(f"{API}/proposals", headers=headers).status_code == 200
    user = conn.execute("SELECT * FROM app_user WHERE iam_subject = 'fks'").fetchone()
    assert (user["role"], user["iam_issuer"], user["email"], user["password_hash"]) == (
        "data_manager", provider.issuer, None, None)
    entry = conn.execute("SELECT * FROM audit_log WHERE action = 'user.iam-provision'"
                         ).fetchone()
    assert entry["actor"] == f"iam:{provider.issuer}#fks client_id=fks"
    assert entry["object_code"] == user["code"] and entry["actor_user_id"] is None
    # A second token of the same subject finds the record as it is: no new entry.
    client.get(f"{API}/proposals", headers=bearer(provider.token("fks")))
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE action = "
                        "'user.iam-provision'").fetchone()["n"] == 1


def test_a_machine_client_is_limited_as_itself_whichever_token_it_holds(
        database_url, test_pool, conn, provider, tmp_path):
    """RATE_LIMIT_BY_TOKEN names an IAM-B client as iam:<client_id>; its short-lived tokens
    share one count, so a new token is no way around the limit."""
    test_pool.conn = conn
    try:
        limited = create_app(app_config(
            database_url, test_pool, IAM_ISSUER=provider.issuer, IAM_AUDIENCE=iam.AUDIENCE,
            SEARCH_INDEX_DIR=str(tmp_path / "search"), RATE_LIMIT_PER_TOKEN="1000/minute",
            RATE_LIMIT_BY_TOKEN="iam:rdn=2/minute")).test_client()
        first, second = provider.token("rdn"), provider.token("rdn")
        assert first != second
        url = f"{API}/municipalities/09162000"
        answers = [limited.get(url, headers=bearer(t)) for t in (first, second, first)]
        assert [r.status_code for r in answers] == [200, 200, 429]
        assert answers[0].headers["RateLimit-Limit"] == "2"
        other = limited.get(url, headers=bearer(provider.token("rdn-ps")))
        assert other.status_code == 200 and other.headers["RateLimit-Limit"] == "1000"
    finally:
        test_pool.conn = None


def test_an_iam_b_identity_issues_itself_no_regmap_token(client, provider,
                                                       nothing_written):
    """A regmap token would outlive the identity's revocation at IAM-B: refused, 403."""
    headers = bearer(provider.token("rdn"))
    client.get(f"{API}/tokens", headers=headers)          # its user record exists now
    with nothing_written():
        r = client.post(f"{API}/tokens", json={"name": "Umweg"}, headers=headers)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert "IAM-B" in r.json["detail"]


def test_a_write_is_audited_under_the_external_subject(client, conn, provider):
    fks = bearer(provider.token("fks"))
    organisation(client, fks, "amt-iam")
    entry = conn.execute("SELECT a.actor, u.iam_subject FROM audit_log a JOIN app_user u "
                         "ON u.id = a.actor_user_id WHERE a.action = 'organisation.create' "
                         "AND a.object_code = 'amt-iam'").fetchone()
    assert entry == {"actor": f"iam:{provider.issuer}#fks client_id=fks", "iam_subject": "fks"}


def test_an_organisation_admin_acts_for_the_organisation_its_token_names(client, conn,
                                                                         provider):
    fks = bearer(provider.token("fks"))
    organisation(client, fks, "amt-iam")
    organisation(client, fks, "anderes-amt")
    amt = bearer(provider.token("amt"))
    assert client.get(f"{API}/organisations/amt-iam/history", headers=amt).status_code == 200
    assert_problem(client.get(f"{API}/organisations/anderes-amt/history", headers=amt), 403)


def test_the_permission_check_log_names_the_subject(client, conn, provider):
    fks = bearer(provider.token("fks"))
    organisation(client, fks, "parkamt")
    create(client, fks, "services", {"code": "parken", "name": {"de": "Parken"}})
    r = client.get(f"{API}/permissions/check", headers=bearer(provider.token("rdn")),
                   query_string={"consumer": "parkamt", "service": "parken",
                                 "evidence_type": "fahrzeugdaten-zb1", "provider": "kba"})
    assert r.status_code == 200, r.get_data(as_text=True)
    asked_by = conn.execute("SELECT asked_by FROM permission_check ORDER BY id DESC LIMIT 1"
                            ).fetchone()["asked_by"]
    assert asked_by == f"iam:{provider.issuer}#rdn client_id=rdn"


def test_an_environment_claim_binds_the_token(client, provider):
    headers = bearer(provider.token("rdn-test"))
    r = client.get(f"{API}/competence", headers=headers, query_string={
        "evidence_type": "fahrzeugdaten-zb1", "ags": "09162000", "environment": "production"})
    assert_problem(r, 403)
    assert "bound to the test environment" in r.json["detail"]


def test_the_competence_fast_path_answers_an_iam_token_as_an_own_token(client, iam_app,
                                                                      provider, login):
    fks = bearer(provider.token("fks"))
    evidence_type(client, fks, "melde")
    organisation(client, fks, "amt-suedtondern")
    offer(client, fks, "melde", ["010545489"], provider="amt-suedtondern",
          connection_parameters={"dvdv": "x"}, valid_from="2025-01-01")
    params = {"evidence_type": "melde", "ags": "01054018"}
    own, routing = login("routing"), bearer(provider.token("rdn"))
    expected = client.get(f"{API}/competence", query_string=params, headers=own)
    client.get(f"{API}/competence", query_string=params, headers=routing)  # verified, cached
    with flask_calls(iam_app, CompetenceFastPath) as calls:
        answers = [client.get(f"{API}/competence", query_string=params, headers=routing)
                   for _ in range(3)]
    # Its user record was made at the first request: at most the next one meets Flask.
    assert len(calls) <= 1
    assert {a.data for a in answers} == {expected.data}
    assert expected.json["offer"]["connection_parameters"] == {"dvdv": "x"}


# --- refused with 403: a valid token that names no role or organisation regmap knows -------

@pytest.mark.parametrize("client_id, reason, detail", [
    ("nobody", "no_role", "names no regmap role"),
    ("two-hats", "several_roles", "several regmap roles (auditor, routing)"),
    ("amt-elsewhere", "unknown_organisation", "'nirgendwo' named by the token is not an active"),
])
def test_a_valid_token_without_a_known_role_or_organisation_is_403(
        client, provider, nothing_written, client_id, reason, detail):
    headers, before = bearer(provider.token(client_id)), rejected(reason)
    with nothing_written():
        r = client.get(f"{API}/changes", headers=headers)
    assert_problem(r, 403)
    assert detail in r.json["detail"]
    assert rejected(reason) == before + 1


# --- refused with 401: tokens the issuer did not issue as they are -------------------------

def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(provider, **claims):
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": "rsa-1"}).encode())
    return f"{header}.{_b64(json.dumps(provider.claims(**claims)).encode())}."


def _hmac_with_public_key(provider):
    public = provider.keys[0].as_dict(private=False)
    secret = OctKey.import_key(json.dumps(public).encode())
    return provider.sign(provider.claims(), alg="HS256", key=secret,
                         header={"kid": provider.keys[0].kid})


def _tampered(provider):
    header, payload, signature = provider.token("rdn").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["admin"]
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


BAD_TOKENS = {
    "expired": ("expired", lambda p: p.sign(p.claims(exp=p.claims()["iat"] - 3600)),
                "expired"),
    "not yet valid": ("not_yet_valid", lambda p: p.sign(p.claims(nbf=p.claims()["iat"] + 3600)),
                      "not valid yet"),
    "wrong aud": ("audience", lambda p: p.sign(p.claims(aud="https://other.example")),
                  "not meant for https://regmap.test"),
    "wrong iss": ("issuer", lambda p: p.sign(p.claims(iss="https://iam.other.example")),
                  "another issuer"),
    "alg none": ("algorithm", _unsigned, "'none' is not accepted"),
    "HS256 with the public key": ("algorithm", _hmac_with_public_key, "'HS256' is not accepted"),
    "unknown kid": ("unknown_key", lambda p: p.sign(p.claims(), key=RSAKey.generate_key(
        2048, {"kid": "rsa-made-up"})), "not signed with a current key"),
    "signed by another key under a known kid": ("signature", lambda p: p.sign(
        p.claims(), key=RSAKey.generate_key(2048, {"kid": p.keys[0].kid})), "signature"),
    "tampered payload": ("signature", _tampered, "signature"),
    "an ID token": ("type", lambda p: p.sign(p.claims(), header={"typ": "JWT"}), "not at+jwt"),
    "no sub": ("claims", lambda p: p.sign({k: v for k, v in p.claims().items() if k != "sub"}),
               "'sub'"),
    "not base64": ("malformed", lambda p: "eyJ!.x.y", "not base64url JSON"),
}


@pytest.mark.parametrize("name", BAD_TOKENS)
def test_a_bad_token_is_401_invalid_token_and_writes_nothing(client, provider, nothing_written,
                                                             name):
    reason, make, detail = BAD_TOKENS[name]
    token, before = make(provider), rejected(reason)
    with nothing_written():
        r = client.get(f"{API}/changes", headers=bearer(token))
    assert_problem(r, 401)
    assert detail in r.json["detail"]
    assert r.headers["WWW-Authenticate"].startswith('Bearer realm="regmap", error="invalid_token"')
    assert rejected(reason) == before + 1
    assert token not in r.get_data(as_text=True)
    # The public keys' ids are never told.
    assert not any(k.kid in r.json["detail"] for k in provider.keys)


def test_a_token_signed_in_order_but_for_an_unknown_organisation_writes_nothing(
        client, provider, nothing_written):
    token = provider.sign(provider.claims(sub="x", roles=["consumer_admin"],
                                          organisation="gibt-es-nicht"))
    with nothing_written():
        assert_problem(client.get(f"{API}/changes", headers=bearer(token)), 403)


# --- keys: rotation without restart, outage survived while cached ---------------------------

def test_rotated_keys_are_taken_without_restart_and_removed_keys_refused(client, provider):
    assert client.get(f"{API}/changes", headers=bearer(provider.token("rdn"))).status_code == 200
    old_key = provider.keys[0]
    provider.rotate()
    # A token of the new key names a key id not seen yet: the key set is fetched again.
    assert client.get(f"{API}/changes", headers=bearer(provider.token("rdn"))).status_code == 200
    # The removed key no longer verifies anything new.
    r = client.get(f"{API}/changes", headers=bearer(provider.sign(provider.claims(),
                                                                   key=old_key)))
    assert_problem(r, 401)
    assert "not signed with a current key" in r.json["detail"]


def test_an_outage_of_the_provider_is_survived_while_its_keys_are_cached(client, provider):
    token = provider.token("rdn")
    assert client.get("/readyz").json["iam"]["keys"] == "fresh"
    provider.stop()
    try:
        # A token not seen yet verifies with the cached keys.
        r = client.get(f"{API}/changes", headers=bearer(provider.sign(provider.claims(
            sub="rdn-2"))))
        assert r.status_code == 200, r.get_data(as_text=True)
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json["iam"]["key_count"] == 3
        assert client.get(f"{API}/changes", headers=bearer(token)).status_code == 200
    finally:
        provider.start()


def test_own_tokens_work_beside_and_can_be_switched_off(client, iam_app, login):
    routing = login("routing")
    assert client.get(f"{API}/changes", headers=routing).status_code == 200
    auth._actors.entries.clear()
    iam_app.config["OWN_TOKENS"] = False
    try:
        r = client.get(f"{API}/changes", headers=routing)
        assert_problem(r, 401)
        assert "own tokens are switched off" in r.json["detail"]
    finally:
        iam_app.config["OWN_TOKENS"] = True


# --- the key cache: one fetch per lifetime, one refetch per unknown key id and interval -----

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def counting_keys(provider, refetch=30, grace=3600):
    fetched, clock = [], Clock()

    def fetch(url):
        fetched.append(url)
        return iam_keys._fetch_json(url)
    keys = iam_keys.IssuerKeys(provider.issuer, grace, refetch, fetch=fetch, clock=clock)
    return keys, fetched, clock


def test_keys_are_kept_for_their_lifetime_and_unknown_ids_refetch_at_most_every_interval(
        provider):
    keys, fetched, clock = counting_keys(provider)
    assert keys.key(provider.keys[0].kid) is not None
    first = len(fetched)  # the OpenID configuration and the key set
    assert first == 2
    for _ in range(100):  # a flood of made-up key ids costs one fetch per interval
        assert keys.key("made-up") is None
    assert len(fetched) == first
    clock.now += 31
    assert keys.key("made-up") is None and len(fetched) == first + 1
    clock.now += iam_keys.MAX_LIFETIME  # past its lifetime: fetched again (configuration kept)
    keys.key(provider.keys[0].kid)
    assert len(fetched) == first + 2 and fetched[-1].endswith("/jwks")


def test_an_unreachable_issuer_leaves_the_keys_usable_for_the_grace_period_then_503(provider):
    keys, fetched, clock = counting_keys(provider, grace=600)
    kid = provider.keys[0].kid
    assert keys.key(kid) is not None
    lifetime = keys.status()["usable_for_seconds"] - 600
    provider.stop()
    try:
        clock.now += lifetime + 1
        assert keys.key(kid) is not None  # stale, still trusted
        assert keys.status()["keys"] == "cached" and keys.status()["issuer_error"]
        clock.now += 600
        with pytest.raises(iam_keys.KeysUnavailable):
            keys.key(kid)
        assert keys.status()["keys"] == "unavailable"
    finally:
        provider.start()
    clock.now += 31
    assert keys.key(kid) is not None and keys.status()["keys"] == "fresh"


@pytest.mark.parametrize("settings, wrong", [
    ({"IAM_ISSUER": "http://iam.example"}, "IAM_ISSUER"),
    ({"IAM_ISSUER": "https://iam.example/?x=1"}, "IAM_ISSUER"),
    ({"IAM_AUDIENCE": ""}, "IAM_AUDIENCE"),
    ({"IAM_ALGORITHMS": "RS256,HS256"}, "IAM_ALGORITHMS"),
    ({"IAM_ALGORITHMS": "none"}, "IAM_ALGORITHMS"),
    ({"IAM_ROLE_MAP": "RDN=superuser"}, "IAM_ROLE_MAP"),
])
def test_settings_that_would_weaken_verification_stop_the_start(database_url, test_pool,
                                                                 settings, wrong):
    config = app_config(database_url, test_pool, **{
        "IAM_ISSUER": "https://iam.example", "IAM_AUDIENCE": iam.AUDIENCE, **settings})
    with pytest.raises(ValueError, match=wrong):
        create_app(config)


# --- the subject's record follows its claims; regmap can lock it out ------------------------

def test_changed_claims_update_the_record_audited_and_a_local_deactivation_locks_out(
        client, conn, provider, login):
    as_routing = provider.sign(provider.claims(sub="wechsel", client_id="wechsel"))
    assert client.get(f"{API}/changes", headers=bearer(as_routing)).status_code == 200
    as_auditor = provider.sign(provider.claims(sub="wechsel", client_id="wechsel",
                                               roles=["auditor"]))
    assert client.get(f"{API}/audit", headers=bearer(as_auditor)).status_code == 200
    user = conn.execute("SELECT code, role FROM app_user WHERE iam_subject = 'wechsel'"
                        ).fetchone()
    changes = conn.execute("SELECT before->>'role' AS was, after->>'role' AS now FROM audit_log "
                           "WHERE action = 'user.iam-provision' AND object_code = %s "
                           "ORDER BY id", [user["code"]]).fetchall()
    assert user["role"] == "auditor"
    assert changes == [{"was": None, "now": "routing"}, {"was": "routing", "now": "auditor"}]

    r = client.delete(f"{API}/users/{user['code']}", headers=login("admin"))
    assert r.status_code == 200, r.get_data(as_text=True)
    refused = client.get(f"{API}/audit", headers=bearer(as_auditor))
    assert_problem(refused, 403)
    assert "deactivated in regmap" in refused.json["detail"]


def test_no_token_reaches_the_audit_log_the_check_log_or_an_error(client, conn, provider):
    fks, rdn = provider.token("fks"), provider.token("rdn")
    organisation(client, bearer(fks), "parkamt")
    client.get(f"{API}/permissions/check", headers=bearer(rdn), query_string={
        "consumer": "parkamt", "service": "parken", "evidence_type": "fahrzeugdaten-zb1"})
    bad = client.get(f"{API}/changes", headers=bearer(fks[:-4] + "AAAA"))
    logged = json.dumps(conn.execute(
        "SELECT (SELECT json_agg(a) FROM audit_log a) AS audit, "
        "(SELECT json_agg(c) FROM permission_check c) AS checks").fetchone(), default=str)
    for token in (fks, rdn):
        for part in token.split("."):
            assert part not in logged and part not in bad.get_data(as_text=True)


def test_readiness_without_usable_keys_only_fails_where_own_tokens_are_off(
        database_url, test_pool, conn, tmp_path):
    port = iam._free_port()  # nobody listens there: the keys cannot be fetched
    app = create_app(app_config(database_url, test_pool, IAM_ISSUER=f"http://127.0.0.1:{port}",
                                IAM_AUDIENCE=iam.AUDIENCE, IAM_KEYS_REFETCH_SECONDS=0))
    test_pool.conn = conn
    try:
        ready = app.test_client().get("/readyz")
        assert ready.status_code == 200
        assert ready.json["iam"]["keys"] == "unavailable"
        assert "ConnectionRefused" in ready.json["iam"]["issuer_error"] \
            or "Connection refused" in ready.json["iam"]["issuer_error"]
        token = "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6InJzYS0xIn0.e30.c2ln"
        unavailable = app.test_client().get(f"{API}/changes", headers=bearer(token))
        assert_problem(unavailable, 503)
        assert unavailable.headers["Retry-After"] == "30"
        app.config["OWN_TOKENS"] = False
        assert_problem(app.test_client().get("/readyz"), 503)
    finally:
        test_pool.conn = None


@pytest.mark.parametrize("cache_control, lifetime", [
    ("public, max-age=600", 600), ("max-age=5", iam_keys.MIN_LIFETIME),
    ("max-age=999999", iam_keys.MAX_LIFETIME), (None, iam_keys.DEFAULT_LIFETIME),
    ("no-store", iam_keys.MIN_LIFETIME)])
def test_keys_live_as_long_as_their_cache_header_says_within_bounds(provider, cache_control,
                                                                     lifetime):
    def fetch(url):
        document, _ = iam_keys._fetch_json(url)
        if url.endswith("openid-configuration"):
            return document, None
        max_age = None if cache_control is None else (
            0 if "no-store" in cache_control else int(cache_control.split("=")[1]))
        return document, max_age
    keys = iam_keys.IssuerKeys(provider.issuer, grace=0, refetch=0, fetch=fetch,
                               clock=Clock())
    keys.key(provider.keys[0].kid)
    assert keys.status()["usable_for_seconds"] == lifetime
