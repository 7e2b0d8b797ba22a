"""Signed competence answers, verified as an integrator would: from the answer, the question
it asked and /.well-known/jwks.json alone (RFC 9421 signatures, RFC 9530 Content-Digest),
before and after a key rotation. Keys are made by the tests; none lives in the repository."""
import os
import re
from types import SimpleNamespace

import pytest
from http_message_signatures import HTTPMessageVerifier, algorithms
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from http_message_signatures.resolvers import HTTPSignatureKeyResolver
from joserfc.jwk import import_key

from app import create_app
from app.cli import main
from app.edge import signing
from app.edge.signing import COVERED, SigningKeyError, new_private_key_pem

from .catalog_helpers import API, evidence_type, offer, organisation
from .conftest import app_config

HANNOVER = {"evidence_type": "melde", "ags": "03241001"}
LANGENHAGEN = {"evidence_type": "melde", "ags": "03241010"}
ALGORITHMS = {"EdDSA": algorithms.ED25519, "ES256": algorithms.ECDSA_P256_SHA256}


@pytest.fixture
def key_file(tmp_path):
    def make(name, kind="Ed25519"):
        path = tmp_path / f"{name}.pem"
        path.write_bytes(new_private_key_pem(kind))
        return str(path)
    return make


@pytest.fixture
def signing_app(database_url, test_pool, conn, tmp_path, client, dm):
    """make(keys, **config) -> a test client of an app signing with these key files, over a
    catalogue with one offer for Region Hannover."""
    evidence_type(client, dm, "melde")
    organisation(client, dm, "region-hannover")
    offer(client, dm, "melde", ["03241"], provider="region-hannover")

    def make(*keys, **config):
        return create_app(app_config(database_url, test_pool,
                                     SEARCH_INDEX_DIR=str(tmp_path / "search"),
                                     SIGNING_KEYS=",".join(keys), **config)).test_client()
    return make


class JwksResolver(HTTPSignatureKeyResolver):
    """What an integrator holds: the published key set, nothing else."""

    def __init__(self, jwks):
        self.keys = {k["kid"]: k for k in jwks["keys"]}

    def resolve_public_key(self, key_id):
        jwk = self.keys.get(key_id)
        return import_key(jwk).get_op_key("verify") if jwk else None


def verify(answer, jwks, asked=None):
    """Verify `answer` as the answer to `asked` (default: the request it answered)."""
    key_id = re.search(r'keyid="([^"]+)"', answer.headers["Signature-Input"]).group(1)
    published = {k["kid"]: k for k in jwks["keys"]}
    if key_id not in published:
        raise HTTPMessageSignaturesException(f"key {key_id} is not published")
    verifier = HTTPMessageVerifier(signature_algorithm=ALGORITHMS[published[key_id]["alg"]],
                                   key_resolver=JwksResolver(jwks))
    request = SimpleNamespace(method="GET", headers={}, url=asked or answer.request.url)
    message = SimpleNamespace(status_code=answer.status_code, headers=dict(answer.headers),
                              request=request)
    return verifier.verify(message, body=answer.get_data(), expect_tag="regmap",
                           require_components=COVERED)


def ask(client, params=HANNOVER, signed=True):
    headers = {"Accept-Signature": 'regmap=("@status" "content-digest")'} if signed else {}
    return client.get(f"{API}/competence", query_string=params, headers=headers)


def test_an_answer_verifies_from_the_published_keys_alone(signing_app, key_file):
    client = signing_app(key_file("k1"))
    jwks = client.get("/.well-known/jwks.json").json
    assert [k["alg"] for k in jwks["keys"]] == ["EdDSA"]
    assert "d" not in jwks["keys"][0]  # the public part only
    first, second = ask(client), ask(client)  # the second from the fast path
    for answer in (first, second):
        assert answer.status_code == 200
        assert answer.headers["Content-Digest"].startswith("sha-256=:")
        assert verify(answer, jwks)[0].label == "regmap"
    # Unasked, nothing is signed; a problem answer (409, 404) is signed like a found one.
    assert "Signature" not in ask(client, signed=False).headers
    assert verify(ask(client, {"evidence_type": "melde", "ags": "09162000"}), jwks)


def test_a_batch_answer_is_signed_over_its_body(signing_app, key_file, login):
    client = signing_app(key_file("k1"))
    jwks = client.get("/.well-known/jwks.json").json
    answer = client.post(f"{API}/competence/batch", headers={
        **login("routing"), "Accept-Signature": 'regmap=("content-digest")'}, json={
        "evidence_type": "melde", "lookups": [{"ags": "03241001"}, {"ags": "09162000"}]})
    assert answer.status_code == 200
    key_id = re.search(r'keyid="([^"]+)"', answer.headers["Signature-Input"]).group(1)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                   key_resolver=JwksResolver(jwks))
    message = SimpleNamespace(status_code=200, headers=dict(answer.headers),
                              request=SimpleNamespace(method="POST", headers={},
                                                      url=answer.request.url))
    assert verifier.verify(message, body=answer.get_data(), expect_tag="regmap")
    assert key_id == jwks["keys"][0]["kid"]


