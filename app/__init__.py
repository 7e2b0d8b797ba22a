"""regmap: the Registerlandkarte of NOOTS. `create_app` builds the WSGI application."""
import functools

from flask import Flask

from .config import Config
from .db import pool
from .http import errors, observability
from .http.api import Api, StrictJSONProvider
from .http.conventions import (
    apply_response_headers,
    limit_chunked_body,
    options_response,
    reject_nul_in_path,
    reject_undeclared_query,
)

API_TITLE = "regmap"
API_VERSION = "v1"


def create_app(config=None):
    """Build the app. `config` overrides settings read from the environment (tests)."""
    settings = Config.from_env(config)
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)  # request bodies parsed with limits (http/api.py)
    app.config.from_object(settings)
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        # ETags are ours (derived from versions or content), see http/conventions.py.
        ETAG_DISABLED=True,
        JSON_SORT_KEYS=False,
        # Bodies above this are 413 (a batch of 20,000 lookups stays well below).
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        API_SPEC_OPTIONS={"info": {"description": (
            "Register map, evidence catalogue and competence resolution of the National "
            "Once-Only Technical System (NOOTS). Errors are RFC 9457 problem+json.")}},
    )
    observability.configure_logging(settings.LOG_LEVEL)
    pool.init_app(app, settings)
    from .access import iam
    from .governance.users import provision_iam_subject
    iam.init_app(app, provision_iam_subject)
    from .competence import check_log
    check_log.init_app(app, settings)
    errors.init_app(app)
    observability.init_app(app)
    app.before_request(reject_nul_in_path)
    app.before_request(limit_chunked_body)
    app.before_request(reject_undeclared_query)
    app.make_default_options_response = options_response
    app.after_request(apply_response_headers)

    api = Api(app)
    from .export import routes as export_routes
    export_routes.add_path_converters(api, app)
    from .areas.routes import blp as areas_blp
    from .catalog.routes import blp as catalog_blp
    from .competence.routes import blp as competence_blp
    from .export.routes import blp as export_blp
    from .export.routes import ids as export_ids_blp
    from .governance.routes import blp as governance_blp
    from .onboarding.routes import blp as onboarding_blp
    from .oots.routes import blp as oots_blp
    from .search.routes import blp as search_blp
    from .system.routes import blp as system_blp
    from .system.routes import plain as system_plain

    api.register_blueprint(system_blp)
    api.register_blueprint(areas_blp)
    api.register_blueprint(competence_blp)
    api.register_blueprint(catalog_blp)
    api.register_blueprint(onboarding_blp)
    api.register_blueprint(governance_blp)
    api.register_blueprint(search_blp)
    api.register_blueprint(export_blp)
    api.register_blueprint(export_ids_blp)
    api.register_blueprint(oots_blp)
    app.register_blueprint(system_plain)
    from .web import blp as web_blp
    app.register_blueprint(web_blp)
    app.extensions["regmap.api"] = api
    from .search import engine as search_engine
    search_engine.init_app(app)
    wrap_edge(app, settings)
    return app


# The competence answers an integrator may ask to be signed (RFC 9421).
SIGNED_PATHS = ("/api/v1/competence", "/api/v1/competence/batch")


def wrap_edge(app, settings):
    """The WSGI layers in front of Flask, outermost first as a request meets them:
    ProxyFix (behind TRUSTED_PROXY_HOPS proxies) > RateLimit > AnswerSigner >
    CompetenceFastPath > PermissionCheckFastPath > AreaReadFastPath > OotsFastPath >
    SearchGate > Flask. The routing service's hot path meets nothing before it but the client
    address, the rate limit and its signature."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from .access.auth import edge_actor
    from .areas.fastpath import AreaReadFastPath
    from .competence.fastpath import CompetenceFastPath, PermissionCheckFastPath
    from .edge.ratelimit import RateLimit
    from .edge.signing import AnswerSigner
    from .oots.answers import OotsFastPath
    from .search.gate import SearchGate

    app.wsgi_app = SearchGate(app, app.wsgi_app)
    app.wsgi_app = OotsFastPath(app, app.wsgi_app)
    app.wsgi_app = AreaReadFastPath(app, app.wsgi_app)
    app.wsgi_app = PermissionCheckFastPath(app, app.wsgi_app)
    app.wsgi_app = CompetenceFastPath(app, app.wsgi_app)
    app.wsgi_app = AnswerSigner(app, app.wsgi_app, SIGNED_PATHS)
    app.wsgi_app = RateLimit(app, app.wsgi_app,
                             actor_of=functools.partial(edge_actor, app))
    if settings.TRUSTED_PROXY_HOPS:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.TRUSTED_PROXY_HOPS)
