"""Signed answers (docs/api-conventions.md, "Signed answers"): RFC 9421 HTTP Message Signatures
with an RFC 9530 `Content-Digest`, so that an integrator can prove an answer came from regmap
and answers the question it asked.

Keys are Ed25519 or ECDSA P-256 private keys in PEM files outside the repository
(SIGNING_KEYS, comma-separated; `regmap signing-key create FILE` makes one). The first signs;
every listed key's public part is published at /.well-known/jwks.json, so signatures made
with an older key still verify while it is listed (rotation: put the new key first, remove
the old one when its answers no longer need verifying). A key's id is its RFC 7638 JWK
thumbprint.

Each signature (label and tag `regmap`) covers the status, Content-Type, Content-Digest and
the request's method, path and query (`;req`): a signed answer cannot be replayed as the
answer to another lookup. Answers are signed when the request carries `Accept-Signature`
(RFC 9421 section 5), or always with SIGN_ANSWERS=always. Applied as plain WSGI around the
paths the factory names (the competence answers), the fast path included. The same answer to
the same request is signed once a minute (REUSE_SECONDS) and otherwise carries its remembered
signature.
"""
import datetime
import hashlib
import logging
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from http_message_signatures import HTTPMessageSigner, algorithms
from http_message_signatures.resolvers import MappingKeyResolver
from joserfc.jwk import ECKey, OKPKey

log = logging.getLogger(__name__)

LABEL = TAG = "regmap"
# Sent instead of a signature when one is asked for and no key is configured.
UNSIGNED = ("Signature-Status", 'unsigned; reason="no signing key configured"')
COVERED = ("@status", "content-type", "content-digest", '"@method";req', '"@path";req',
           '"@query";req')
_ALGORITHMS = {"OKP": (algorithms.ED25519, "EdDSA"),
               "EC": (algorithms.ECDSA_P256_SHA256, "ES256")}
# The same answer to the same request within this many seconds carries the same signature
# (its `created` is when it was first signed): building a signature costs several times
# what the answer itself costs, and the routing service asks the same lookups all day.
REUSE_SECONDS = 60
MAX_REMEMBERED = 100_000


class SigningKeyError(ValueError):
    """A configured key that cannot sign: wrong file, type or curve."""


def load_keys(paths):
    """[(key id, joserfc key)] for the PEM files of SIGNING_KEYS, in their order."""
    keys = []
    for path in [p.strip() for p in paths.split(",") if p.strip()]:
        pem = Path(path).read_bytes()
        for kind in (OKPKey, ECKey):
            try:
                key = kind.import_key(pem)
                break
            except Exception:  # noqa: BLE001 - the other kind, or not a key at all
                key = None
        if key is None or not key.is_private or \
                key.as_dict().get("crv") not in ("Ed25519", "P-256"):
            raise SigningKeyError(f"{path}: not an Ed25519 or P-256 private key in PEM")
        keys.append((key.thumbprint(), key))
    return keys


def jwk_set(keys):
    """The public JWK set of these keys (/.well-known/jwks.json)."""
    return {"keys": [{**key.as_dict(private=False), "kid": kid, "use": "sig",
                      "alg": _ALGORITHMS[key.key_type][1]} for kid, key in keys]}


def new_private_key_pem(kind="Ed25519"):
    """A fresh private key in PEM (for `regmap signing-key create` and tests)."""
    key = OKPKey.generate_key("Ed25519") if kind == "Ed25519" else ECKey.generate_key("P-256")
    return key.as_pem(private=True)


class AnswerSigner:
    def __init__(self, app, wsgi_app, paths):
        self.wsgi_app, self.paths = wsgi_app, frozenset(paths)
        self.keys = load_keys(app.config["SIGNING_KEYS"])
        app.extensions["regmap.jwks"] = jwk_set(self.keys)
        self.always = app.config["SIGN_ANSWERS"] == "always"
        if self.keys:
            kid, key = self.keys[0]
            self.key_id = kid
            self._remembered, self._lock = {}, threading.Lock()
            self.signer = HTTPMessageSigner(
                signature_algorithm=_ALGORITHMS[key.key_type][0],
                key_resolver=MappingKeyResolver(public_keys={},
                                                private_keys={kid: key.get_op_key("sign")}))

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") not in self.paths or not (
                self.always or "HTTP_ACCEPT_SIGNATURE" in environ):
            return self.wsgi_app(environ, start_response)
        if not self.keys:
            return self._unsigned(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: captured.setdefault("written", []).append(data)
        chunks = self.wsgi_app(environ, capture)
        try:
            body = b"".join([*captured.get("written", []), *chunks])
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = captured["status"], captured["headers"]
        if not status.startswith("304"):
            headers = self._signed(environ, int(status[:3]), headers, body)
        start_response(status, headers)
        return [body]

    _told = False  # the missing key is logged once per process

    def _unsigned(self, environ, start_response):
        """Asked for a signature without a key to make one: the answer as it is, saying why
        it is unsigned (and the operator is told once)."""
        if not AnswerSigner._told:
            AnswerSigner._told = True
            log.warning("a signed answer was asked for (Accept-Signature) but SIGNING_KEYS is "
                        "empty: answers go out unsigned with %s", UNSIGNED[0])

        def respond(status, headers, exc_info=None):
            return start_response(status, [*headers, UNSIGNED], exc_info)
        return self.wsgi_app(environ, respond)

    def _signed(self, environ, status_code, headers, body):
        """`headers` with Content-Digest, Signature-Input and Signature added (made anew, or
        remembered from the same answer to the same request less than REUSE_SECONDS
        ago)."""
        fields = dict(headers)
        key = (status_code, environ["REQUEST_METHOD"], environ["PATH_INFO"],
               environ.get("QUERY_STRING", ""), fields.get("Content-Type"),
               hashlib.sha256(body).digest())
        now = time.time()
        remembered = self._remembered.get(key)
        if remembered is not None and now - remembered[0] < REUSE_SECONDS:
            return headers + remembered[1]
        added = self._sign(environ, status_code, fields, body)
        if status_code >= 300:
            return headers + added  # problems name their request id: never the same twice
        with self._lock:
            if len(self._remembered) >= MAX_REMEMBERED:
                self._remembered.clear()
            self._remembered[key] = (now, added)
        return headers + added

    def _sign(self, environ, status_code, fields, body):
        """The signature headers for one answer: [(name, value)]."""
        before = set(fields)
        request = SimpleNamespace(method=environ["REQUEST_METHOD"], headers={}, url=(
            f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST') or 'localhost'}"
            f"{environ['PATH_INFO']}"
            + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")))
        message = SimpleNamespace(status_code=status_code, headers=fields, request=request)
        self.signer.sign(message, key_id=self.key_id, label=LABEL, tag=TAG,
                         created=datetime.datetime.now(datetime.timezone.utc),
                         covered_component_ids=COVERED, body=body)
        return [(name, value) for name, value in message.headers.items()
                if name not in before]
