from flask.views import MethodView

from ..api import Blueprint
from ..http import conditional, etag_of, page_of, page_window
from ..record.replica import read_conn
from . import documents, keys
from .schemas import (
    AreaPageSchema,
    AreaQueryArgsSchema,
    AreaSchema,
    EmptyQueryArgsSchema,
    MunicipalityPageSchema,
    MunicipalityQueryArgsSchema,
    MunicipalitySchema,
    PostcodeSchema,
)

blp = Blueprint("areas", __name__, url_prefix="/api/v1",
                description="Reference areas: municipalities (AGS/ARS), the areas above them "
                            "and postcodes")


def _cached(document):
    # Reference data changes rarely; the ETag lets caches revalidate for the price of a hash.
    conditional(etag_of(document))
    return document


@blp.route("/municipalities")
class Municipalities(MethodView):
    @blp.query(MunicipalityQueryArgsSchema)
    @blp.response(200, MunicipalityPageSchema)
    @blp.problems(304, 400)
    def get(self, args):
        """List municipalities, filtered by name, Land or Kreis"""
        items, total = documents.municipalities(read_conn(), args, page_window(args))
        return _cached(page_of(items, total, args))


@blp.route("/municipalities/<key>")
class MunicipalityByKey(MethodView):
    @blp.query(EmptyQueryArgsSchema)
    @blp.response(200, MunicipalitySchema)
    @blp.problems(304, 400, 404)
    def get(self, args, key):
        """Get a municipality by AGS (8 digits) or ARS (12 digits)
        ---
        A retired key answers 200 with status "retired" and its successor, if one is recorded.
        """
        kind, key = keys.municipality_key(key)
        return _cached(documents.municipality(read_conn(), kind, key))


@blp.route("/areas")
class Areas(MethodView):
    @blp.query(AreaQueryArgsSchema)
    @blp.response(200, AreaPageSchema)
    @blp.problems(304, 400)
    def get(self, args):
        """List current areas, filtered by level, parent or name"""
        items, total = documents.areas(read_conn(), args, page_window(args))
        return _cached(page_of(items, total, args))


@blp.route("/areas/<key>")
class AreaByKey(MethodView):
    @blp.query(EmptyQueryArgsSchema)
    @blp.response(200, AreaSchema)
    @blp.problems(304, 400, 404)
    def get(self, args, key):
        """Get an area (DE, Land, Regierungsbezirk, Kreis, Gemeindeverband, municipality)"""
        level, key = keys.area_key(key)
        return _cached(documents.area(read_conn(), level, key))


@blp.route("/postcodes/<plz>")
class PostcodeByKey(MethodView):
    @blp.query(EmptyQueryArgsSchema)
    @blp.response(200, PostcodeSchema)
    @blp.problems(304, 400, 404)
    def get(self, args, plz):
        """Every municipality a postcode (PLZ) spans, with place names and status"""
        return _cached(documents.postcode(read_conn(), keys.postcode(plz)))
