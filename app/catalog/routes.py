"""HTTP for the catalogue collections. Every collection answers the same paths, built by
`collection_routes`: list, create, get, replace, patch, retire, history (and, for offers and
permissions, approve and reject)."""
import functools

from flask import Response, request, url_for
from flask.views import MethodView

from ..http import csv_input
from ..access.auth import current_actor, requires
from ..access.policy import history_entry, sees_review_state
from ..access.roles import (
    ANONYMOUS,
    CONSUMER_ADMIN,
    CURATORS,
    OVERSIGHT,
    PROVIDER_ADMIN,
    ROLES,
    ROUTING,
)
from ..http.api import Blueprint, QueryArgsSchema
from ..areas import editions
from ..db.pool import get_conn
from ..http.errors import Forbidden, UnsupportedMediaType, ValidationFailed, param_error
from ..http.conventions import (
    IF_MATCH,
    REVIEWED_IF_MATCH,
    conditional,
    etag_of_page,
    expected_version,
    page_of,
    page_window,
    reviewed_version,
    wants_csv,
)
from ..record import queries as record_queries
from ..record.replica import read_conn
from . import area_imports, fachsynchronisation, importer, schemas
from . import deadlines as deadline_records
from . import onboarding as onboarding_records
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

EVERYONE = (ANONYMOUS,) + ROLES


class HistoryEntrySchema(schemas.ma.Schema):
    id = schemas.ma.fields.Integer(required=True)
    at = schemas.ma.fields.DateTime(required=True)
    actor = schemas.ma.fields.String(required=True)
    action = schemas.ma.fields.String(required=True)
    collection = schemas.ma.fields.String(required=True)
    object = schemas.ma.fields.String(required=True)
    version = schemas.ma.fields.Integer(allow_none=True)
    reason = schemas.ma.fields.String(allow_none=True)
    request_id = schemas.ma.fields.String(allow_none=True)
    changed_fields = schemas.ma.fields.List(schemas.ma.fields.String())
    before = schemas.ma.fields.Raw(allow_none=True)
    after = schemas.ma.fields.Raw(allow_none=True)


HistoryPageSchema = schemas.page_schema(HistoryEntrySchema, "HistoryPage")


def _respond(collection, row, actor, status=200):
    """One object as the actor may see it, with its ETag (and Location when created)."""
    conn = read_conn()
    document = collection.view(conn, row, actor)
    headers = {"ETag": f'"{collection.etag(conn, row)}"', "Vary": "Authorization"}
    if status == 201:
        headers["Location"] = url_for(f"catalog.{collection.name}_item", code=row["code"])
    return document, status, headers


