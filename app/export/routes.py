"""GET /api/v1/catalog: the public catalogue as RDF, by content negotiation or suffix."""
from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView

from ..api import Blueprint
from ..db import get_conn
from ..errors import Problem
from ..http import conditional, etag_of
from . import queries, serialize
from .graph import triples

blp = Blueprint("export", __name__, url_prefix="/api/v1",
                description="Open metadata: DCAT-AP 3 / DCAT-AP.de, CCCEV, CPSV-AP")

BY_MEDIA_TYPE = {media: fmt for fmt, media in serialize.MEDIA_TYPES.items()}


class NotAcceptable(Problem):
    status, title = 406, "Not acceptable"


def public_triples(conn):
    config = current_app.config
    return triples(conn, base=config["PUBLIC_BASE_URL"],
                   publisher_name=config["EXPORT_PUBLISHER_NAME"],
                   include_illustrative=config["EXPORT_ILLUSTRATIVE"],
                   contributor_id=config["EXPORT_CONTRIBUTOR_ID"] or None)


def _format(suffix):
    if suffix is not None:
        if suffix not in serialize.MEDIA_TYPES:
            raise NotAcceptable(f"no RDF format '.{suffix}'; use .ttl, .nt, .jsonld or .rdf")
        return suffix
    if not request.accept_mimetypes or request.accept_mimetypes.best == "*/*":
        return "ttl"
    best = request.accept_mimetypes.best_match(list(BY_MEDIA_TYPE))
    if best is None:
        raise NotAcceptable("acceptable: " + ", ".join(BY_MEDIA_TYPE))
    return BY_MEDIA_TYPE[best]


def _answer(suffix=None):
    fmt = _format(suffix)
    conn = get_conn()
    conditional(etag_of("catalog", fmt, queries.catalogue_version(conn),
                        current_app.config["EXPORT_ILLUSTRATIVE"]))
    media = serialize.MEDIA_TYPES[fmt]
    if fmt in serialize.STREAMED:
        body = stream_with_context(serialize.stream(public_triples(conn), fmt))
    else:
        body = serialize.serialize(public_triples(conn), fmt)
    return Response(body, mimetype=media, headers={"Vary": "Accept"})


RDF_RESPONSES = {media: {} for media in serialize.MEDIA_TYPES.values()}


@blp.route("/catalog")
class Catalogue(MethodView):
    @blp.doc(responses={"200": {"description": "the catalogue as RDF",
                                "content": RDF_RESPONSES}})
    @blp.problems(304, 406)
    def get(self):
        """The public catalogue as RDF (Turtle, N-Triples, JSON-LD, RDF/XML by Accept)
        ---
        Registers as dcat:Dataset, active offers as dcat:DataService, organisations as
        foaf:Agent; evidence types, requirements and lists in CCCEV; services in CPSV-AP.
        No connection parameters, no contacts, no illustrative demo entries (unless
        EXPORT_ILLUSTRATIVE is set).
        """
        return _answer()


@blp.route("/catalog.<suffix>")
class CatalogueWithSuffix(MethodView):
    @blp.doc(responses={"200": {"description": "the catalogue as RDF",
                                "content": RDF_RESPONSES}})
    @blp.problems(304, 406)
    def get(self, suffix):
        """The public catalogue as RDF in the format the suffix names (.ttl .nt .jsonld .rdf)"""
        return _answer(suffix)