def test_the_same_answer_keeps_its_signature_for_a_minute(signing_app, key_file, monkeypatch):
    client = signing_app(key_file("k1"))
    made = []
    sign = signing.AnswerSigner._sign
    monkeypatch.setattr(signing.AnswerSigner, "_sign",
                        lambda self, *args: made.append(1) or sign(self, *args))
    first, second = ask(client), ask(client)
    assert len(made) == 1 and first.headers["Signature"] == second.headers["Signature"]
    ask(client, LANGENHAGEN)  # another question: its own signature
    assert len(made) == 2
    later = signing.time.time() + signing.REUSE_SECONDS
    monkeypatch.setattr(signing.time, "time", lambda: later)
    jwks = client.get("/.well-known/jwks.json").json
    assert verify(ask(client), jwks) and len(made) == 3  # signed anew after a minute


def test_a_changed_answer_or_another_question_does_not_verify(signing_app, key_file):
    client = signing_app(key_file("k1"))
    jwks = client.get("/.well-known/jwks.json").json
    answer = ask(client)
    # The same signed bytes offered as the answer to another lookup: refused.
    other = answer.request.url.replace("03241001", "03241010")
    with pytest.raises(HTTPMessageSignaturesException):
        verify(answer, jwks, asked=other)
    answer.set_data(answer.get_data().replace(b"region-hannover", b"somebody-else"))
    with pytest.raises(HTTPMessageSignaturesException):
        verify(answer, jwks)


def test_old_answers_verify_after_a_rotation_while_their_key_is_listed(signing_app,
                                                                       key_file):
    old_key, new_key = key_file("old"), key_file("new", "P-256")
    before = ask(signing_app(old_key))
    rotated = signing_app(new_key, old_key)
    jwks = rotated.get("/.well-known/jwks.json").json
    assert [k["alg"] for k in jwks["keys"]] == ["ES256", "EdDSA"]
    after = ask(rotated, LANGENHAGEN)
    assert verify(after, jwks) and verify(before, jwks)
    assert re.search(r'keyid="([^"]+)"', after.headers["Signature-Input"]).group(1) == \
        jwks["keys"][0]["kid"]
    # Once the old key is no longer listed, its answers no longer verify.
    retired = signing_app(new_key).get("/.well-known/jwks.json").json
    with pytest.raises(HTTPMessageSignaturesException):
        verify(before, retired)


def test_always_signs_without_being_asked_and_no_keys_sign_nothing(signing_app, key_file):
    always = signing_app(key_file("k1"), SIGN_ANSWERS="always")
    assert "Signature" in ask(always, signed=False).headers
    unsigned = signing_app()
    assert "Signature" not in ask(unsigned).headers
    assert unsigned.get("/.well-known/jwks.json").json == {"keys": []}


def test_a_signature_asked_for_without_a_key_says_why_it_is_missing(signing_app, caplog):
    from app.edge.signing import AnswerSigner
    AnswerSigner._told = False
    unsigned = signing_app()
    with caplog.at_level("WARNING", logger="app.edge.signing"):
        answers = [ask(unsigned), ask(unsigned)]
    for answer in answers:
        assert answer.status_code == 200 and "Signature" not in answer.headers
        assert answer.headers["Signature-Status"] == \
            'unsigned; reason="no signing key configured"'
    assert [r.message for r in caplog.records].count(
        next(r.message for r in caplog.records if "SIGNING_KEYS" in r.message)) == 1
    # Not asked, nothing is said.
    assert "Signature-Status" not in ask(unsigned, signed=False).headers


def test_a_key_that_cannot_sign_is_refused_at_start(signing_app, tmp_path):
    not_a_key = tmp_path / "x.pem"
    not_a_key.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningKeyError):
        signing_app(str(not_a_key))


def test_the_cli_makes_a_private_key_readable_by_its_owner_only(app, tmp_path):
    path = tmp_path / "regmap-signing.pem"
    done = app.test_cli_runner().invoke(main, ["signing-key", "create", str(path)])
    assert done.exit_code == 0, done.output
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert len(done.output.strip()) == 43  # the key id: a base64url SHA-256 thumbprint
    again = app.test_cli_runner().invoke(main, ["signing-key", "create", str(path)])
    assert again.exit_code != 0 and "exists already" in again.output
