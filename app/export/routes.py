"""GET /api/v1/catalog: the public catalogue as RDF for harvesters, page by page (Hydra), by
content negotiation or suffix."""
import re
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView

from ..access.environments import ENVIRONMENTS, PRODUCTION
from ..http.api import Blueprint, PageArgsSchema
from ..http.conventions import conditional, etag_of
from ..http.errors import NotFound, Problem
from ..record import queries as record_queries
from ..record.replica import read_conn
from . import serialize
from .graph import CatalogueGraph

blp = Blueprint("export", __name__, url_prefix="/api/v1",
                description="Open metadata: DCAT-AP 3 / DCAT-AP.de, CCCEV, CPSV-AP")

BY_MEDIA_TYPE = {media: fmt for fmt, media in serialize.MEDIA_TYPES.items()}
RDF_RESPONSES = {media: {} for media in serialize.MEDIA_TYPES.values()}


class NotAcceptable(Problem):
    status, title = 406, "Not acceptable"


class CatalogueArgsSchema(PageArgsSchema):
    modified_since = ma.fields.AwareDateTime(metadata={
        "description": "only items changed since then (ISO date-time with offset)"})
    environment = ma.fields.String(load_default=PRODUCTION, validate=ma.validate.OneOf(
        ENVIRONMENTS), metadata={"description": "whose offers and permissions (default "
                                                "production)"})


def public_graph(conn, modified_since=None, environment=PRODUCTION):
    config = current_app.config
    return CatalogueGraph(conn, base=config["PUBLIC_BASE_URL"], environment=environment,
                          publisher_name=config["EXPORT_PUBLISHER_NAME"],
                          include_illustrative=config["EXPORT_ILLUSTRATIVE"],
                          contributor_id=config["EXPORT_CONTRIBUTOR_ID"] or None,
                          modified_since=modified_since)


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


def _answer(args, suffix=None):
    fmt = _format(suffix)
    conn = read_conn()
    config = current_app.config
    conditional(etag_of("catalog", fmt, record_queries.catalogue_version(conn), args,
                        config["EXPORT_ILLUSTRATIVE"], config["EXPORT_CONTRIBUTOR_ID"]))
    since = args.get("modified_since")
    base = f"{config['PUBLIC_BASE_URL'].rstrip('/')}/api/v1/catalog" + (
        f".{suffix}" if suffix else "")

    def page_url(number):
        query = {"page": number, "page_size": args["page_size"]}
        if since:
            query["modified_since"] = since.isoformat()
        if args["environment"] != PRODUCTION:
            query["environment"] = args["environment"]
        return f"{base}?{urlencode(query)}"

    triples = public_graph(conn, since, args["environment"]).page(args["page"],
                                                                   args["page_size"], page_url)
    media = serialize.MEDIA_TYPES[fmt]
    if fmt in serialize.STREAMED:
        body = stream_with_context(serialize.stream(triples, fmt))
    else:
        body = serialize.serialize(triples, fmt)
    return Response(body, mimetype=media, headers={"Vary": "Accept"})


@blp.route("/catalog")
class Catalogue(MethodView):
    @blp.query(CatalogueArgsSchema)
    @blp.doc(responses={"200": {"description": "a page of the catalogue as RDF",
                                "content": RDF_RESPONSES}})
    @blp.problems(304, 400, 406)
    def get(self, args):
        """The public catalogue as RDF, page by page (Turtle, N-Triples, JSON-LD, RDF/XML)
        ---
        Registers as dcat:Dataset, active offers as dcat:DataService, organisations as
        foaf:Agent; evidence types, requirements and lists in CCCEV; services in CPSV-AP.
        Hydra links (hydra:next, hydra:last) lead through the pages. No connection
        parameters, no contacts, no illustrative demo entries (unless EXPORT_ILLUSTRATIVE).
        """
        return _answer(args)


