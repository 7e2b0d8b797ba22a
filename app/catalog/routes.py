"""HTTP for the catalogue: its collections (paths built by collection_routes.py), the CSV
import of offers, and new editions of the Gemeindeverzeichnis as reviewable change sets
(/area-imports: applying one moves offers, so it lives with the catalogue, not areas)."""
from flask import request, url_for
from flask.views import MethodView

from ..access.auth import current_actor, requires
from ..access.policy import PERMISSION_READERS
from ..access.roles import CONSUMER_ADMIN, CURATORS, OVERSIGHT, PROVIDER_ADMIN
from ..areas import editions
from ..db.pool import get_conn
from ..http import csv_input
from ..http.api import Blueprint, QueryArgsSchema
from ..http.conventions import IF_MATCH, expected_version, page_of, page_window
from ..http.errors import UnsupportedMediaType
from . import area_imports, importer, schemas
from .code_list_routes import code_list_routes
from .collection_routes import collection_routes
from .eu_requirements import eu_requirements
from .evidence_types import evidence_types
from .offers import offers
from .organisations import organisations
from .permissions import permissions
from .registers import registers
from .services import services

blp = Blueprint("catalog", __name__, url_prefix="/api/v1",
                description="The catalogue: organisations, registers, evidence types, "
                            "services (Leistungen), offers and abstract permissions")


class ImportArgsSchema(QueryArgsSchema):
    dry_run = schemas.ma.fields.Boolean(load_default=False)


class ImportReportSchema(schemas.ma.Schema):
    dry_run = schemas.ma.fields.Boolean(required=True)
    rows = schemas.ma.fields.Integer(required=True)
    created = schemas.ma.fields.List(schemas.ma.fields.String(), required=True)



@blp.route("/offers/import")
class OfferImport(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"text/csv": {"schema": {
        "type": "string", "example": "provider,evidence_type,areas,service_id,endpoint_url\n"
                                     "amt-x,meldebescheinigung,010545489,urn:x,https://x"}}}})
    @requires(*CURATORS)
    @blp.query(ImportArgsSchema)
    @blp.response(200, ImportReportSchema)
    @blp.problems(400, 413, 415, 422)
    def post(self, args):
        """Import many offers from CSV: every row checked, then all written or none
        ---
        Columns: provider, evidence_type, areas (keys separated by spaces or ';'),
        service_id, endpoint_url, valid_from, valid_to, connection_parameters (JSON).
        """
        if request.mimetype != "text/csv":
            raise UnsupportedMediaType("send the offers as text/csv")
        text = csv_input.decode(request.get_data())
        return importer.import_offers(get_conn(), current_actor(), text,
                                      dry_run=args["dry_run"])



collection_routes(blp, organisations, schemas.OrganisationSchema, schemas.OrganisationCreateSchema,
                  schemas.OrganisationQueryArgsSchema, schemas.OrganisationPageSchema)
collection_routes(blp, registers, schemas.RegisterSchema, schemas.RegisterCreateSchema,
                  schemas.RegisterQueryArgsSchema, schemas.RegisterPageSchema)
collection_routes(blp, evidence_types, schemas.EvidenceTypeSchema, schemas.EvidenceTypeCreateSchema,
                  schemas.EvidenceTypeQueryArgsSchema, schemas.EvidenceTypePageSchema)
collection_routes(blp, services, schemas.ServiceSchema, schemas.ServiceCreateSchema,
                  schemas.ServiceQueryArgsSchema, schemas.ServicePageSchema)
collection_routes(blp, offers, schemas.OfferSchema, schemas.OfferCreateSchema,
                  schemas.OfferQueryArgsSchema, schemas.OfferPageSchema,
                  writers=CURATORS + (PROVIDER_ADMIN,))
collection_routes(blp, permissions, schemas.PermissionSchema, schemas.PermissionCreateSchema,
                  schemas.PermissionQueryArgsSchema, schemas.PermissionPageSchema,
                  readers=PERMISSION_READERS,
                  writers=CURATORS + (CONSUMER_ADMIN,))
collection_routes(blp, eu_requirements, schemas.EuRequirementSchema,
                  schemas.EuRequirementCreateSchema, schemas.EuRequirementQueryArgsSchema,
                  schemas.EuRequirementPageSchema)
code_list_routes(blp)


# --- new editions of the Gemeindeverzeichnis as reviewable change sets ---------------------

