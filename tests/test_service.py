"""Service basics: health, readiness, request ids, metrics, docs, OpenAPI, error mapping."""
import logging

import pytest

from app import create_app
from app.db import migrate

from . import dbutil
from .helpers import assert_problem


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readyz_when_migrated(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json["migration"] == migrate.head_revision()


def test_readyz_is_503_when_the_schema_is_behind(server_url):
    with dbutil.fresh_database(server_url) as url:
        app = create_app({"DATABASE_URL": url})
        try:
            body = assert_problem(app.test_client().get("/readyz"), 503)
            assert "regmap db upgrade" in body["detail"]
        finally:
            app.extensions["regmap.pool"].close()


def test_readyz_and_api_are_503_when_the_database_is_unreachable():
    # Nothing listens on port 1; the pool gives up after its timeout.
    app = create_app({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none",
                      "DB_POOL_TIMEOUT": 1})
    try:
        client = app.test_client()
        r = client.get("/readyz")
        body = assert_problem(r, 503)
        assert r.headers["Retry-After"]
        assert "127.0.0.1" not in body["detail"]
        assert_problem(client.get("/api/v1/municipalities/09162000"), 503)
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["regmap.pool"].close()


def test_request_id_is_generated_and_echoed(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    r = client.get("/healthz", headers={"X-Request-ID": "rdn-4711.a:b"})
    assert r.headers["X-Request-ID"] == "rdn-4711.a:b"


@pytest.mark.parametrize("sent", ["x INFO forged line", "a" * 129, "<script>", "ü"])
def test_request_id_that_could_forge_log_lines_is_replaced(client, sent):
    r = client.get("/healthz", headers={"X-Request-ID": sent})
    assert r.headers["X-Request-ID"] != sent
    assert len(r.headers["X-Request-ID"]) == 32


def test_request_id_in_problems_and_log_lines(client, caplog):
    caplog.set_level(logging.INFO)
    r = client.get("/api/v1/municipalities/1100000", headers={"X-Request-ID": "trace-1"})
    assert r.json["request_id"] == "trace-1"

    log = logging.getLogger("tests")
    with client.application.test_request_context(headers={"X-Request-ID": "trace-2"}):
        from app.http.observability import RequestIdFilter, start_request
        start_request()
        record = log.makeRecord("tests", logging.INFO, __file__, 1, "hello", (), None)
        RequestIdFilter().filter(record)
        assert record.request_id == "trace-2"


def test_problem_base_url_is_configurable(conn, database_url):
    app = create_app({"DATABASE_URL": database_url, "DB_POOL": dbutil.SingleConnectionPool(conn),
                      "PROBLEM_BASE_URL": "https://problems.example.org/regmap"})
    r = app.test_client().get("/api/v1/areas/ABC")
    assert r.json["type"] == "https://problems.example.org/regmap/validation-error"


def test_unknown_route_and_wrong_method_are_problems(client):
    assert_problem(client.get("/api/v1/nowhere"), 404, "not-found")
    r = client.post("/api/v1/municipalities/09162000")
    assert_problem(r, 405)
    assert "GET" in r.headers["Allow"]


def test_a_bug_is_a_500_problem_without_internals(conn, database_url):
    app = create_app({"DATABASE_URL": database_url, "DB_POOL": dbutil.SingleConnectionPool(conn)})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    r = app.test_client().get("/boom")
    body = assert_problem(r, 500)
    assert "secret" not in r.get_data(as_text=True)
    assert body["request_id"]


def test_metrics_count_requests(client):
    client.get("/api/v1/municipalities/09162000")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    assert 'regmap_http_requests_total{endpoint="/api/v1/municipalities/<key>"' in r.get_data(
        as_text=True)
    # Routes whose segments are documented by a converter keep the plain label.
    client.get("/api/v1/postcodes/25926")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="/api/v1/postcodes/<plz>"' in text and "<plz:plz>" not in text


def test_docs_use_only_local_assets(client):
    page = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page
    with client.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200


def test_openapi_documents_every_area_operation(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ["/api/v1/municipalities", "/api/v1/municipalities/{key}", "/api/v1/areas",
                 "/api/v1/areas/{key}", "/api/v1/postcodes/{plz}", "/healthz", "/readyz"]:
        assert "get" in spec["paths"][path], path
    error = spec["paths"]["/api/v1/municipalities/{key}"]["get"]["responses"]["404"]
    assert error == {"$ref": "#/components/responses/NOT_FOUND"}
    assert "application/problem+json" in spec["components"]["responses"]["NOT_FOUND"]["content"]


@pytest.mark.parametrize("path", ["/api/v1/municipalities/09162000", "/api/v1/postcodes/10115"])
def test_head_is_answered_like_get(client, path):
    r = client.head(path)
    assert r.status_code == 200 and r.headers["ETag"]
