"""Signed OOTS answers as the Commission's common services sign them (TDD 2.0 § 3.6.2): a
`digest` header (SHA-256 of the body bytes, RFC 3230 form) and an `oots-response-sig` header
holding a detached JAdES JWS (ETSI TS 119 182-1) over that header:

    protected: {"alg", "kid", "x5t#o": {"digAlg", "digVal"}, "x5c": [...], "typ": "jose",
                "b64": false, "iat", "sigD": {"mId": ".../19182/HttpHeaders",
                "pars": ["digest"]}, "crit": ["b64", "sigD"]}
    signing input: ASCII(BASE64URL(protected)) "." "digest: SHA-256=..."

Read off the Commission's acceptance answers in tests/oots/tdd-2.0-captured (every one
verifies with this module; tests/test_oots_signature.py). `verify` is the one check, for
the Commission's answers and for regmap's own; `sign` makes regmap's.
"""
import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding

DIGEST_HEADER, SIGNATURE_HEADER = "digest", "oots-response-sig"
HTTP_HEADERS_MECHANISM = "http://uri.etsi.org/19182/HttpHeaders"
# ETSI TS 119 182-1 names digest algorithms of x5t#o by JWA-like short names.
_CERT_DIGESTS = {"S256": hashlib.sha256, "S384": hashlib.sha384, "S512": hashlib.sha512}
_CURVES = {"ES256": (ec.SECP256R1, hashes.SHA256, 32), "ES384": (ec.SECP384R1, hashes.SHA384, 48)}
ALGORITHMS = ("ES256", "ES384", "RS256", "PS256")


class SignatureInvalid(Exception):
    """The answer is not signed as it says; the message says what is wrong."""


@dataclass(frozen=True)
class Verified:
    signer: str  # the signing certificate's subject (RFC 4514)
    chain: tuple  # the subjects up to the last certificate of x5c
    anchored: bool  # the last certificate is one of the trusted ones
    signed_at: datetime


def digest(body):
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def verify(body, headers, trusted=()):
    """Check an answer's `digest` and `oots-response-sig` against its body bytes. `headers`:
    a mapping of header names (any case) to values; `trusted`: DER certificates one of which
    must end the x5c chain (empty: the chain is checked but not anchored, which the result
    says). SignatureInvalid otherwise."""
    headers = {k.lower(): v for k, v in headers.items()}
    if DIGEST_HEADER not in headers or SIGNATURE_HEADER not in headers:
        raise SignatureInvalid(f"the answer has no {DIGEST_HEADER} or {SIGNATURE_HEADER} header")
    if headers[DIGEST_HEADER] != digest(body):
        raise SignatureInvalid("the digest header does not match the body")
    encoded, detached, signature = _parts(headers[SIGNATURE_HEADER])
    protected = _protected(encoded)
    alg = protected.get("alg")
    if alg not in ALGORITHMS:
        raise SignatureInvalid(f"the signature algorithm {alg!r} is not accepted")
    if detached or protected.get("b64") is not False \
            or sorted(protected.get("crit", ())) != ["b64", "sigD"]:
        raise SignatureInvalid("not a detached JWS with b64 false and crit [b64, sigD]")
    names = _signed_headers(protected.get("sigD"))
    missing = [n for n in names if n not in headers]
    if missing:
        raise SignatureInvalid("signed headers missing from the answer: " + ", ".join(missing))
    chain = _chain(protected)
    signed_at = _signed_at(protected)
    _check_chain(chain, signed_at, trusted)
    payload = "\n".join(f"{name}: {headers[name]}" for name in names)
    _check_signature(chain[0].public_key(), alg, f"{encoded}.{payload}".encode(), signature)
    return Verified(signer=chain[0].subject.rfc4514_string(),
                    chain=tuple(c.subject.rfc4514_string() for c in chain),
                    anchored=bool(trusted), signed_at=signed_at)


def sign(body, private_key, chain, now=None):
    """The two headers of a signed answer: `private_key` (P-256 or RSA) signs, `chain` is the
    certificates as DER, the signing one first."""
    alg = "ES256" if isinstance(private_key, ec.EllipticCurvePrivateKey) else "PS256"
    leaf = x509.load_der_x509_certificate(chain[0])
    protected = {
        "alg": alg, "kid": _issuer_serial(leaf),
        "x5t#o": {"digAlg": "S512", "digVal": _b64url(hashlib.sha512(chain[0]).digest())},
        "x5c": [base64.b64encode(c).decode() for c in chain], "typ": "jose", "b64": False,
        "iat": int((now or datetime.now(timezone.utc)).timestamp()),
        "sigD": {"mId": HTTP_HEADERS_MECHANISM, "pars": [DIGEST_HEADER]},
        "crit": ["b64", "sigD"]}
    encoded = _b64url(json.dumps(protected, separators=(",", ":")).encode())
    value = digest(body)
    signing_input = f"{encoded}.{DIGEST_HEADER}: {value}".encode()
    if alg == "ES256":
        r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        raw = private_key.sign(signing_input, _pss(), hashes.SHA256())
    return {DIGEST_HEADER: value, SIGNATURE_HEADER: f"{encoded}..{_b64url(raw)}"}


@dataclass(frozen=True)
class Signer:
    """regmap's OOTS signing key and its certificate chain (DER, the signing one first)."""
    private_key: object
    chain: tuple

    def headers(self, body):
        return sign(body, self.private_key, list(self.chain))


