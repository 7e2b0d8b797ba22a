import psycopg
from flask import Blueprint as FlaskBlueprint
from flask import current_app, send_from_directory
from flask.views import MethodView
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg_pool import PoolTimeout
from swagger_ui_bundle import swagger_ui_path

from ..api import Blueprint
from ..db import get_conn
from ..errors import ServiceUnavailable
from ..migrate import head_revision
from ..observability import metrics_registry
from . import queries
from .schemas import HealthSchema, ReadinessSchema

blp = Blueprint("system", __name__, url_prefix="/", description="Liveness and readiness")
plain = FlaskBlueprint("system_plain", __name__)


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Liveness: the process answers
        ---
        Never touches the database, so a database outage does not get workers restarted.
        """
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.problems(503)
    def get(self):
        """Readiness: the database answers and its schema is at the expected migration"""
        expected = head_revision()
        try:
            current = queries.migration_revision(get_conn())
        except (psycopg.OperationalError, PoolTimeout, ServiceUnavailable) as exc:
            raise ServiceUnavailable("the database is not reachable") from exc
        if current != expected:
            raise ServiceUnavailable(
                f"database schema at migration {current!r}, expected {expected!r}; "
                "run `regmap db upgrade`", database="ok", migration=current)
        return {"status": "ready", "database": "ok", "migration": current,
                "expected_migration": expected}


@plain.route("/metrics")
def metrics():
    return current_app.response_class(generate_latest(metrics_registry()),
                                      headers={"Content-Type": CONTENT_TYPE_LATEST})


@plain.route("/docs/assets/<path:filename>")
def docs_assets(filename):
    # Swagger UI ships inside a wheel; the docs page never reaches out to a CDN.
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
