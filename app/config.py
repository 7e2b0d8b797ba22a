"""Every setting regmap reads, taken from the environment in one place.

The README's configuration table documents each of these; keep the two in step.
"""
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass
class Config:
    # Where the catalogue lives. Empty: an embedded PostgreSQL under VAR_DIR is started.
    DATABASE_URL: str = ""
    # Optional streaming replica of DATABASE_URL: index loads, feed following, public reads,
    # exports and search read from it; writes and reads inside writing requests never do.
    DATABASE_REPLICA_URL: str = ""
    # Working data kept across restarts: embedded database, metrics, search index.
    VAR_DIR: str = str(REPO_ROOT / "var")
    # Data the product ships (reference areas, IDNrG registers, demo catalogue).
    SEED_DIR: str = str(REPO_ROOT / "catalog_seed")
    # Problem types are PROBLEM_BASE_URL + slug (RFC 9457 "type").
    PROBLEM_BASE_URL: str = "https://regmap.example/problems/"
    # Base of the public, dereferenceable URIs in exports; never the request's host.
    PUBLIC_BASE_URL: str = "https://regmap.example"
    # The search index (a projection of the database). Default: VAR_DIR/search.
    SEARCH_INDEX_DIR: str = ""
    # Run searches in a child process per worker at a lower CPU priority, so a flood of
    # worst-case searches never shares an interpreter lock or the CPU's first call with
    # competence answers ("0": in the worker itself, as the tests do).
    SEARCH_PROCESS: bool = True
    # The catalogue's publisher in RDF exports.
    EXPORT_PUBLISHER_NAME: str = "FITKO (Föderale IT-Kooperation)"
    # The contributor IRI GovData assigned (http://dcat-ap.de/def/contributors/...): DCAT-AP.de
    # Konvention 12/13. Without it, exports miss dcatde:contributorID.
    EXPORT_CONTRIBUTOR_ID: str = ""
    # Include illustrative demo entries in RDF exports ("1"/"true").
    EXPORT_ILLUSTRATIVE: bool = False
    # Do routing tokens' competence answers consider illustrative (demo) offers unless they
    # ask otherwise (illustrative=)? Everyone else's do.
    REGMAP_ROUTING_ILLUSTRATIVE: bool = True
    # Rate limits on API answers (edge/ratelimit.py; "<count>/<second|minute|hour>"): per token,
    # and per client address for requests without one. Counted per process unless
    # RATE_LIMIT_STORAGE_URL (e.g. redis://127.0.0.1:6379/0) shares one count.
    RATE_LIMIT_PER_TOKEN: str = "1000/second"
    RATE_LIMIT_PER_ADDRESS: str = "100/second"
    # Limits by the token's role and by token code ("name=limit; name=limit"), before
    # RATE_LIMIT_PER_TOKEN; a token code wins over its role. The routing role (the RDN, the
    # Vermittlungsstelle's permission checks) is never throttled below what one instance can
    # serve (100,000/s per worker is far above it); people's tokens keep tighter limits.
    RATE_LIMIT_BY_ROLE: str = ("routing=100000/second; provider_admin=100/second; "
                               "consumer_admin=100/second")
    RATE_LIMIT_BY_TOKEN: str = ""
    # Limits by client network for callers without a token ("10.0.8.0/24=100000/second"),
    # e.g. the Intermediäre Plattform asking the OOTS binding (/rest/search).
    RATE_LIMIT_BY_ADDRESS: str = ""
    RATE_LIMIT_STORAGE_URL: str = ""
    # Signed competence answers (edge/signing.py): PEM files of Ed25519 or P-256 private keys,
    # comma-separated, kept outside the repository; the first signs, all are published at
    # /.well-known/jwks.json. SIGN_ANSWERS: "on-request" (Accept-Signature) or "always".
    SIGNING_KEYS: str = ""
    SIGN_ANSWERS: str = "on-request"
    # EU OOTS TDD 2.0 answers name Semantic Repository URIs of this environment (production;
    # acceptance: https://sr.acc.oots.tech.ec.europa.eu/): the catalogue keeps them in the
    # 1.x form (https://sr.oots.tech.europa.eu/...), which 1.x answers carry unchanged.
    OOTS_SEMANTIC_REPOSITORY: str = "https://sr.oots.tech.ec.europa.eu/"
    # TDD 2.0 answers signed as the Commission signs its own (oots/response_signature.py):
    # a PEM private key (P-256 or RSA) and its PEM certificate chain, signing certificate
    # first, both kept outside the repository. Empty: 2.0 answers go unsigned.
    OOTS_SIGNING_KEY: str = ""
    OOTS_SIGNING_CHAIN: str = ""
    # IAM für Behörden (README "Identities from IAM-B"): JWT access tokens of this issuer are
    # accepted beside regmap's own tokens (empty: own tokens only). Keys come from the
    # issuer's OpenID configuration and are kept for their HTTP cache lifetime, and for
    # IAM_KEYS_GRACE_SECONDS more while the issuer cannot be reached.
    IAM_ISSUER: str = ""
    IAM_AUDIENCE: str = ""
    IAM_ROLES_CLAIM: str = "roles"
    IAM_ORGANISATION_CLAIM: str = "organisation"
    IAM_ENVIRONMENT_CLAIM: str = "environment"
    # The IdP's role names -> regmap's ("NOOTS-RDN=routing; FKS-Datenmanagement=data_manager").
    IAM_ROLE_MAP: str = ""
    IAM_ALGORITHMS: str = "RS256,PS256,ES256,EdDSA,Ed25519"
    # Require `typ: at+jwt` (RFC 9068); "0" only for an IdP that sets no typ at all (a typ
    # other than at+jwt is refused either way).
    IAM_REQUIRE_TYPE: bool = True
    IAM_CLOCK_SKEW_SECONDS: int = 60
    IAM_KEYS_GRACE_SECONDS: int = 3600
    # A token naming a key id not seen yet fetches the key set again, at most this often.
    IAM_KEYS_REFETCH_SECONDS: int = 30
    # Sign-in to the web pages through IAM-B (OpenID Connect code flow with PKCE): the
    # confidential client registered for regmap's pages, with the redirect URI
    # {public address}/anmelden/iam/zurueck. IAM_WEB_ONLY: no password form beside it.
    IAM_WEB_CLIENT_ID: str = ""
    IAM_WEB_CLIENT_SECRET: str = ""
    IAM_WEB_SCOPES: str = "openid profile email"
    IAM_WEB_ONLY: bool = False
    # regmap's own API tokens ("0": IAM-B tokens only, for a deployment inside NOOTS).
    OWN_TOKENS: bool = True
    # Reverse proxies in front of the service whose X-Forwarded-For is trusted (nginx: 1).
    # The rate limits count the forwarded client address, never a header anyone can send.
    TRUSTED_PROXY_HOPS: int = 0
    # Session and CSRF cookies only over HTTPS ("0" for plain http other than localhost).
    WEB_COOKIE_SECURE: bool = True
    LOG_LEVEL: str = "INFO"
    DB_POOL_MIN_SIZE: int = 1
    DB_POOL_MAX_SIZE: int = 8
    # Seconds a request may wait for a pooled connection before failing with 503 (also the
    # connect timeout).
    DB_POOL_TIMEOUT: int = 5
    # Server-side bounds per pooled connection (seconds; statement 0 = none: the CLI).
    DB_STATEMENT_TIMEOUT: int = 30
    DB_IDLE_IN_TRANSACTION_TIMEOUT: int = 60
    # How often each process writes the permission checks it answered to the check log
    # (competence/check_log.py): a crash loses at most this many seconds of entries (0:
    # each entry is written with its check, as the tests do).
    CHECK_LOG_FLUSH_SECONDS: float = 0.5
    # Off only to measure what the check log costs (bench/check_log_bench.py): auditors rely
    # on it, and a service without it cannot show who checked what.
    CHECK_LOG: bool = True
    # Threads per gunicorn worker (regmap serve). Idle ones cost little: searches waiting for
    # their turn may hold up to half of them (search/engine.py).
    GUNICORN_THREADS: int = 16
    # Requests of one process that may use the database at once (0: GUNICORN_THREADS - 1, so
    # one thread always stays for competence answers from memory and /healthz).
    DB_CONCURRENCY: int = 0
    # How often each process checks whether the catalogue changed (in-process caches).
    # 0: check on every request (tests); answers are fresh within this many seconds.
    CACHE_POLL_SECONDS: float = 0.25
    # After its first competence answer, each process loads the offers of every evidence
    # type in the background (yielding to requests), so that no lookup of a routing service
    # waits for a type to load. Off: each type loads when it is first asked for.
    COMPETENCE_PRELOAD: bool = True
    # Name the answering process in an X-Served-By header (benchmarks measure "every worker").
    SERVED_BY_HEADER: bool = False
    # Lets tests hand the app a pool of their own (a single connection in a transaction).
    DB_POOL: object = field(default=None, repr=False)

    @classmethod
    def from_env(cls, overrides=None):
        values = {}
        for f in fields(cls):
            if f.name == "DB_POOL":
                continue
            if f.type is int or f.type == "int":
                values[f.name] = _int(f.name, f.default)
            elif f.type is bool or f.type == "bool":
                raw = os.environ.get(f.name, "")
                values[f.name] = raw.lower() in ("1", "true", "yes") if raw else f.default
            elif f.type is float or f.type == "float":
                values[f.name] = float(os.environ.get(f.name) or f.default)
            else:
                values[f.name] = os.environ.get(f.name, f.default)
        values.update(overrides or {})
        config = cls(**values)
        if not config.SEARCH_INDEX_DIR:
            config.SEARCH_INDEX_DIR = f"{config.VAR_DIR}/search"
        if config.SIGN_ANSWERS not in ("on-request", "always"):
            raise ValueError("SIGN_ANSWERS: on-request or always")
        if not (config.OOTS_SEMANTIC_REPOSITORY.startswith("https://")
                and config.OOTS_SEMANTIC_REPOSITORY.endswith("/")):
            raise ValueError("OOTS_SEMANTIC_REPOSITORY: an https URL ending in /")
        if not config.PROBLEM_BASE_URL.endswith("/"):
            config.PROBLEM_BASE_URL += "/"
        return config
