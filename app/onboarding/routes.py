"""HTTP for onboarding records and transition deadlines (collection paths as every
catalogue collection), Fachsynchronisation entries, and the reports under /reports."""
import marshmallow as ma
from flask import Response
from flask.views import MethodView
from marshmallow import validate

from ..access.auth import current_actor, requires
from ..access.policy import ONBOARDING_READERS
from ..access.roles import CURATORS, OVERSIGHT
from ..catalog.collection_routes import collection_routes
from ..db.pool import get_conn
from ..http.api import Blueprint, QueryArgsSchema
from ..http.conventions import page_of, page_window, wants_csv
from ..record.replica import read_conn
from . import deadlines, fachsynchronisation, onboarding, schemas

blp = Blueprint("onboarding", __name__, url_prefix="/api/v1",
                description="Connecting authorities to NOOTS: onboarding records, transition "
                            "deadlines, Fachsynchronisation, and their reports")


class OnboardingReportSchema(ma.Schema):
    table = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "state (in_preparation, running, completed) x environment: dc, dp"})
    apart = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "the same for planned and paused, shown apart"})
    by_land = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "per Land of the organisation's seat: land, name, table"})
    by_federal_actor = ma.fields.List(ma.fields.Dict(), required=True,
                                              metadata={"description": "per federal actor "
                                                        "(organisation, table)"})
    progress = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "per month: organisations (dc, dp) that had reached first_contact, "
                       "evidence_specified, readiness_checked, connected by its end"})
    registers_without_production_offer = ma.fields.List(
        ma.fields.Dict(), required=True, metadata={
            "description": "active registers none of whose evidence types is offered in "
                           "production yet (code, idnrg_number, name)"})


class OnboardingReportArgsSchema(QueryArgsSchema):
    table = ma.fields.String(
        load_default="states", validate=validate.OneOf(onboarding.CSV_TABLES),
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
        document = onboarding.report(read_conn())
        if wants_csv():
            return Response(onboarding.report_csv(document, args["table"]),
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
        document = deadlines.report(read_conn())
        if wants_csv():
            return Response(deadlines.report_csv(document), mimetype="text/csv")
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


collection_routes(blp, deadlines.deadlines, schemas.DeadlineSchema, schemas.DeadlineCreateSchema,
                  schemas.DeadlineQueryArgsSchema, schemas.DeadlinePageSchema)
collection_routes(blp, onboarding.onboarding, schemas.OnboardingSchema,
                  schemas.OnboardingCreateSchema, schemas.OnboardingQueryArgsSchema,
                  schemas.OnboardingPageSchema,
                  readers=ONBOARDING_READERS)
