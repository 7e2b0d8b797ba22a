"""Signed OOTS answers (TDD 2.0 § 3.6.2): regmap's verifier accepts the Commission's real
signatures on every captured 2.0 answer (tests/oots/tdd-2.0-captured) and rejects
each of them with one byte of the body or of a header changed; answers regmap signs verify
with the same code, and `regmap oots verify-answer` says so from the command line."""
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from app.config import REPO_ROOT
from app.oots import response_signature as rs

CAPTURED = REPO_ROOT / "tests" / "oots" / "tdd-2.0-captured"
ANSWERS = sorted(p.stem for p in CAPTURED.glob("*.headers"))
SIGNER = "CN=EC-OOTS-CS-ACC,O=European Commission,OU=OOTS,C=BE"


def captured(name):
    headers = {}
    for line in (CAPTURED / f"{name}.headers").read_text().splitlines():
        key, _, value = line.partition(": ")
        headers[key] = value
    return (CAPTURED / f"{name}.xml").read_bytes(), headers


def changed(text, position):
    """`text` with the character at `position` replaced by another of the same alphabet."""
    old = text[position]
    new = "B" if old == "A" else "A"
    return text[:position] + new + text[position + 1:]


def test_every_captured_2_0_answer_is_here():
    assert len(ANSWERS) == 7


@pytest.mark.parametrize("name", ANSWERS)
def test_the_commissions_signature_verifies(name):
    body, headers = captured(name)
    verified = rs.verify(body, headers)
    assert verified.signer == SIGNER
    assert verified.chain[-1] == "CN=European Commission Root CA - 2 test"
    assert verified.signed_at.year == 2026 and not verified.anchored


@pytest.mark.parametrize("name", ANSWERS)
def test_one_byte_changed_anywhere_is_rejected(name):
    body, headers = captured(name)
    for position in (0, len(body) // 3, len(body) // 2, len(body) - 2):
        mutated = bytearray(body)
        mutated[position] ^= 0x01
        with pytest.raises(rs.SignatureInvalid, match="digest header does not match"):
            rs.verify(bytes(mutated), headers)
    value = headers["digest"]
    for position in (len("SHA-256="), len(value) - 3):
        with pytest.raises(rs.SignatureInvalid):
            rs.verify(body, {**headers, "digest": changed(value, position)})
    signature = headers["oots-response-sig"]
    protected_end, signature_start = signature.index("."), signature.rindex(".") + 1
    for position in (5, protected_end // 2, protected_end - 10, signature_start + 3,
                     len(signature) - 5):
        with pytest.raises(rs.SignatureInvalid):
            rs.verify(body, {**headers, "oots-response-sig": changed(signature, position)})


def test_a_missing_header_or_an_attached_payload_is_rejected():
    body, headers = captured(ANSWERS[0])
    with pytest.raises(rs.SignatureInvalid, match="no digest or oots-response-sig"):
        rs.verify(body, {"digest": headers["digest"]})
    encoded, _, signature = headers["oots-response-sig"].split(".")
    with pytest.raises(rs.SignatureInvalid, match="detached"):
        rs.verify(body, {**headers, "oots-response-sig": f"{encoded}.ZGlnZXN0.{signature}"})


def test_a_trusted_root_anchors_the_chain_and_another_one_refuses_it():
    body, headers = captured(ANSWERS[0])
    root = _x5c(headers)[-1]
    assert rs.verify(body, headers, trusted=[root]).anchored
    other = certificate_authority()[1].public_bytes(Encoding.DER)
    with pytest.raises(rs.SignatureInvalid, match="trusted"):
        rs.verify(body, headers, trusted=[other])


@pytest.mark.parametrize("kind", ["P-256", "RSA"])
def test_answers_regmap_signs_verify_with_the_same_code(kind):
    key, root, leaf, leaf_key = certificate_authority(kind)
    body = b'<query:QueryResponse status="...Success"/>'
    chain = [leaf.public_bytes(Encoding.DER), root.public_bytes(Encoding.DER)]
    headers = rs.sign(body, leaf_key, chain)
    verified = rs.verify(body, headers, trusted=[chain[-1]])
    assert verified.signer == "CN=regmap OOTS (test)" and verified.anchored
    with pytest.raises(rs.SignatureInvalid):
        rs.verify(body + b" ", headers)
    with pytest.raises(rs.SignatureInvalid):
        rs.verify(body, {**headers, "oots-response-sig": changed(
            headers["oots-response-sig"], len(headers["oots-response-sig"]) - 4)})


def test_the_command_verifies_an_answer_and_names_a_broken_one(tmp_path):
    regmap = str(Path(sys.executable).parent / "regmap")
    name = "eb_requirements_fr"
    ok = subprocess.run([regmap, "oots", "verify-answer", str(CAPTURED / f"{name}.xml"),
                         str(CAPTURED / f"{name}.headers")], capture_output=True, text=True,
                        timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert SIGNER in ok.stdout and "not anchored" in ok.stdout
    broken = tmp_path / "broken.xml"
    broken.write_bytes((CAPTURED / f"{name}.xml").read_bytes().replace(b"FR", b"DE", 1))
    bad = subprocess.run([regmap, "oots", "verify-answer", str(broken),
                          str(CAPTURED / f"{name}.headers")], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 1 and "digest header does not match" in bad.stderr


def _x5c(headers):
    import base64
    import json
    encoded = headers["oots-response-sig"].split(".")[0]
    protected = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return [base64.b64decode(c) for c in protected["x5c"]]


def certificate_authority(kind="P-256"):
    """A root and a signing certificate of a test CA made here."""
    def new_key():
        return ec.generate_private_key(ec.SECP256R1()) if kind == "P-256" else \
            rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def name(common):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])
    now = datetime.now(timezone.utc)
    root_key, leaf_key = new_key(), new_key()
    root = (x509.CertificateBuilder().subject_name(name("regmap test root"))
            .issuer_name(name("regmap test root")).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(1))
            .not_valid_after(now + timedelta(30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name("regmap OOTS (test)"))
            .issuer_name(root.subject).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(1))
            .not_valid_after(now + timedelta(30)).sign(root_key, hashes.SHA256()))
    return root_key, root, leaf, leaf_key