def _precheck(collection):
    """Owners' right to write, checked before the body is parsed (Collection.precheck)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            collection.precheck(get_conn(), current_actor(), kwargs.get("code"),
                                request.get_json(silent=True))
            return view(*args, **kwargs)
        return wrapper
    return decorator


def collection_routes(collection, item_schema, create_schema, query_schema, page_schema,
                      *, readers=EVERYONE, writers=CURATORS):
    name = collection.name
    # Classes of their own, so the OpenAPI document names the variants apart: a replacement
    # keeps the object's code (no rule naming a new object applies), a partial change names
    # at least one field.
    replace_schema = create_schema if not getattr(create_schema, "OPENAPI_RULES", None) \
        else type(create_schema.__name__.replace("Create", "Replace"), (create_schema,),
                  {"OPENAPI_RULES": getattr(create_schema, "OPENAPI_REPLACE_RULES", {})})
    patch_schema = type(create_schema.__name__.replace("Create", "Patch"), (create_schema,),
                        {"OPENAPI_RULES": {"minProperties": 1}})
    # Organisation admins read the history of what their organisation owns (checked below).
    history_readers = OVERSIGHT + (PROVIDER_ADMIN, CONSUMER_ADMIN)

    class Items(MethodView):
        @blp.doc(summary=f"List {name}")
        @requires(*readers)
        @blp.query(query_schema)
        @blp.response(200, page_schema)
        @blp.problems(304, 400)
        def get(self, args):
            items, total = collection.list(read_conn(), current_actor(), args, page_window(args))
            page = page_of(items, total, args)
            conditional(etag_of_page(page))
            return page

        @blp.doc(summary=f"Create {collection.what}" + (
            " (organisation admins: a proposal awaiting review)"
            if collection.reviewed else ""))
        @requires(*writers)
        @_precheck(collection)
        @blp.arguments(create_schema)
        @blp.response(201, item_schema)
        @blp.problems(409, 422)
        def post(self, data):
            conn, actor = get_conn(), current_actor()
            return _respond(collection, collection.submit(conn, actor, data), actor, 201)

    class Item(MethodView):
        @blp.doc(summary=f"Get {collection.what}")
        @requires(*readers)
        @blp.response(200, item_schema)
        @blp.problems(304, 404)
        def get(self, code):
            conn, actor = read_conn(), current_actor()
            row = collection.get(conn, actor, code)
            conditional(collection.etag(conn, row))
            return _respond(collection, row, actor)

        @blp.doc(summary=f"Replace {collection.what} (If-Match)")
        @requires(*writers)
        @_precheck(collection)
        @blp.arguments(replace_schema)
        @blp.response(200, item_schema)
        @blp.doc(parameters=[IF_MATCH])
        @blp.problems(404, 409, 412, 422, 428)
        def put(self, data, code):
            return self._change(code, data, partial=False)

        @blp.doc(summary=f"Change some fields of {collection.what} (If-Match)")
        @requires(*writers)
        @_precheck(collection)
        @blp.arguments(patch_schema(partial=True))
        @blp.response(200, item_schema)
        @blp.doc(parameters=[IF_MATCH])
        @blp.problems(404, 409, 412, 422, 428)
        def patch(self, data, code):
            if not data:
                # Nothing to change is not a change: no new version, no audit entry.
                raise ValidationFailed("the body names no field to change", errors=[
                    param_error("_schema", "body", "name at least one field to change")])
            return self._change(code, data, partial=True)

        @requires(*writers)
        @_precheck(collection)
        @blp.response(200, item_schema)
        @blp.doc(parameters=[IF_MATCH])
        @blp.problems(404, 409, 412, 428)
        def delete(self, code):
            """Retire (nothing the routing service may have used is deleted)"""
            conn, actor = get_conn(), current_actor()
            row = collection.withdraw(conn, actor, code, expected_version())
            return _respond(collection, row, actor)

        def _change(self, code, data, partial):
            conn, actor = get_conn(), current_actor()
            row = collection.change(conn, actor, code, data, expected_version(),
                                    partial=partial)
            return _respond(collection, row, actor)

    class History(MethodView):
        @requires(*history_readers)
        @blp.query(schemas.PageArgsSchema)
        @blp.response(200, HistoryPageSchema)
        @blp.problems(400, 404)
        def get(self, args, code):
            """Versions of the object: who changed what, when"""
            conn, actor = read_conn(), current_actor()
            row = collection.get(conn, actor, code)
            owner_id = collection.owner_id(row)
            if not sees_review_state(actor, owner_id):
                raise Forbidden("only the owning organisation and overseers see the history")
            rows, total = record_queries.list_audit(
                conn, collection=collection.name, object_code=code, **page_window(args))
            return page_of([history_entry(r, actor, owner_id) for r in rows], total, args)

    for view, rule, endpoint in ((Items, f"/{name}", f"{name}_items"),
                                 (Item, f"/{name}/<code:code>", f"{name}_item"),
                                 (History, f"/{name}/<code:code>/history", f"{name}_history")):
        view.__name__ = endpoint
        blp.route(rule, endpoint=endpoint)(view)

    if collection.reviewed:
        class Approve(MethodView):
            @requires(*CURATORS)
            @blp.response(200, item_schema)
            @blp.doc(parameters=[REVIEWED_IF_MATCH])
            @blp.problems(404, 409, 412, 428)
            def post(self, code):
                """Approve what awaits review (four-eyes: never one's own proposal)
                ---
                Send `If-Match` with the ETag of the object as you reviewed it (it names the
                version and the pending proposal): 428 without, 412 when either changed since.
                """
                conn, actor = get_conn(), current_actor()
                return _respond(collection, collection.approve(conn, actor, code,
                                                              reviewed_version()), actor)

        class Reject(MethodView):
            @requires(*CURATORS)
            @blp.arguments(schemas.ReasonSchema)
            @blp.response(200, item_schema)
            @blp.doc(parameters=[REVIEWED_IF_MATCH])
            @blp.problems(404, 409, 412, 422, 428)
            def post(self, data, code):
                """Reject what awaits review, with a reason
                ---
                `If-Match` as for approval.
                """
                conn, actor = get_conn(), current_actor()
                return _respond(collection, collection.reject(conn, actor, code,
                                                             data["reason"],
                                                             reviewed_version()), actor)

        for view, action in ((Approve, "approve"), (Reject, "reject")):
            endpoint = f"{name}_{action}"
            view.__name__ = endpoint
            blp.route(f"/{name}/<code:code>/{action}", endpoint=endpoint)(view)


class ImportArgsSchema(QueryArgsSchema):
    dry_run = schemas.ma.fields.Boolean(load_default=False)


class ImportReportSchema(schemas.ma.Schema):
    dry_run = schemas.ma.fields.Boolean(required=True)
    rows = schemas.ma.fields.Integer(required=True)
    created = schemas.ma.fields.List(schemas.ma.fields.String(), required=True)


class OnboardingReportSchema(schemas.ma.Schema):
    table = schemas.ma.fields.List(schemas.ma.fields.Dict(), required=True, metadata={
        "description": "state (in_preparation, running, completed) x environment: dc, dp"})
    apart = schemas.ma.fields.List(schemas.ma.fields.Dict(), required=True, metadata={
        "description": "the same for planned and paused, shown apart"})
    by_land = schemas.ma.fields.List(schemas.ma.fields.Dict(), required=True, metadata={
        "description": "per Land of the organisation's seat: land, name, table"})
    by_federal_actor = schemas.ma.fields.List(schemas.ma.fields.Dict(), required=True,
                                              metadata={"description": "per federal actor "
                                                        "(organisation, table)"})
    progress = schemas.ma.fields.List(schemas.ma.fields.Dict(), required=True, metadata={
        "description": "per month: organisations (dc, dp) that had reached first_contact, "
                       "evidence_specified, readiness_checked, connected by its end"})
    registers_without_production_offer = schemas.ma.fields.List(
        schemas.ma.fields.Dict(), required=True, metadata={
            "description": "active registers none of whose evidence types is offered in "
                           "production yet (code, idnrg_number, name)"})


class OnboardingReportArgsSchema(QueryArgsSchema):
    table = schemas.ma.fields.String(
        load_default="states", validate=schemas.validate.OneOf(onboarding_records.CSV_TABLES),
        metadata={"description": "with Accept: text/csv, which part: states (DC/DP per state "
                                 "and environment), lands, actors, progress"})


@blp.route("/reports/onboarding")
class OnboardingReport(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(OnboardingReportArgsSchema)
    @blp.response(200, OnboardingReportSchema)
    @blp.alt_response(200, description="CSV (Accept: text/csv) of the part `table` names",
                      content_type="text/csv", success=True)
    @blp.problems(400)
    def get(self, args):
        """Connections of data consumers (DC) and providers (DP) per state and environment
        ---
        Distinct organisations with an active onboarding record, active organisations only,
        as the status report to the IT-Planungsrat counts them.
        """
        document = onboarding_records.report(read_conn())
        if wants_csv():
            return Response(onboarding_records.report_csv(document, args["table"]),
                            mimetype="text/csv")
        return document


@blp.route("/reports/deadlines")
class DeadlineReport(MethodView):
    @requires(*OVERSIGHT)
    @blp.response(200, schemas.DeadlineReportSchema)
    @blp.alt_response(200, description="CSV (Accept: text/csv)", content_type="text/csv",
                      success=True)
    def get(self):
        """Who is late or due within 90 days for a transition deadline
        ---
        Every provider obliged by an active deadline (the register's keepers, every
        organisation with a provider onboarding record for it) and its standing: connected
        (an active production offer), late, due within 90 days, or open.
        """
        document = deadline_records.report(read_conn())
        if wants_csv():
            return Response(deadline_records.report_csv(document), mimetype="text/csv")
        return document


@blp.route("/fachsynchronisation")
class Fachsynchronisation(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(schemas.FachsynchronisationQueryArgsSchema)
    @blp.response(200, schemas.FachsynchronisationPageSchema)
    @blp.problems(400)
    def get(self, args):
        """Status entries of the federal actors per register, newest first
        ---
        `latest=true`: only the newest entry per actor and register (the current status).
        """
        rows, total = fachsynchronisation.entries(read_conn(), args, page_window(args))
        return page_of(rows, total, args)

    @requires(*CURATORS)
    @blp.arguments(schemas.FachsynchronisationCreateSchema)
    @blp.response(201, schemas.FachsynchronisationSchema)
    @blp.problems(422)
    def post(self, data):
        """Record a new status entry of a federal actor (entries are never changed)"""
        return fachsynchronisation.document(
            fachsynchronisation.record(get_conn(), current_actor(), data))


@blp.route("/fachsynchronisation/<code:code>")
class FachsynchronisationEntry(MethodView):
    @requires(*OVERSIGHT)
    @blp.response(200, schemas.FachsynchronisationSchema)
    @blp.problems(404)
    def get(self, code):
        """One status entry"""
        return fachsynchronisation.document(fachsynchronisation.get(read_conn(), code))


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


collection_routes(organisations, schemas.OrganisationSchema, schemas.OrganisationCreateSchema,
                  schemas.OrganisationQueryArgsSchema, schemas.OrganisationPageSchema)
collection_routes(registers, schemas.RegisterSchema, schemas.RegisterCreateSchema,
                  schemas.RegisterQueryArgsSchema, schemas.RegisterPageSchema)
collection_routes(evidence_types, schemas.EvidenceTypeSchema, schemas.EvidenceTypeCreateSchema,
                  schemas.EvidenceTypeQueryArgsSchema, schemas.EvidenceTypePageSchema)
collection_routes(services, schemas.ServiceSchema, schemas.ServiceCreateSchema,
                  schemas.ServiceQueryArgsSchema, schemas.ServicePageSchema)
collection_routes(offers, schemas.OfferSchema, schemas.OfferCreateSchema,
                  schemas.OfferQueryArgsSchema, schemas.OfferPageSchema,
                  writers=CURATORS + (PROVIDER_ADMIN,))
collection_routes(permissions, schemas.PermissionSchema, schemas.PermissionCreateSchema,
                  schemas.PermissionQueryArgsSchema, schemas.PermissionPageSchema,
                  readers=(CONSUMER_ADMIN, ROUTING) + OVERSIGHT,
                  writers=CURATORS + (CONSUMER_ADMIN,))
collection_routes(eu_requirements, schemas.EuRequirementSchema,
                  schemas.EuRequirementCreateSchema, schemas.EuRequirementQueryArgsSchema,
                  schemas.EuRequirementPageSchema)
collection_routes(deadline_records.deadlines, schemas.DeadlineSchema, schemas.DeadlineCreateSchema,
                  schemas.DeadlineQueryArgsSchema, schemas.DeadlinePageSchema)
collection_routes(onboarding_records.onboarding, schemas.OnboardingSchema,
                  schemas.OnboardingCreateSchema, schemas.OnboardingQueryArgsSchema,
                  schemas.OnboardingPageSchema,
                  readers=(PROVIDER_ADMIN, CONSUMER_ADMIN) + OVERSIGHT)


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

