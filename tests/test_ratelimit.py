"""Rate limits as API.md ("Rate limits") pins them: RateLimit-* headers on API answers, 429
`rate-limited` with Retry-After beyond the limit, per token and per client address (behind a
trusted proxy: the address it forwards), the competence fast path included; one count shared
by every process and instance through Redis (the server these machines run)."""
import socket
import uuid

import pytest
from limits import parse

from app import create_app
from app.access.secrets import sha256
from app.config import Config
from app.edge import windows
from app.edge.windows import MemoryWindows

from .catalog_helpers import API, evidence_type, offer
from .conftest import app_config
from .helpers import assert_problem

MUENCHEN = f"{API}/municipalities/09162000"
REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def limited_app(database_url, test_pool, conn, tmp_path):
    """make(**config) -> an app with these limits, on the test's connection."""
    test_pool.conn = conn

    def make(**config):
        return create_app(app_config(database_url, test_pool, **{
            "SEARCH_INDEX_DIR": str(tmp_path / "search"),
            "RATE_LIMIT_PER_TOKEN": "1000/minute", "RATE_LIMIT_PER_ADDRESS": "1000/minute",
            **config}))
    yield make
    test_pool.conn = None


def test_api_answers_count_down_and_the_one_beyond_is_429(limited_app):
    client = limited_app(RATE_LIMIT_PER_ADDRESS="3/minute").test_client()
    answers = [client.get(MUENCHEN) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert {r.headers["RateLimit-Limit"] for r in answers} == {"3"}
    assert 0 < int(answers[-1].headers["RateLimit-Reset"]) <= 60
    refused = client.get(MUENCHEN)
    assert_problem(refused, 429, "rate-limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"
    # Web pages and probes are not API answers: not limited.
    assert client.get("/").status_code == 200
    assert "RateLimit-Limit" not in client.get("/healthz").headers


def test_a_window_ends_with_its_period_and_the_count_starts_again():
    now = [1_000.0]
    counts, limit = MemoryWindows(clock=lambda: now[0]), parse("2/second")
    assert [counts.hit(limit, "a")[::2] for _ in range(3)] == [(True, 1), (True, 0), (False, 0)]
    assert counts.hit(limit, "b") == (True, 1_001.0, 1)   # another key counts on its own
    now[0] = 1_000.99
    assert counts.hit(limit, "a")[0] is False
    now[0] = 1_001.0   # the window started at the first hit has ended
    assert counts.hit(limit, "a") == (True, 1_002.0, 1)
    # The same key under another limit (its role changed) is another count.
    assert counts.hit(parse("5/minute"), "a") == (True, 1_061.0, 4)


def test_ended_windows_are_swept_so_the_count_stays_bounded():
    now = [0.0]
    counts, limit = MemoryWindows(clock=lambda: now[0]), parse("1/second")
    held = []
    for second in range(5):
        now[0] = float(second)
        for n in range(windows.SWEEP_AT_KEYS // 2):
            assert counts.hit(limit, f"address:{second}:{n}")[0]
            held.append(len(counts))
    # Five seconds of one-off callers (25,000 keys): ended windows were swept out.
    assert max(held) <= windows.SWEEP_AT_KEYS and len(counts) == windows.SWEEP_AT_KEYS // 2


def test_each_token_has_its_own_count_apart_from_the_address(limited_app, login):
    client = limited_app(RATE_LIMIT_PER_TOKEN="2/minute").test_client()
    first, second = login("data_manager"), login("auditor")
    assert [client.get(MUENCHEN, headers=first).status_code for _ in range(3)] == \
        [200, 200, 429]
    assert client.get(MUENCHEN, headers=second).status_code == 200
    assert client.get(MUENCHEN).headers["RateLimit-Limit"] == "1000"  # anonymous: address


def test_the_competence_fast_path_is_limited_too(limited_app, login, client, dm):
    evidence_type(client, dm, "melde")
    offer(client, dm, "melde", ["09162000"], provider="kba")
    limited = limited_app(RATE_LIMIT_BY_ROLE="routing=3/minute").test_client()
    routing = login("routing")
    lookup = {"evidence_type": "melde", "ags": "09162000"}
    statuses = [limited.get(f"{API}/competence", query_string=lookup, headers=routing)
                for _ in range(4)]
    # The second and third come from the fast path (the answer is cached after the first).
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[2].headers["RateLimit-Remaining"] == "0"


def test_the_default_limits_never_throttle_the_routing_service(limited_app, login):
    """The shipped RATE_LIMIT_BY_ROLE: a routing token is held to its role's limit, far above
    what one instance serves, while a token of a role not listed keeps RATE_LIMIT_PER_TOKEN
    (here lowered, so the difference shows in a few requests)."""
    client = limited_app(RATE_LIMIT_PER_TOKEN="20/minute",
                         RATE_LIMIT_BY_ROLE=Config.RATE_LIMIT_BY_ROLE).test_client()
    routing, auditor = login("routing"), login("auditor")
    answers = [client.get(MUENCHEN, headers=routing) for _ in range(30)]
    assert {r.status_code for r in answers} == {200}
    assert answers[0].headers["RateLimit-Limit"] == "100000"   # from the first request on
    assert [client.get(MUENCHEN, headers=auditor).status_code for _ in range(21)][-2:] == \
        [200, 429]


def test_a_token_code_has_a_limit_of_its_own_before_its_role(limited_app, login, conn):
    slow, other = login("routing", email="slow@test.example"), login("routing")
    code = conn.execute("SELECT code FROM api_token WHERE token_hash = %s",
                        (sha256(slow["Authorization"].split()[1]),)).fetchone()["code"]
    client = limited_app(RATE_LIMIT_BY_ROLE="routing=5/minute",
                         RATE_LIMIT_BY_TOKEN=f"{code}=1/minute").test_client()
    assert [client.get(MUENCHEN, headers=slow).status_code for _ in range(2)] == [200, 429]
    assert client.get(MUENCHEN, headers=other).headers["RateLimit-Limit"] == "5"
    # A token the service does not know keeps counting against the default.
    for _ in range(2):
        unknown = client.get(MUENCHEN, headers={"Authorization": "Bearer rmt_unknown"})
        assert unknown.headers["RateLimit-Limit"] == "1000"


def test_a_network_named_for_callers_without_token_has_its_limit(limited_app):
    """The Intermediäre Plattform asks the OOTS binding from its own network."""
    client = limited_app(TRUSTED_PROXY_HOPS=1, RATE_LIMIT_PER_ADDRESS="1/minute",
                         RATE_LIMIT_BY_ADDRESS="192.0.2.0/28=100000/second").test_client()
    inside, outside = {"X-Forwarded-For": "192.0.2.7"}, {"X-Forwarded-For": "192.0.2.70"}
    assert {client.get(MUENCHEN, headers=inside).status_code for _ in range(5)} == {200}
    assert [client.get(MUENCHEN, headers=outside).status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize("setting", [
    {"RATE_LIMIT_BY_ROLE": "routing=viel"}, {"RATE_LIMIT_BY_TOKEN": "tok_x=10/fortnight"},
    {"RATE_LIMIT_BY_ADDRESS": "192.0.2.300=10/second"}])
def test_a_malformed_limit_stops_the_start(limited_app, setting):
    with pytest.raises(ValueError, match="RATE_LIMIT_BY_"):
        limited_app(**setting)


def test_behind_a_trusted_proxy_the_forwarded_address_counts(limited_app):
    proxied = limited_app(RATE_LIMIT_PER_ADDRESS="1/minute", TRUSTED_PROXY_HOPS=1)
    client = proxied.test_client()
    for address in ("198.51.100.1", "198.51.100.2"):
        assert client.get(MUENCHEN, headers={"X-Forwarded-For": address}).status_code == 200
    assert client.get(MUENCHEN, headers={"X-Forwarded-For": "198.51.100.1"}
                      ).status_code == 429
    # Without a trusted proxy the header is the caller's word: it changes nothing.
    direct = limited_app(RATE_LIMIT_PER_ADDRESS="1/minute").test_client()
    assert direct.get(MUENCHEN, headers={"X-Forwarded-For": "198.51.100.3"}).status_code == 200
    assert direct.get(MUENCHEN, headers={"X-Forwarded-For": "198.51.100.4"}
                      ).status_code == 429


def _redis_reachable():
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis server at 127.0.0.1:6379 (these "
                                                   "machines run one; CI's does)")
def test_instances_share_one_count_through_redis(limited_app):
    shared = {"RATE_LIMIT_PER_ADDRESS": "3/minute", "TRUSTED_PROXY_HOPS": 1,
              "RATE_LIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15"}
    one, two = limited_app(**shared).test_client(), limited_app(**shared).test_client()
    # An address of this run alone: earlier runs' counts cannot interfere.
    caller = {"X-Forwarded-For": f"fd00::{uuid.uuid4().hex[:4]}"}
    assert [one.get(MUENCHEN, headers=caller).status_code for _ in range(2)] == [200, 200]
    third = two.get(MUENCHEN, headers=caller)
    assert third.status_code == 200 and third.headers["RateLimit-Remaining"] == "0"
    assert two.get(MUENCHEN, headers=caller).status_code == 429
    assert one.get(MUENCHEN, headers=caller).status_code == 429


def test_a_shared_storage_that_fails_never_stops_answers(limited_app):
    # Nothing listens on port 1: every answer goes on, unlimited and without the headers.
    client = limited_app(RATE_LIMIT_PER_ADDRESS="1/minute",
                         RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:1/0").test_client()
    answers = [client.get(MUENCHEN) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert "RateLimit-Limit" not in answers[0].headers
