"""A real OpenID provider standing in for IAM für Behörden: npm oidc-provider, started on
loopback by tests/e2e/oidc_provider.mjs (installed by ./scripts/test.sh with axe-core).

Its keys are made here (RSA, P-256, Ed25519) so that the tests can also sign the bad tokens
a provider never issues (expired, wrong audience, ...) with a key the issuer publishes;
every good token comes from the provider's own token endpoint."""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest
import requests
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey, RSAKey

from app.config import REPO_ROOT

E2E = REPO_ROOT / "tests" / "e2e"
AUDIENCE = "https://regmap.test"
SECRET = "a-client-secret-of-the-tests-0123456789"


def unavailable():
    """Why the provider cannot start here (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (E2E / "node_modules" / "oidc-provider" / "package.json").exists():
        return ("oidc-provider is not installed in tests/e2e/node_modules "
                "(./scripts/test.sh installs it; see var/npm-e2e.log)")
    return os.environ.get("REGMAP_IAM_UNAVAILABLE")


def new_keys(generation):
    """One signing key per algorithm family, with ids that name their generation."""
    return [RSAKey.generate_key(2048, {"kid": f"rsa-{generation}", "use": "sig"}),
            ECKey.generate_key("P-256", {"kid": f"ec-{generation}", "use": "sig"}),
            OKPKey.generate_key("Ed25519", {"kid": f"ed-{generation}", "use": "sig"})]


def machine_client(client_id, roles=None, organisation=None, alg="RS256", **extra):
    client = {"client_id": client_id, "client_secret": SECRET,
              "grant_types": ["client_credentials"], "response_types": [],
              "redirect_uris": [], "scope": "regmap", "access_token_alg": alg, **extra}
    if roles is not None:
        client["roles"] = roles
    if organisation is not None:
        client["organisation"] = organisation
    return client


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Provider:
    def __init__(self, workdir, clients, accounts=None):
        self.workdir, self.clients, self.accounts = workdir, clients, accounts or {}
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys = new_keys(1)
        self.process = None

    def start(self):
        path = self.workdir / "oidc-provider.json"
        path.write_text(json.dumps({
            "issuer": self.issuer, "port": self.port, "audience": AUDIENCE,
            "jwks": {"keys": [k.as_dict(private=True) for k in self.keys]},
            "clients": self.clients, "accounts": self.accounts}))
        self.log = open(self.workdir / "oidc-provider.log", "a")  # noqa: SIM115 - kept open
        self.process = subprocess.Popen(["node", str(E2E / "oidc_provider.mjs"), str(path)],
                                        cwd=E2E, stdout=subprocess.PIPE, stderr=self.log,
                                        text=True)
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError("oidc-provider did not start: "
                               + (self.workdir / "oidc-provider.log").read_text()[-2000:])
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process = None
            self.log.close()

    def rotate(self, keep_old=False):
        """Restart with a new generation of keys (and the old ones too, if `keep_old`)."""
        generation = int(self.keys[0].kid.split("-")[1]) + 1
        self.keys = new_keys(generation) + (self.keys if keep_old else [])
        self.stop()
        self.start()

    def token(self, client_id):
        """An access token from the provider's token endpoint (client credentials grant)."""
        metadata = requests.get(f"{self.issuer}/.well-known/openid-configuration",
                                timeout=5).json()
        answer = requests.post(metadata["token_endpoint"], auth=(client_id, SECRET), data={
            "grant_type": "client_credentials", "scope": "regmap", "resource": AUDIENCE},
            timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def sign(self, claims, *, alg="RS256", key=None, header=None):
        """A token the provider never issues, signed with one of its published keys."""
        key = key or self.keys[0]
        protected = {"alg": alg, "typ": "at+jwt", "kid": key.kid, **(header or {})}
        return jws.serialize_compact(protected, json.dumps(claims).encode(), key,
                                     algorithms=[alg])

    def claims(self, **changes):
        """Claims a valid routing token of this issuer would carry."""
        now = int(time.time())
        return {"iss": self.issuer, "sub": "rdn", "client_id": "rdn", "aud": AUDIENCE,
                "iat": now, "exp": now + 300, "jti": f"jti-{now}", "scope": "regmap",
                "roles": ["routing"], **changes}


def start_or_skip(workdir, clients, accounts=None):
    reason = unavailable()
    if reason:
        pytest.skip(f"IAM-B TESTS SKIPPED: {reason}")
    return Provider(workdir, clients, accounts).start()
