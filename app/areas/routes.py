from flask import request, url_for
from flask.views import MethodView

from ..access.auth import current_actor, requires
from ..access.roles import CURATORS, OVERSIGHT
from ..db.pool import get_conn
from ..http import csv_input
from ..http.api import Blueprint
from ..http.conventions import (
    REVIEWED_IF_MATCH,
    conditional,
    etag_of,
    page_of,
    page_window,
    reviewed_version,
)
from ..http.errors import UnsupportedMediaType
from ..record.replica import read_conn
from . import curation, documents, keys, queries
from .schemas import (
    AreaPageSchema,
    AreaQueryArgsSchema,
    AreaSchema,
    CurationCreateSchema,
    CurationDecisionSchema,
    CurationImportSchema,
    CurationSchema,
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


@blp.route("/municipalities/<municipality:key>")
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


@blp.route("/areas/<area:key>")
class AreaByKey(MethodView):
    @blp.query(EmptyQueryArgsSchema)
    @blp.response(200, AreaSchema)
    @blp.problems(304, 400, 404)
    def get(self, args, key):
        """Get an area (DE, Land, Regierungsbezirk, Kreis, Gemeindeverband, municipality)"""
        level, key = keys.area_key(key)
        return _cached(documents.area(read_conn(), level, key))


@blp.route("/postcodes/<plz:plz>")
class PostcodeByKey(MethodView):
    @blp.query(EmptyQueryArgsSchema)
    @blp.response(200, PostcodeSchema)
    @blp.problems(304, 400, 404)
    def get(self, args, plz):
        """Every municipality a postcode (PLZ) spans, with place names and status"""
        return _cached(documents.postcode(read_conn(), keys.postcode(plz)))


# --- the curated layer over the postcode table (data managers, four-eyes) ----------------

def _curation(row, status=200):
    headers = {"ETag": f'"{curation.etag(get_conn(), row)}"'}
    if status == 201:
        headers["Location"] = url_for("areas.PostcodePair", plz=row["plz"], code=row["code"])
    return curation.document(row), status, headers


@blp.route("/postcodes/<plz:plz>/pairs")
class PostcodePairs(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(EmptyQueryArgsSchema)
    @blp.response(200, CurationSchema(many=True))
    @blp.problems(400)
    def get(self, args, plz):
        """Every curation of a postcode, in every state (data managers, admins, auditors)"""
        rows = queries.curations_of(read_conn(), keys.postcode(plz),
                                    ("pending", "active", "rejected", "withdrawn"))
        return [curation.document(r) for r in rows]

    @requires(*CURATORS)
    @blp.arguments(CurationCreateSchema)
    @blp.response(201, CurationSchema)
    @blp.problems(400, 404, 409, 422)
    def post(self, data, plz):
        """Propose to add or remove a postcode-municipality pair or place name
        ---
        Takes effect once a second data manager approves it (`…/approve` with the ETag).
        """
        return _curation(curation.propose(get_conn(), current_actor(), data,
                                          keys.postcode(plz)), 201)


@blp.route("/postcodes/<plz:plz>/pairs/<code:code>")
class PostcodePair(MethodView):
    @requires(*OVERSIGHT)
    @blp.response(200, CurationSchema)
    @blp.problems(400, 404)
    def get(self, plz, code):
        """One curation, with the ETag a reviewer sends back"""
        return _curation(curation.get(get_conn(), keys.postcode(plz), code))

    @requires(*CURATORS)
    @blp.response(200, CurationSchema)
    @blp.problems(400, 404, 409)
    def delete(self, plz, code):
        """Withdraw a curation that awaits review"""
        return _curation(curation.withdraw(get_conn(), current_actor(), keys.postcode(plz),
                                           code))


@blp.route("/postcodes/<plz:plz>/pairs/<code:code>/approve")
class PostcodePairApprove(MethodView):
    @requires(*CURATORS)
    @blp.arguments(CurationDecisionSchema, required=False)
    @blp.response(200, CurationSchema)
    @blp.doc(parameters=[REVIEWED_IF_MATCH])
    @blp.problems(400, 403, 404, 409, 412, 428)
    def post(self, data, plz, code):
        """Approve a curation (four-eyes: never one's own); If-Match with its ETag"""
        return _curation(curation.decide(get_conn(), current_actor(), keys.postcode(plz),
                                         code, reviewed_version(), approve=True,
                                         reason=(data or {}).get("reason")))


@blp.route("/postcodes/<plz:plz>/pairs/<code:code>/reject")
class PostcodePairReject(MethodView):
    @requires(*CURATORS)
    @blp.arguments(CurationDecisionSchema)
    @blp.response(200, CurationSchema)
    @blp.doc(parameters=[REVIEWED_IF_MATCH])
    @blp.problems(400, 403, 404, 409, 412, 422, 428)
    def post(self, data, plz, code):
        """Reject a curation, with a reason; If-Match with its ETag"""
        return _curation(curation.decide(get_conn(), current_actor(), keys.postcode(plz),
                                         code, reviewed_version(), approve=False,
                                         reason=data.get("reason")))


@blp.route("/postcodes/import")
class PostcodePairImport(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"text/csv": {"schema": {
        "type": "string", "example": "plz,ags,place,change,reason\n"
                                     "03058,12052000,Gallinchen,add,Ortsteil von Cottbus"}}}})
    @requires(*CURATORS)
    @blp.response(200, CurationImportSchema)
    @blp.problems(400, 404, 409, 413, 415, 422)
    def post(self):
        """Propose many curations from CSV (plz, ags, place, change, reason): all or none
        ---
        Each becomes a pending curation for a second data manager to review.
        """
        if request.mimetype != "text/csv":
            raise UnsupportedMediaType("send the pairs as text/csv")
        rows = csv_input.read_rows(csv_input.decode(request.get_data()),
                                   columns=curation.COLUMNS, required=("plz", "ags", "reason"),
                                   max_rows=curation.MAX_ROWS)
        created = curation.propose_many(get_conn(), current_actor(), rows)
        return {"proposed": [curation.document(r) for r in created]}
