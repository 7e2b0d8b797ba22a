"""`GET /rest/search`: the RegRep 4 REST binding of the OOTS Evidence Broker and Data Service
Directory queries, in TDD 1.x or 2.0 as `Accept-Version` asks (versions.py). Answers and
errors are XML (`query:QueryResponse`), never problem+json: OOTS clients read `rs:Exception`
codes."""
from flask import Response, current_app, request
from flask.views import MethodView

from ..db.pool import get_conn
from ..http.api import Blueprint
from ..values import identifiers
from . import answers, documents, documents_v2, dsd, eb, versions
from .errors import OBJECT_NOT_FOUND, RegRepException

blp = Blueprint("oots", __name__, url_prefix="/rest",
                description="EU OOTS: Evidence Broker and Data Service Directory queries "
                            "(RegRep 4 REST binding, XML)")

# queryId -> (the query, its slot, its document in 1.x, in 2.0)
QUERIES = {dsd.QUERY_ID: (dsd.search, "DataServiceEvidenceType",
                          documents.data_service_evidence_type,
                          documents_v2.data_service_evidence_type),
           eb.REQUIREMENTS_QUERY: (eb.requirements, "Requirement", documents.requirement,
                                   documents_v2.requirement),
           eb.EVIDENCE_TYPES_QUERY: (eb.evidence_types, "Requirement", documents.requirement,
                                     documents_v2.requirement)}
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
    _parameter("procedure-id", "EB requirements query (required in 1.x): a code of the "
               "procedures code list of the answer's TDD line (GET /api/v1/code-lists)",
               "R1"),
    _parameter("requirement-id", "EB evidence types query (required): the requirement's URI "
               "(2.0: as the configured Semantic Repository names it)",
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
    _parameter("specification", "DSD, TDD 2.0: only access services declaring this EDM "
               "version (a code of the 2.0 edm-versions code list)", "oots-edm:v2.0"),
    _parameter("return-incomplete", "EB requirements query, TDD 2.0: also requirements no "
               "German evidence type satisfies yet", "false", enum=["true", "false"]),
    {"in": "header", "name": "Accept-Version", "required": False,
     "schema": {"type": "string", "enum": list(versions.SUPPORTED)},
     "description": "oots-cs:v2.0 for a TDD 2.0 answer (HTTP 200 for every outcome, "
                    "application/x-ebrs+xml); absent or oots-cs:v1.x: TDD 1.x"},
]
_XML = {"application/xml": {"schema": {"type": "string"}}}
_XML_BOTH = {**_XML, versions.MEDIA_TYPE_2_0: {"schema": {"type": "string"}}}


@blp.route("/search")
class Search(MethodView):
    @blp.doc(parameters=_PARAMETERS,
        responses={
            "200": {"description": "query:QueryResponse: status Success (1.x); any status "
                                   "(2.0, application/x-ebrs+xml)", "content": _XML_BOTH},
            "400": {"description": "query:QueryResponse, status Failure: "
                                   "rs:InvalidRequestExceptionType (DSD:ERR:0003, 0004, "
                                   "0006; EB:ERR:0003 to 0007; 0003 also for an "
                                   "Accept-Version regmap does not speak)", "content": _XML},
            "404": {"description": "query:QueryResponse, status Failure: "
                                   "rs:ObjectNotFoundExceptionType (DSD:ERR:0001, 0002, "
                                   "0005; EB:ERR:0001, 0002)", "content": _XML}})
    def get(self):
        """An OOTS Evidence Broker or Data Service Directory query
        ---
        Every answer, errors included, is a RegRep 4 `query:QueryResponse`. In TDD 1.x
        (no `Accept-Version`, or `oots-cs:v1.x`) HTTP 200 for Success, 400 or 404 for Failure
        as the exception's type says; in TDD 2.0 (`Accept-Version: oots-cs:v2.0`) HTTP 200
        for every outcome, the outcome in `QueryResponse/@status`. Besides the parameters
        listed, the DSD query takes one parameter per provider-classification concept of the
        evidence type: the concept's identifier (a UUID) as the name, the user's value as the
        value (DSD:ERR:0005 names the concepts needed); any other name is DSD:ERR:0003.
        """
        # Read from the primary: an answer is cached under the catalogue version read
        # before it, so it must never be older than that version (a replica may be).
        key = answers.cache_key(request.args.items(multi=True),
                                request.headers.get("Accept-Version"))
        version = answers.version(current_app, get_conn)
        found = answers.answers.get(version, key)
        if found is None:
            generation = answers.answers.catch_up(get_conn(), version)
            found = answers.answers.get(version, key)   # kept across unrelated changes
        if found is None:
            found = _signed(*_answer(get_conn()))
            answers.answers.put(generation, key, found)
        status, body, media_type, signature = found
        return Response(body, status=status, content_type=media_type, headers=signature)


def _signed(status, body, media_type):
    """The answer with its signature headers: 2.0 answers, when a signer is configured. Made
    once per cached answer, so identical answers reuse their signature."""
    signer = current_app.extensions.get("oots_signer")
    if signer is None or media_type != _MEDIA_TYPE_2_0:
        return status, body, media_type, ()
    return status, body, media_type, tuple(signer.headers(body).items())


def _answer(conn):
    """(status, body, media type) of the query the request asks."""
    args = {name: request.args.getlist(name) for name in request.args}
    query_ids = args.pop("queryId", [])
    eb = any(q.startswith(EB_PREFIX) for q in query_ids)
    try:
        version = versions.requested(request.headers.get("Accept-Version"))
    except versions.UnsupportedVersion as unsupported:
        # Answered in 1.x, the form a requester gets without the header.
        failure = RegRepException(
            "EB:ERR:0003" if eb else "DSD:ERR:0003",
            f"Accept-Version {unsupported.value!r} is not supported: "
            f"{' or '.join(versions.SUPPORTED)}")
        return 400, documents.failure(failure), _MEDIA_TYPE_1X
    repository = current_app.config["OOTS_SEMANTIC_REPOSITORY"]
    try:
        if len(query_ids) != 1 or query_ids[0] not in QUERIES:
            raise RegRepException("EB:ERR:0007" if eb else "DSD:ERR:0004",
                                  query_ids[0] if len(query_ids) == 1 else "queryId")
        run, slot, build_1x, build_2_0 = QUERIES[query_ids[0]]
        objects = run(conn, args,
                      illustrative=current_app.config["REGMAP_ROUTING_ILLUSTRATIVE"],
                      version=version, repository=repository)
    except RegRepException as failure:
        if version == versions.V2:
            return 200, documents_v2.failure(failure, repository), _MEDIA_TYPE_2_0
        status = 404 if failure.exception_type == OBJECT_NOT_FOUND else 400
        return status, documents.failure(failure), _MEDIA_TYPE_1X
    if version == versions.V2:
        return 200, documents_v2.registry_objects(objects, slot, build_2_0, repository), \
            _MEDIA_TYPE_2_0
    return 200, documents.registry_objects(objects, slot, build_1x), _MEDIA_TYPE_1X


_MEDIA_TYPE_1X = f"{documents.MEDIA_TYPE}; charset=utf-8"
_MEDIA_TYPE_2_0 = versions.MEDIA_TYPE_2_0
