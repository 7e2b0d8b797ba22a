"""Access tokens of IAM für Behörden (IAM-B): JWTs verified as a resource server (RFC 9068
profile, RFC 8725 practices) and turned into the same Actor an own token makes, acting
through the subject's local user record (governance.users.provision_iam_subject).

Verification is written here once; `auth` calls it for every bearer token that is a JWT
(and caches the actor by the token's hash until its `exp`). Each refusal has a reason from
the closed set REASONS, counted in `regmap_iam_tokens_rejected_total`: the 401 body names
what was wrong, never which keys the issuer has.
"""
import base64
import hmac
import json
import re
import time
from dataclasses import dataclass

from joserfc.jws import JWSRegistry
from prometheus_client import Counter

from ..http.errors import Forbidden, ServiceUnavailable, Unauthorized
from . import queries
from .actor import Actor
from .environments import ENVIRONMENTS
from .iam_keys import IssuerKeys, KeysUnavailable
from .roles import ROLES, acts_for_an_organisation

# Asymmetric algorithms only: `none` and HMAC (whose "key" would be the public key) never.
# Ed25519 is RFC 9864's name for what IdPs still call EdDSA (with an Ed25519 key here).
SUPPORTED_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA", "Ed25519")
_KEY_FITS = {"RS256": ("RSA", None), "PS256": ("RSA", None), "ES256": ("EC", "P-256"),
             "EdDSA": ("OKP", "Ed25519"), "Ed25519": ("OKP", "Ed25519")}
# The algorithms' verifiers, taken from joserfc's table directly: its registry would warn at
# every EdDSA token that RFC 9864 deprecates the name (the key check makes it Ed25519 here),
# and the header has been checked above already.
_VERIFIERS = {name: JWSRegistry.algorithms[name] for name in SUPPORTED_ALGORITHMS}
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068 § 2.1
# 401: the token is not a valid access token of the issuer; 403: it is, but names no role or
# organisation regmap knows; unavailable: the issuer's keys cannot be had (503).
REASONS = ("malformed", "algorithm", "unknown_key", "signature", "type", "issuer", "audience",
           "expired", "not_yet_valid", "claims", "no_role", "several_roles",
           "unknown_organisation", "unknown_environment", "deactivated", "unavailable")
REJECTED = Counter("regmap_iam_tokens_rejected_total",
                   "IAM-B access tokens refused, by reason", ["reason"])
MAX_TOKEN_BYTES = 16 * 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidAccessToken(Unauthorized):
    """401 with RFC 6750's `error="invalid_token"`."""

    def __init__(self, reason, detail):
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Bearer realm="regmap", error="invalid_token", '
                                            f'error_description="{reason}"'}
        REJECTED.labels(reason).inc()


def _refused(reason, detail):
    REJECTED.labels(reason).inc()
    return Forbidden(detail)


@dataclass(frozen=True)
class IamSettings:
    issuer: str
    audience: str
    roles_claim: str = "roles"
    organisation_claim: str = "organisation"
    environment_claim: str = "environment"
    role_map: tuple = ()  # (IdP role, regmap role) pairs
    algorithms: tuple = SUPPORTED_ALGORITHMS
    require_type: bool = True
    leeway: int = 60

    @classmethod
    def from_config(cls, config):
        """None when IAM_ISSUER is not set (own tokens only); ValueError for a setting that
        would weaken verification."""
        if not config["IAM_ISSUER"]:
            return None
        if not config["IAM_AUDIENCE"]:
            raise ValueError("IAM_AUDIENCE: required with IAM_ISSUER (the `aud` regmap accepts)")
        algorithms = tuple(a.strip() for a in config["IAM_ALGORITHMS"].split(",") if a.strip())
        wrong = [a for a in algorithms if a not in SUPPORTED_ALGORITHMS]
        if wrong or not algorithms:
            raise ValueError("IAM_ALGORITHMS: a list of " + ", ".join(SUPPORTED_ALGORITHMS))
        role_map = tuple(tuple(p.strip() for p in pair.split("=", 1))
                         for pair in config["IAM_ROLE_MAP"].split(";") if pair.strip())
        if any(len(p) != 2 or p[1] not in ROLES for p in role_map):
            raise ValueError("IAM_ROLE_MAP: 'idp-role=regmap-role; ...' with regmap roles "
                             + ", ".join(ROLES))
        return cls(issuer=config["IAM_ISSUER"], audience=config["IAM_AUDIENCE"],
                   roles_claim=config["IAM_ROLES_CLAIM"],
                   organisation_claim=config["IAM_ORGANISATION_CLAIM"],
                   environment_claim=config["IAM_ENVIRONMENT_CLAIM"], role_map=role_map,
                   algorithms=algorithms, require_type=config["IAM_REQUIRE_TYPE"],
                   leeway=config["IAM_CLOCK_SKEW_SECONDS"])