@blp.route("/catalog.<rdf_suffix:suffix>")
class CatalogueWithSuffix(MethodView):
    @blp.query(CatalogueArgsSchema)
    @blp.doc(responses={"200": {"description": "a page of the catalogue as RDF",
                                "content": RDF_RESPONSES}})
    @blp.problems(304, 400, 406)
    def get(self, args, suffix):
        """A page of the catalogue in the format the suffix names (.ttl .nt .jsonld .rdf)"""
        return _answer(args, suffix)


# A node below /id/: its kind, then the parts that name it (`service/x/requirement/y`).
# (Code-list values, e.g. code-list/edm-versions/code/oots-edm:v2.0, may hold ':' and '+'.)
NODE_PATH = re.compile(r"^[a-z]+(-[a-z]+)*(/[A-Za-z0-9][A-Za-z0-9._~:+-]*)*$")
OBJECT_KINDS = ("register", "evidence-type", "service", "offer", "organisation",
                "eu-requirement")


def add_path_converters(api, app):
    """The documented path segments of /catalog.<suffix> and /id/<kind>/<code>."""
    api.add_path_converter(app, "rdf_suffix", {"type": "string",
                                               "enum": list(serialize.MEDIA_TYPES)})
    api.add_path_converter(app, "object_kind", {"type": "string", "enum": list(OBJECT_KINDS)})
    api.add_path_converter(app, "node_path", {"type": "string", "pattern": NODE_PATH.pattern},
                           regex=".+")


def _object(kind, code, suffix=None):
    if kind not in OBJECT_KINDS:
        if suffix is not None:
            code = f"{code}.{suffix}"
        return _node(f"{kind}/{code}")
    if suffix is not None and suffix not in serialize.MEDIA_TYPES:
        # Codes may hold dots: /id/register/a.b names the object "a.b" (by Accept), unless
        # the last part names a format.
        code, suffix = f"{code}.{suffix}", None
    fmt = _format(suffix)
    conn = read_conn()
    triples = public_graph(conn).single(kind, code)
    if not triples:
        raise NotFound(kind.replace("-", " "), code)
    return _described(conn, triples, fmt, "object", kind, code)


def _described(conn, triples, fmt, *etag_parts):
    """The triples about one IRI as an answer (ETag by catalogue version, Vary: Accept)."""
    conditional(etag_of(*etag_parts, fmt, record_queries.catalogue_version(conn)))
    return Response(serialize.serialize(triples, fmt), mimetype=serialize.MEDIA_TYPES[fmt],
                    headers={"Vary": "Accept"})


# The URIs in the export ({PUBLIC_BASE_URL}/id/...) dereference here.
ids = Blueprint("export_ids", __name__, url_prefix="/",
                description="Catalogue objects under their own URIs, as RDF")


@ids.route("/id/<object_kind:kind>/<code:code>")
class ObjectRdf(MethodView):
    @ids.doc(responses={"200": {"description": "the object as RDF", "content": RDF_RESPONSES}})
    @ids.problems(304, 404, 406)
    def get(self, kind, code):
        """A public catalogue object under its own URI, as RDF (by Accept)"""
        return _object(kind, code)


@ids.route("/id/<node_path:node>")
class NodeRdf(MethodView):
    @ids.doc(responses={"200": {"description": "the node as RDF", "content": RDF_RESPONSES}})
    @ids.problems(304, 404, 406)
    def get(self, node):
        """Any other node the export names under /id/ (the catalogue, its publisher, an
        authority type, a requirement), as RDF (by Accept)"""
        return _node(node)


def _node(node):
    if not NODE_PATH.match(node):
        raise NotFound("node", node)
    fmt = _format(None)
    conn = read_conn()
    iri = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/id/{node}"
    triples = public_graph(conn).describe(iri)
    if not triples:
        raise NotFound("node", node)
    return _described(conn, triples, fmt, "node", node)


@ids.route("/id/<object_kind:kind>/<code:code>.<rdf_suffix:suffix>")
class ObjectRdfWithSuffix(MethodView):
    @ids.doc(responses={"200": {"description": "the object as RDF", "content": RDF_RESPONSES}})
    @ids.problems(304, 404, 406)
    def get(self, kind, code, suffix):
        """A public catalogue object as RDF in the format the suffix names"""
        return _object(kind, code, suffix)
