"""The signing keys of IAM für Behörden (IAM-B): found through the issuer's OpenID
configuration, kept for their HTTP cache lifetime, fetched again once for a key id not seen
yet (at most every `refetch` seconds, so a flood of made-up key ids costs one fetch), and kept
past their lifetime while the issuer cannot be reached (up to `grace` seconds), so that an
outage of the identity provider does not reject tokens that were verifiable a minute ago.

Only this module speaks HTTP to the issuer (also the web sign-in's token request,
`post_form`); nothing here blocks a reader while another thread fetches, unless there is no
key at all yet."""
import base64
import json
import re
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode, urlsplit

from joserfc.jwk import KeySet

# How long keys are kept when the issuer sends no max-age, and the bounds of a max-age.
DEFAULT_LIFETIME, MIN_LIFETIME, MAX_LIFETIME = 300, 60, 86_400
FETCH_TIMEOUT_SECONDS = 3
MAX_DOCUMENT_BYTES = 512 * 1024
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class KeysUnavailable(Exception):
    """No usable key: the issuer cannot be reached and nothing cached is still valid."""


def check_issuer_url(issuer):
    """IAM_ISSUER as OpenID Connect Discovery requires it: https (plain http only on
    loopback, for tests and a local provider), no query or fragment."""
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("IAM_ISSUER: an https URL without query or fragment "
                         "(http only on loopback)")
    return issuer


def _fetch_json(url):
    """(document, max-age seconds or None) of a JSON document at `url`."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - checked scheme
        body = response.read(MAX_DOCUMENT_BYTES + 1)
        cache_control = response.headers.get("Cache-Control", "")
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url}: larger than {MAX_DOCUMENT_BYTES} bytes")
    match = re.search(r"max-age=(\d+)", cache_control)
    no_store = "no-store" in cache_control or "no-cache" in cache_control
    return json.loads(body), (0 if no_store else int(match.group(1)) if match else None)


def post_form(url, fields, client_id, secret):
    """POST a form to the issuer with client_secret_basic (RFC 6749 § 2.3.1): the JSON
    answer, also for an error status (its `error` then says what)."""
    credentials = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    request = urllib.request.Request(check_issuer_url(url), data=urlencode(fields).encode(),
                                     headers={"Accept": "application/json",
                                              "Authorization": "Basic "
                                              + base64.b64encode(credentials).decode()})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - checked scheme
            body = response.read(MAX_DOCUMENT_BYTES)
    except urllib.error.HTTPError as error:
        body = error.read(MAX_DOCUMENT_BYTES)
    answer = json.loads(body)
    if not isinstance(answer, dict):
        raise ValueError(f"{url}: not a JSON object")
    return answer


class IssuerKeys:
    def __init__(self, issuer, grace, refetch, fetch=_fetch_json, clock=time.monotonic):
        self.issuer, self.grace, self.refetch = check_issuer_url(issuer), grace, refetch
        self._fetch, self._clock = fetch, clock
        self._keys = {}  # kid -> joserfc key
        self._fresh_until = self._usable_until = float("-inf")
        self._last_attempt = float("-inf")
        self._jwks_uri = None
        self.metadata = None  # the issuer's OpenID configuration, once fetched
        self.last_error = None  # why the last fetch failed (None: it did not)
        self._lock = threading.Lock()

    def key(self, kid):
        """The issuer's key with this id; None if the issuer has no such key (after one
        fetch, if the last one is older than `refetch` seconds). KeysUnavailable when no key
        can be trusted now."""
        now = self._clock()
        if now >= self._fresh_until:
            self._refresh(wait=now >= self._usable_until)
        if self._clock() >= self._usable_until:
            raise KeysUnavailable(self.last_error or "the issuer's keys were not fetched")
        found = self._keys.get(kid)
        if found is None and self._clock() - self._last_attempt >= self.refetch:
            self._refresh(wait=True)
            found = self._keys.get(kid)
        return found

    def configuration(self):
        """The issuer's OpenID configuration (fetched with its keys); KeysUnavailable when it
        cannot be had."""
        if self.metadata is None:
            self._refresh(wait=True)
        if self.metadata is None:
            raise KeysUnavailable(self.last_error or "the OpenID configuration was not fetched")
        return self.metadata

    def status(self):
        """For /readyz: whether tokens can be verified now, and how."""
        now = self._clock()
        if now >= self._fresh_until:
            self._refresh(wait=now >= self._usable_until)
            now = self._clock()
        if now < self._fresh_until:
            state = "fresh"
        elif now < self._usable_until:
            state = "cached"  # the issuer cannot be reached; the last keys are still used
        else:
            state = "unavailable"
        return {"issuer": self.issuer, "keys": state, "key_count": len(self._keys),
                "usable_for_seconds": round(max(0.0, self._usable_until - now)),
                "issuer_error": self.last_error}

    def _refresh(self, wait):
        """Fetch the key set unless another thread does (then wait only if `wait`), at most
        every `refetch` seconds."""
        if not self._lock.acquire(blocking=wait):
            return
        try:
            if self._clock() - self._last_attempt < self.refetch:
                return
            self._last_attempt = self._clock()
            try:
                keys, max_age = self._load()
            except Exception as exc:  # noqa: BLE001 - any failure: keep the cached keys
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                return
            lifetime = DEFAULT_LIFETIME if max_age is None else max(
                MIN_LIFETIME, min(MAX_LIFETIME, max_age))
            now = self._clock()
            self._keys, self.last_error = keys, None
            self._fresh_until, self._usable_until = now + lifetime, now + lifetime + self.grace
        finally:
            self._lock.release()

    def _load(self):
        if self._jwks_uri is None:
            metadata, _ = self._fetch(self.issuer.rstrip("/")
                                      + "/.well-known/openid-configuration")
            if metadata.get("issuer") != self.issuer:
                raise ValueError("the OpenID configuration names another issuer")
            self._jwks_uri = check_issuer_url(metadata["jwks_uri"])
            self.metadata = metadata
        try:
            document, max_age = self._fetch(self._jwks_uri)
        except Exception:
            self._jwks_uri = None  # the configuration may have moved it: ask again next time
            raise
        public = [k for k in document.get("keys", ())
                  if k.get("kid") and k.get("use", "sig") == "sig" and k.get("kty") != "oct"
                  and not {"d", "p", "q", "k"} & set(k)]
        key_set = KeySet.import_key_set({"keys": public})
        return {k.kid: k for k in key_set.keys}, max_age