def load_signer(key_path, chain_path):
    """The signer of OOTS_SIGNING_KEY (a PEM P-256 or RSA private key) and OOTS_SIGNING_CHAIN
    (PEM certificates, the signing one first); None when neither is set. ValueError, naming
    the setting, when they do not belong together."""
    from cryptography.hazmat.primitives.serialization import PublicFormat, load_pem_private_key
    if not key_path and not chain_path:
        return None
    if not (key_path and chain_path):
        raise ValueError("OOTS_SIGNING_KEY and OOTS_SIGNING_CHAIN go together")
    with open(key_path, "rb") as f:
        private_key = load_pem_private_key(f.read(), password=None)
    if not isinstance(private_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)) or (
            isinstance(private_key, ec.EllipticCurvePrivateKey)
            and not isinstance(private_key.curve, ec.SECP256R1)):
        raise ValueError("OOTS_SIGNING_KEY: a P-256 or RSA private key")
    with open(chain_path, "rb") as f:
        certificates = x509.load_pem_x509_certificates(f.read())
    spki = Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    if certificates[0].public_key().public_bytes(*spki) != \
            private_key.public_key().public_bytes(*spki):
        raise ValueError("OOTS_SIGNING_CHAIN: its first certificate is not OOTS_SIGNING_KEY's")
    return Signer(private_key, tuple(c.public_bytes(Encoding.DER) for c in certificates))


def _parts(value):
    parts = value.strip().split(".")
    if len(parts) != 3:
        raise SignatureInvalid("the signature header is not a compact JWS")
    try:
        return parts[0], parts[1], _b64url_decode(parts[2])
    except ValueError as exc:
        raise SignatureInvalid("the signature is not base64url") from exc


def _protected(encoded):
    try:
        protected = json.loads(_b64url_decode(encoded))
    except ValueError as exc:
        raise SignatureInvalid("the protected header is not base64url JSON") from exc
    if not isinstance(protected, dict):
        raise SignatureInvalid("the protected header is not a JSON object")
    return protected


def _signed_headers(sig_d):
    if not isinstance(sig_d, dict) or sig_d.get("mId") != HTTP_HEADERS_MECHANISM:
        raise SignatureInvalid(f"sigD must name the mechanism {HTTP_HEADERS_MECHANISM}")
    names = sig_d.get("pars")
    if not isinstance(names, list) or DIGEST_HEADER not in names \
            or not all(isinstance(n, str) for n in names):
        raise SignatureInvalid("sigD must sign the digest header")
    return [n.lower() for n in names]


def _chain(protected):
    try:
        chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
                 for c in protected["x5c"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureInvalid("x5c does not hold the certificate chain") from exc
    if not chain:
        raise SignatureInvalid("x5c is empty")
    thumbprint = protected.get("x5t#o")
    leaf = chain[0].public_bytes(Encoding.DER)
    if not isinstance(thumbprint, dict) or thumbprint.get("digAlg") not in _CERT_DIGESTS \
            or _b64url(_CERT_DIGESTS[thumbprint["digAlg"]](leaf).digest()) \
            != thumbprint.get("digVal"):
        raise SignatureInvalid("x5t#o does not name the signing certificate")
    if protected.get("kid") is not None and protected["kid"] != _issuer_serial(chain[0]):
        raise SignatureInvalid("kid does not name the signing certificate's issuer and serial")
    return chain


def _signed_at(protected):
    iat = protected.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise SignatureInvalid("the protected header has no iat")
    return datetime.fromtimestamp(iat, timezone.utc)


def _check_chain(chain, at, trusted):
    for cert in chain:
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            raise SignatureInvalid(f"{cert.subject.rfc4514_string()} was not valid when the "
                                   "answer was signed")
    for cert, issuer in zip(chain, chain[1:]):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise SignatureInvalid(f"{cert.subject.rfc4514_string()} is not issued by "
                                   f"{issuer.subject.rfc4514_string()}") from exc
    if trusted and chain[-1].public_bytes(Encoding.DER) not in set(trusted):
        raise SignatureInvalid("the chain does not end in a trusted certificate")


def _check_signature(public_key, alg, signing_input, signature):
    try:
        if alg in _CURVES:
            curve, digest_algorithm, size = _CURVES[alg]
            if not isinstance(public_key, ec.EllipticCurvePublicKey) \
                    or not isinstance(public_key.curve, curve) or len(signature) != 2 * size:
                raise SignatureInvalid(f"the certificate's key does not fit {alg}")
            der = encode_dss_signature(int.from_bytes(signature[:size], "big"),
                                       int.from_bytes(signature[size:], "big"))
            public_key.verify(der, signing_input, ec.ECDSA(digest_algorithm()))
        else:
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise SignatureInvalid(f"the certificate's key does not fit {alg}")
            scheme = padding.PKCS1v15() if alg == "RS256" else _pss()
            public_key.verify(signature, signing_input, scheme, hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureInvalid("the signature does not verify") from exc


def _pss():
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def _issuer_serial(cert):
    """JAdES `kid`: base64 of the DER IssuerSerial (RFC 5035) of the signing certificate."""
    name = cert.issuer.public_bytes()
    directory_name = _der(0xA4, name)  # GeneralName [4] directoryName, explicit
    general_names = _der(0x30, directory_name)
    serial = cert.serial_number.to_bytes((cert.serial_number.bit_length() + 8) // 8, "big")
    return base64.b64encode(_der(0x30, general_names + _der(0x02, serial))).decode()


def _der(tag, content):
    length = len(content)
    if length < 0x80:
        encoded = bytes([length])
    else:
        size = (length.bit_length() + 7) // 8
        encoded = bytes([0x80 | size]) + length.to_bytes(size, "big")
    return bytes([tag]) + encoded + content


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text):
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
           for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
