"""A real OpenID provider standing in for IAM für Behörden: npm oidc-provider, started on
loopback by tests/e2e/oidc_provider.mjs (installed by ./scripts/test.sh with axe-core).

Its keys are made here (RSA, P-256, Ed25519) so that the tests can also sign the bad tokens
a provider never issues (expired, wrong audience, ...) with a key the issuer publishes;
every good token comes from the provider's own token endpoint."""
import json
import os
import re
import shutil
import socket
import subprocess
import time
from urllib.parse import urljoin

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


def web_client(base_url, client_id="regmap-web"):
    """The confidential client of regmap's web pages (code flow, PKCE, RP-initiated logout)."""
    return {"client_id": client_id, "client_secret": SECRET,
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "redirect_uris": [f"{base_url}/anmelden/iam/zurueck"],
            "post_logout_redirect_uris": [f"{base_url}/"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile email regmap"}


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

    def sign_in(self, authorization_url, login, redirect_prefix):
        """Walk the provider's own login and consent pages (its dev interactions: any
        password) as a browser would, from the authorization request regmap sent the browser
        to; the URL it finally sends the browser back to (starting with `redirect_prefix`)."""
        session, url, data = requests.Session(), authorization_url, None
        for _ in range(10):
            answer = (session.post(url, data=data, allow_redirects=False, timeout=5) if data
                      else session.get(url, allow_redirects=False, timeout=5))
            if answer.is_redirect:
                url, data = urljoin(url, answer.headers["Location"]), None
                if url.startswith(redirect_prefix):
                    return url
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', answer.text)
            assert form, answer.text[-2000:]
            prompt = re.search(r'name="prompt" value="(\w+)"', answer.text).group(1)
            url = urljoin(url, form.group(1))
            data = {"prompt": prompt, **({"login": login, "password": "beliebig"}
                                         if prompt == "login" else {})}
        raise AssertionError("the provider never sent the browser back")

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