class Iam:
    """The issuer regmap trusts: its settings and keys (one per process)."""

    def __init__(self, settings, grace, refetch, provision, **key_options):
        """`provision(conn, claims, role, organisation_id, actor)`: the subject's local user
        record, made or brought up to date (governance owns users: handed in by the app)."""
        self.settings, self.provision = settings, provision
        self.keys = IssuerKeys(settings.issuer, grace, refetch, **key_options)

    def verify(self, token, now=None):
        """The claims of a valid access token; InvalidAccessToken (401) otherwise,
        ServiceUnavailable when the issuer's keys cannot be had."""
        return self._verified(token, self.settings.audience, now, access_token=True)

    def verify_id_token(self, token, client_id, nonce, now=None):
        """The claims of the ID token of this sign-in (OpenID Connect Core § 3.1.3.7):
        meant for `client_id`, carrying the sign-in's `nonce`."""
        claims = self._verified(token, client_id, now, access_token=False)
        if isinstance(claims["aud"], list) and len(claims["aud"]) > 1 \
                and claims.get("azp") != client_id:
            raise InvalidAccessToken("audience", "the ID token was issued to another client")
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise InvalidAccessToken("claims", "the ID token does not belong to this sign-in")
        return claims

    def _verified(self, token, audience, now, access_token):
        s, now = self.settings, time.time() if now is None else now
        header = _header(token)
        alg = header.get("alg")
        if alg not in s.algorithms:
            raise InvalidAccessToken("algorithm", f"the token's algorithm {alg!r} is not "
                                     "accepted (accepted: " + ", ".join(s.algorithms) + ")")
        if "crit" in header:
            raise InvalidAccessToken("malformed", "the token has critical header parameters "
                                     "regmap does not understand")
        typ = header.get("typ")
        is_access_token = str(typ).lower() in ACCESS_TOKEN_TYPES
        if access_token and not is_access_token and (typ is not None or s.require_type):
            raise InvalidAccessToken("type", f"the token's type is {typ!r}, not at+jwt: "
                                     "only access tokens are accepted (RFC 9068)")
        if not access_token and is_access_token:
            raise InvalidAccessToken("type", "an access token is not an ID token")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidAccessToken("malformed", "the token names no key (kid)")
        try:
            key = self.keys.key(kid)
        except KeysUnavailable as exc:
            REJECTED.labels("unavailable").inc()
            raise ServiceUnavailable("the identity provider's keys cannot be fetched, so "
                                     "its tokens cannot be verified now", retry_after=30) from exc
        if key is None:
            raise InvalidAccessToken("unknown_key", "the token is not signed with a current "
                                     "key of the issuer")
        kty, crv = _KEY_FITS[alg]
        if key.key_type != kty or (crv and key.get("crv") != crv):
            raise InvalidAccessToken("algorithm", "the token's algorithm does not fit its key")
        signing_input, _, signature = token.rpartition(".")
        try:
            valid = _VERIFIERS[alg].verify(signing_input.encode("ascii"),
                                           _b64decode(signature), key)
        except (ValueError, TypeError):
            valid = False
        if not valid:
            raise InvalidAccessToken("signature", "the token's signature is not valid")
        try:
            claims = json.loads(_b64decode(signing_input.split(".", 1)[1]))
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise InvalidAccessToken("malformed", "the token's payload is not a JSON object")
        _check_claims(claims, s.issuer, audience, s.leeway, now)
        return claims

    def actor(self, conn, claims):
        """The Actor of verified claims (403 when they name no regmap role or an unknown
        organisation). The subject's local user record is created or brought up to date
        here, in a transaction of its own and audited."""
        s = self.settings
        role = _role(claims.get(s.roles_claim), dict(s.role_map), s.roles_claim)
        organisation = None
        if acts_for_an_organisation(role):
            code = claims.get(s.organisation_claim)
            if not isinstance(code, str) or not code:
                raise _refused("unknown_organisation", f"the role {role} acts for one "
                               f"organisation: the token has no claim {s.organisation_claim!r}")
            organisation = queries.active_organisation(conn, code)
            if organisation is None:
                raise _refused("unknown_organisation", f"the organisation {code!r} named by "
                               "the token is not an active organisation of regmap")
        environment = claims.get(s.environment_claim)
        if environment is not None and environment not in ENVIRONMENTS:
            raise _refused("unknown_environment", f"the token's environment {environment!r} "
                           "is not one of " + ", ".join(ENVIRONMENTS))
        subject = subject_label(claims)
        user = self.provision(conn, claims, role, organisation and organisation["id"],
                              Actor(role=role, subject=subject))
        if user["status"] != "active":
            raise _refused("deactivated", "this IAM-B subject is deactivated in regmap")
        # A machine client's token (client credentials: `sub` is the client, RFC 9068 § 2.2)
        # is counted as the client; a person's is their own, whatever app they use.
        client = claims.get("client_id")
        machine = isinstance(client, str) and client and client == claims.get("sub")
        return Actor(role=role, user_id=user["id"], user_code=user["code"],
                     organisation_id=organisation and organisation["id"],
                     organisation_code=organisation and organisation["code"],
                     environment=environment, subject=subject,
                     client_id=client if machine else None)


