"""`GET /rest/search`: the RegRep 4 REST binding of the OOTS Evidence Broker and Data Service
Directory queries. Answers and errors are XML (`query:QueryResponse`), never problem+json:
OOTS clients read `rs:Exception` codes."""
from flask import Response, current_app, request
from flask.views import MethodView

from ..catalog import oots_codes
from ..db.pool import get_conn
from ..http.api import Blueprint
from ..values import identifiers
from . import answers, documents, dsd, eb
from .errors import OBJECT_NOT_FOUND, RegRepException

blp = Blueprint("oots", __name__, url_prefix="/rest",
                description="EU OOTS: Evidence Broker and Data Service Directory queries "
                            "(RegRep 4 REST binding, XML)")

QUERIES = {dsd.QUERY_ID: (dsd.search, "DataServiceEvidenceType",
                          documents.data_service_evidence_type),
           eb.REQUIREMENTS_QUERY: (eb.requirements, "Requirement", documents.requirement),
           eb.EVIDENCE_TYPES_QUERY: (eb.evidence_types, "Requirement", documents.requirement)}
EB_PREFIX = "urn:fdc:oots:eb:"


def _parameter(name, description, example=None, required=False, **schema):
    return {"in": "query", "name": name, "required": required,
            "schema": {"type": "string", **schema, **({"example": example} if example else {})},
            "description": description}


_PARAMETERS = [
    _parameter("queryId", "the query", dsd.QUERY_ID, required=True, enum=sorted(QUERIES)),
    _parameter("evidence-type-classification", "DSD (required): the OOTS evidence-type "
               "classification URI of an evidence type", "https://sr.oots.tech.europa.eu/"
               "evidencetypeclassifications/DE/ca8afed6-2dc0-422a-a931-d21c3d8d370e"),
    _parameter("procedure-id", "EB requirements query (required): a code of the Procedures "
               "code list", "R1", enum=sorted(oots_codes.PROCEDURES)),
    _parameter("requirement-id", "EB evidence types query (required): the requirement's URI",
               "https://sr.oots.tech.europa.eu/requirements/"
               "315cfd75-6605-49c4-b0fe-799833b41099"),
    _parameter("country-code", "ISO 3166 country code (DSD: required); regmap answers DE",
               "DE", pattern=identifiers.anchored(identifiers.COUNTRY)),
    _parameter("jurisdiction-admin-l2", "NUTS 2016 code of a Land, Regierungsbezirk or Kreis",
               "DE3", pattern=identifiers.anchored(identifiers.NUTS_DE)),
    _parameter("jurisdiction-admin-l3", "LAU: for Germany the AGS of a municipality",
               "11000000", pattern=identifiers.anchored(identifiers.AGS)),
    _parameter("jurisdiction-context-id", "DSD: the jurisdiction context the jurisdiction "
               "stands for (DSD:ERR:0005 names the one needed)",
               "5ce148b9-5578-4049-aecf-af7bb55714b5", format="uuid"),
]
_XML = {"application/xml": {"schema": {"type": "string"}}}


@blp.route("/search")
class Search(MethodView):
    @blp.doc(parameters=_PARAMETERS,
        responses={
            "200": {"description": "query:QueryResponse, status Success", "content": _XML},
            "400": {"description": "query:QueryResponse, status Failure: "
                                   "rs:InvalidRequestExceptionType (DSD:ERR:0003, 0004, "
                                   "0006; EB:ERR:0003 to 0007)", "content": _XML},
            "404": {"description": "query:QueryResponse, status Failure: "
                                   "rs:ObjectNotFoundExceptionType (DSD:ERR:0001, 0002, "
                                   "0005; EB:ERR:0001, 0002)", "content": _XML}})
    def get(self):
        """An OOTS Evidence Broker or Data Service Directory query
        ---
        Every answer, errors included, is a RegRep 4 `query:QueryResponse` (HTTP 200 for
        Success, 400 or 404 for Failure as the exception's type says). Besides the parameters
        listed, the DSD query takes one parameter per provider-classification concept of the
        evidence type: the concept's identifier (a UUID) as the name, the user's value as the
        value (DSD:ERR:0005 names the concepts needed); any other name is DSD:ERR:0003.
        """
        # Read from the primary: an answer is cached under the catalogue version read
        # before it, so it must never be older than that version (a replica may be).
        key = answers.cache_key(request.args.items(multi=True))
        version = answers.version(current_app, get_conn)
        found = answers.answers.get(version, key)
        if found is None:
            generation = answers.answers.catch_up(get_conn(), version)
            found = answers.answers.get(version, key)   # kept across unrelated changes
        if found is None:
            found = _answer(get_conn())
            answers.answers.put(generation, key, found)
        return Response(found[1], status=found[0], mimetype=documents.MEDIA_TYPE)


def _answer(conn):
    """(status, body) of the query the request asks."""
    args = {name: request.args.getlist(name) for name in request.args}
    query_ids = args.pop("queryId", [])
    try:
        if len(query_ids) != 1 or query_ids[0] not in QUERIES:
            eb = any(q.startswith(EB_PREFIX) for q in query_ids)
            raise RegRepException("EB:ERR:0007" if eb else "DSD:ERR:0004",
                                  query_ids[0] if len(query_ids) == 1 else "queryId")
        run, slot, build = QUERIES[query_ids[0]]
        objects = run(conn, args,
                      illustrative=current_app.config["REGMAP_ROUTING_ILLUSTRATIVE"])
    except RegRepException as failure:
        status = 404 if failure.exception_type == OBJECT_NOT_FOUND else 400
        return status, documents.failure(failure)
    return 200, documents.registry_objects(objects, slot, build)