class AreaImportSchema(schemas.ma.Schema):
    code = schemas.ma.fields.String(required=True)
    edition = schemas.ma.fields.Date(required=True)
    previous_edition = schemas.ma.fields.Date(required=True)
    status = schemas.ma.fields.String(required=True, metadata={
        "description": "pending, approved, rejected or withdrawn"})
    preview = schemas.ma.fields.Dict(required=True, metadata={
        "description": "added, removed, renamed, ars_changed, suggested_successors"})
    offers_touched = schemas.ma.fields.List(schemas.ma.fields.Dict(), metadata={
        "description": "offers on a removed or renamed key"})
    successions = schemas.ma.fields.List(schemas.ma.fields.Dict(), required=True)
    created_by = schemas.ma.fields.String(required=True)
    decided_by = schemas.ma.fields.String(allow_none=True)
    reason = schemas.ma.fields.String(allow_none=True)
    version = schemas.ma.fields.Integer(required=True)
    created_at = schemas.ma.fields.DateTime(required=True)
    updated_at = schemas.ma.fields.DateTime(required=True)


class SuccessionItemSchema(schemas.Strict):
    """One confirmed succession; the edition decides which keys and days fit (editions.py)."""
    predecessor = schemas.ma.fields.String(required=True, validate=schemas.AGS_OR_ARS)
    successor = schemas.ma.fields.String(required=True, validate=schemas.AGS_OR_ARS)
    effective_on = schemas.ma.fields.Date(allow_none=True, metadata={
        "description": "null when the day is not known"})


class SuccessionsBodySchema(schemas.Strict):
    successions = schemas.ma.fields.List(schemas.ma.fields.Nested(SuccessionItemSchema),
                                         required=True)


class OptionalReasonSchema(schemas.Strict):
    reason = schemas.text(2000)


def _area_import(conn, row, status=200):
    headers = {"ETag": f'"v{row["version"]}"'}
    if status == 201:
        headers["Location"] = url_for("catalog.AreaImport", code=row["code"])
    return area_imports.document(conn, row), status, headers


@blp.route("/area-imports")
class AreaImports(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(schemas.PageArgsSchema)
    @blp.response(200, schemas.page_schema(AreaImportSchema, "AreaImportPage"))
    def get(self, args):
        """New editions of the Gemeindeverzeichnis, newest first"""
        conn = get_conn()
        rows, total = editions.listing(conn, page_window(args))
        return page_of([area_imports.document(conn, r) for r in rows], total, args)

    @blp.doc(requestBody={"required": True, "content": {"text/plain": {"schema": {
        "type": "string", "description": "a Destatis GV100AD file (fixed width, UTF-8)"}}}})
    @requires(*CURATORS)
    @blp.response(201, AreaImportSchema)
    @blp.problems(400, 409, 413, 415, 422)
    def post(self):
        """Load a new edition as a change set: a preview, nothing applied until approval"""
        if request.mimetype != "text/plain":
            raise UnsupportedMediaType("send the GV100AD file as text/plain")
        conn = get_conn()
        row = editions.propose(conn, current_actor(), csv_input.decode(request.get_data()))
        return _area_import(conn, row, 201)


@blp.route("/area-imports/<code:code>")
class AreaImport(MethodView):
    @requires(*OVERSIGHT)
    @blp.response(200, AreaImportSchema)
    @blp.problems(404)
    def get(self, code):
        """A change set: its preview, the offers it touches, the confirmed successions"""
        conn = get_conn()
        return _area_import(conn, editions.get(conn, code))

    @requires(*CURATORS)
    @blp.arguments(SuccessionsBodySchema)
    @blp.response(200, AreaImportSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.problems(404, 409, 412, 422, 428)
    def patch(self, data, code):
        """Confirm the successions the edition cannot tell by itself (If-Match)"""
        conn = get_conn()
        return _area_import(conn, editions.confirm(conn, current_actor(), code,
                                                   data["successions"], expected_version()))

    @requires(*CURATORS)
    @blp.response(200, AreaImportSchema)
    @blp.problems(404, 409)
    def delete(self, code):
        """Withdraw a change set that awaits a decision"""
        conn = get_conn()
        return _area_import(conn, editions.withdraw(conn, current_actor(), code))


@blp.route("/area-imports/<code:code>/approve")
class AreaImportApprove(MethodView):
    @requires(*CURATORS)
    @blp.arguments(OptionalReasonSchema, required=False)
    @blp.response(200, AreaImportSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.problems(404, 409, 412, 428)
    def post(self, data, code):
        """Apply the edition as reviewed (If-Match): areas, successions, offers following"""
        conn = get_conn()
        return _area_import(conn, area_imports.approve(
            conn, current_actor(), code, expected_version(), (data or {}).get("reason")))


@blp.route("/area-imports/<code:code>/reject")
class AreaImportReject(MethodView):
    @requires(*CURATORS)
    @blp.arguments(schemas.ReasonSchema)
    @blp.response(200, AreaImportSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.problems(404, 409, 412, 422, 428)
    def post(self, data, code):
        """Reject the change set, with a reason (If-Match)"""
        conn = get_conn()
        return _area_import(conn, editions.decide(conn, current_actor(), code,
                                                  expected_version(), approve=False,
                                                  reason=data["reason"]))