def init_app(app, provision):
    """The issuer regmap trusts, or None (own tokens only)."""
    settings = IamSettings.from_config(app.config)
    app.extensions["regmap.iam"] = settings and Iam(
        settings, app.config["IAM_KEYS_GRACE_SECONDS"], app.config["IAM_KEYS_REFETCH_SECONDS"],
        provision)


def subject_label(claims):
    """How the audit and check logs name an IAM-B caller: issuer and subject, and the client
    of a machine token (RFC 9068 `client_id`)."""
    label = f"iam:{claims['iss']}#{claims['sub']}"
    client = claims.get("client_id")
    return label + (f" client_id={client}" if isinstance(client, str) and client else "")


def looks_like_jwt(token):
    return token.count(".") == 2 and token.startswith("eyJ")


def _b64decode(text):
    """base64url without padding (RFC 7515 § 2); ValueError for anything else."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _header(token):
    if len(token) > MAX_TOKEN_BYTES:
        raise InvalidAccessToken("malformed", f"the token is longer than {MAX_TOKEN_BYTES} bytes")
    if token.count(".") != 2:
        raise InvalidAccessToken("malformed", "the token is not a compact JWS (three parts)")
    try:
        header = json.loads(_b64decode(token.split(".", 1)[0]))
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise InvalidAccessToken("malformed", "the token's header is not base64url JSON")
    return header


def _check_claims(claims, issuer, audience, leeway, now):
    if claims.get("iss") != issuer:
        raise InvalidAccessToken("issuer", "the token was issued by another issuer")
    audiences = claims["aud"] if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if audience not in audiences:
        raise InvalidAccessToken("audience", f"the token is not meant for {audience}")
    for name in ("exp", "iat"):
        if not isinstance(claims.get(name), (int, float)) or isinstance(claims[name], bool):
            raise InvalidAccessToken("claims", f"the token has no numeric {name!r} claim")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidAccessToken("claims", "the token has no 'sub' claim")
    if now > claims["exp"] + leeway:
        raise InvalidAccessToken("expired", "the token has expired")
    nbf = claims.get("nbf", claims["iat"])
    if not isinstance(nbf, (int, float)) or now + leeway < max(nbf, claims["iat"]):
        raise InvalidAccessToken("not_yet_valid", "the token is not valid yet")


def _role(raw, role_map, claim):
    names = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
    roles = sorted({role_map.get(n, n) for n in names if isinstance(n, str)} & set(ROLES))
    if not roles:
        raise _refused("no_role", f"the token's claim {claim!r} names no regmap role")
    if len(roles) > 1:
        raise _refused("several_roles", "the token names several regmap roles ("
                       + ", ".join(roles) + "); a token acts in one")
    return roles[0]
