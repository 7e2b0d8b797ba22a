import psycopg
from flask import Blueprint as FlaskBlueprint
from flask import current_app, request, send_from_directory
from flask.views import MethodView
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg_pool import PoolTimeout
from swagger_ui_bundle import swagger_ui_path

from ..db.migrate import head_revision
from ..db.pool import get_conn, replica_conn
from ..http.api import Blueprint
from ..http.errors import ServiceUnavailable
from ..http.observability import PRIMARY_AVAILABLE, metrics_registry
from . import queries
from .schemas import HealthSchema, JwkSetSchema, ReadinessSchema

blp = Blueprint("system", __name__, url_prefix="/", description="Liveness and readiness")
plain = FlaskBlueprint("system_plain", __name__)

# A readiness probe must not wait long on a primary that is down while reads go on.
PRIMARY_CHECK_SECONDS = 1.0


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Liveness: the process answers
        ---
        Never touches the database, so a database outage does not get workers restarted.
        """
        return {"status": "ok"}


@blp.route("/.well-known/jwks.json")
class SigningKeys(MethodView):
    @blp.response(200, JwkSetSchema)
    def get(self):
        """The public keys that verify signed competence answers (RFC 9421)
        ---
        Empty when the service signs nothing (no SIGNING_KEYS). Integrators verify an
        answer's Signature with the key its Signature-Input names (keyid).
        """
        return current_app.extensions["regmap.jwks"], 200, {
            "Cache-Control": "public, max-age=300"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.problems(503)
    def get(self):
        """Readiness: reads can be answered, and the schema is at the expected migration
        ---
        With a replica (DATABASE_REPLICA_URL) the service stays ready while the primary is
        down: reads go on from the replica, and `writes` says that writes cannot be made
        (also the metric regmap_primary_available).

        With IAM_ISSUER, `iam` says whether IAM-B tokens can be verified. The service stays
        ready while the issuer cannot be reached and its cached keys are usable; without
        usable keys it is not ready only where own tokens are off (OWN_TOKENS=0), since then
        no token could be verified.
        """
        expected = head_revision()
        reads_from, current = _read_path_revision()
        if reads_from is None:
            PRIMARY_AVAILABLE.set(0)
            raise ServiceUnavailable("the database is not reachable")
        writes = "ok" if reads_from == "primary" or _primary_answers() else "unavailable"
        PRIMARY_AVAILABLE.set(1 if writes == "ok" else 0)
        if current != expected:
            raise ServiceUnavailable(
                f"database schema at migration {current!r}, expected {expected!r}; "
                "run `regmap db upgrade`", database="ok", migration=current)
        answer = {"status": "ready", "database": "ok", "migration": current,
                  "expected_migration": expected, "reads_from": reads_from, "writes": writes}
        iam = current_app.extensions["regmap.iam"]
        if iam is not None:
            answer["iam"] = iam.keys.status()
            if answer["iam"]["keys"] == "unavailable" and not current_app.config["OWN_TOKENS"]:
                raise ServiceUnavailable("the identity provider's keys cannot be fetched and "
                                         "own tokens are off: no token can be verified",
                                         database="ok", migration=current)
        return answer


_UNREACHABLE = (psycopg.OperationalError, PoolTimeout, ServiceUnavailable)


def _read_path_revision():
    """(where reads are served from, the migration there), or (None, None)."""
    try:
        conn = replica_conn()
        if conn is not None:
            return "replica", queries.migration_revision(conn)
    except _UNREACHABLE:
        pass  # a replica that does not answer: reads go to the primary
    try:
        return "primary", queries.migration_revision(get_conn())
    except _UNREACHABLE:
        return None, None


def _primary_answers():
    try:
        queries.migration_revision(get_conn(timeout=PRIMARY_CHECK_SECONDS))
        return True
    except _UNREACHABLE:
        return False


@plain.route("/metrics")
def metrics():
    return current_app.response_class(generate_latest(metrics_registry()),
                                      headers={"Content-Type": CONTENT_TYPE_LATEST})


# The API documentation page (flask-smorest's Swagger UI) initialises itself with an inline
# script; nothing else may run, and no other site may frame it.
DOCS_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin"}


@plain.after_app_request
def docs_security_headers(response):
    if request.path == "/docs" or request.path.startswith("/docs/"):
        response.headers.update(DOCS_SECURITY_HEADERS)
    return response


@plain.route("/docs/assets/<path:filename>")
def docs_assets(filename):
    # Swagger UI ships inside a wheel; the docs page never reaches out to a CDN.
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
