"""HTTP for competence resolution: single lookups (the routing service's hot path), batches,
snapshots for the routing service's cache; and the permission check and coverage report."""
import csv
import io
import json

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView

from ..access import environments
from ..access.auth import current_actor, requires
from ..access.policy import PERMISSION_CHECKERS
from ..access.roles import OVERSIGHT, ROUTING
from ..db.pool import get_conn
from ..http.api import Blueprint, json_body
from ..http.conventions import csv_cell, page_of, page_window, wants_csv
from ..http.errors import PayloadTooLarge, Problem, ValidationFailed, param_error
from ..record.replica import read_conn
from ..values.dates import berlin_today
from . import answer, check_log, coverage, parameters, permission_check, resolve
from .index import current_index
from .permission_index import current_permission_index
from .schemas import (
    BatchLookupSchema,
    BatchRequestSchema,
    BatchResponseSchema,
    CompetenceSchema,
    CoverageQueryArgsSchema,
    CoverageSchema,
    PermissionCheckArgsSchema,
    PermissionCheckLogArgsSchema,
    PermissionCheckPageSchema,
    PermissionCheckSchema,
    SnapshotQueryArgsSchema,
)

blp = Blueprint("competence", __name__, url_prefix="/api/v1",
                description="Competence resolution, permission check and coverage")
blp.components["BatchLookup"] = BatchLookupSchema

MAX_BATCH = 20_000
BATCH_BODY_FIELDS = {"evidence_type", "at", "environment", "lookups"}


@blp.route("/competence")
class Competence(MethodView):
    @blp.doc(parameters=parameters.openapi_parameters())
    @blp.response(200, CompetenceSchema)
    @blp.problems(304, 400, 404, 409, 410)
    def get(self):
        """Who is competent for this evidence type in this area, on this date?
        ---
        Exactly one of ags, ars, plz; evidence_type or leika (or both). A postcode, Kreis,
        Regierungsbezirk or Land whose municipalities lead to different providers answers
        409 needs-more-information with the candidates, as does a service (leika) that
        needs several evidence types; a retired key resolves through its recorded successor
        (resolved_via_successor), else 410.
        """
        lookup = parameters.parse_query(request.args)
        view = answer.view(current_actor(), lookup, _routing_illustrative())
        index = current_index(*_present(lookup.evidence_type), leika=_present(lookup.leika))
        outcome = answer.outcome(index, lookup, view)
        if outcome.problem is not None:
            raise outcome.problem
        status, headers, body = answer.rendered(outcome, view.connection,
                                                request.if_none_match.contains)
        return Response(body, status=status, headers=headers)


@blp.route("/competence/batch")
class CompetenceBatch(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"application/json": {
        "schema": BatchRequestSchema}}})
    @requires(ROUTING, *OVERSIGHT)
    @blp.response(200, BatchResponseSchema)
    @blp.problems(400, 413, 422)
    def post(self):
        """Up to 20,000 lookups at once, each with its own status
        ---
        Parsed by hand rather than by the schema: 20,000 items through marshmallow would
        cost more than resolving them.
        """
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("lookups"), list):
            detail = "a JSON object with a list 'lookups' is required"
            raise ValidationFailed(detail, errors=[param_error("lookups", "body", detail)])
        unknown = sorted(set(body) - BATCH_BODY_FIELDS)
        if unknown:
            raise ValidationFailed(f"unknown field(s): {', '.join(unknown)}", errors=[
                param_error(name, "body", "unknown field") for name in unknown])
        lookups = body["lookups"]
        if len(lookups) > MAX_BATCH:
            raise PayloadTooLarge(f"{len(lookups)} lookups; at most {MAX_BATCH} per batch")
        default_type = body.get("evidence_type")
        default_day = parameters.parse_day(body["at"], "at") if "at" in body \
            else berlin_today()
        default_environment = body.get("environment")
        if default_environment is not None \
                and default_environment not in environments.ENVIRONMENTS:
            raise ValidationFailed("environment: " + environments.DESCRIPTION, errors=[
                param_error("environment", "body", environments.DESCRIPTION)])
        actor, routing_illustrative = current_actor(), _routing_illustrative()
        items_given = [raw for raw in lookups if isinstance(raw, dict)]
        index = current_index(
            *{t for t in (raw.get("evidence_type", default_type) for raw in items_given)
              if isinstance(t, str)},
            leika={k for k in (raw.get("leika") for raw in items_given) if isinstance(k, str)})
        items = []
        for n, raw in enumerate(lookups):
            # Each item repeats its position and input: callers need not rely on order.
            try:
                lookup = parameters.parse_batch_item(raw, default_type, default_day)
            except Problem as problem:
                items.append({"index": n, "input": raw, **_item_problem(problem, n)})
                continue
            if lookup.environment is None and default_environment is not None:
                lookup = lookup._replace(environment=default_environment)
            try:
                view = answer.view(actor, lookup, routing_illustrative)
            except Problem as problem:  # a token bound to another environment
                items.append({"index": n, "input": raw, **_item_problem(problem, n)})
                continue
            outcome = answer.outcome(index, lookup, view)
            items.append({"index": n, "input": raw, **(
                _item_problem(outcome.problem, n) if outcome.problem
                else {"status": 200, "result": outcome.document})})
        body = json.dumps({"items": items}, ensure_ascii=False, separators=(",", ":"))
        return Response(body, mimetype="application/json")


def _present(value):
    return (value,) if value is not None else ()


def _routing_illustrative():
    return current_app.config["REGMAP_ROUTING_ILLUSTRATIVE"]


def _item_problem(problem, n):
    """An item's problem; its `errors` point at the item (`lookups[3].plz` in the body),
    not at a query parameter the batch does not have."""
    base = current_app.config["PROBLEM_BASE_URL"]
    doc = {"type": base + problem.slug if problem.slug else "about:blank",
           "title": problem.title, "status": problem.status, "detail": problem.detail}
    if problem.errors:
        prefix = f"lookups[{n}]."
        doc["errors"] = [{**e, "in": "body", "name": e["name"] if e["name"].startswith(prefix)
                          else prefix + e["name"]} for e in problem.errors]
    doc.update(problem.extensions)
    return {"status": problem.status, "problem": doc}


@blp.route("/competence/snapshot")
class CompetenceSnapshot(MethodView):
    @requires(ROUTING, *OVERSIGHT)
    @blp.query(SnapshotQueryArgsSchema)
    @blp.response(200, description="NDJSON (default) or CSV (Accept: text/csv): one line "
                                   "per current municipality", content_type="application/x-ndjson")
    @blp.alt_response(200, description="CSV", content_type="text/csv", success=True)
    @blp.problems(400, 404, 409)
    def get(self, args):
        """Every current municipality and its competent offer, streamed
        ---
        For the routing service's cache: load this, then follow GET /changes.
        """
        index = current_index(args["evidence_type"])
        day = args.get("at") or berlin_today()
        resolve.ensure_area_data_covers(index, day)
        type_id = resolve.evidence_type_id(index, args["evidence_type"])
        actor = current_actor()
        rows = _snapshot_rows(index, type_id, day, answer.view_of(
            actor, args.get("illustrative"), args.get("environment"), _routing_illustrative()))
        as_csv = request.accept_mimetypes.best_match(
            ["application/x-ndjson", "application/json", "text/csv"]) == "text/csv"
        if as_csv:
            return Response(stream_with_context(_csv_lines(rows)), mimetype="text/csv")
        return Response(stream_with_context(
            json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
            for row in rows), mimetype="application/x-ndjson")


SNAPSHOT_COLUMNS = ("ags", "ars", "name", "area_key", "provider", "offer", "service_id",
                    "endpoint_url", "illustrative", "environment")


def _snapshot_rows(index, type_id, day, view):
    for ags in sorted(index.areas.municipalities):
        municipality = index.areas.municipalities[ags]
        if municipality.retired_in_source or not municipality.valid_on(day):
            continue
        try:
            offer, found_at = resolve.competent_offer(index, type_id, municipality, day,
                                                      illustrative=view.illustrative,
                                                      environment=view.environment)
        except Problem:
            offer, found_at = None, None
        row = {"ags": ags, "ars": municipality.ars, "name": municipality.name,
               "area_key": found_at, "provider": offer.provider if offer else None,
               "offer": offer.code if offer else None,
               "service_id": offer.service_id if offer else None,
               "endpoint_url": offer.endpoint_url if offer else None,
               "illustrative": offer.illustrative if offer else None,
               "environment": view.environment}
        if view.connection:
            row["connection_parameters"] = offer.connection_parameters if offer else None
        yield row


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SNAPSHOT_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row[c]) for c in SNAPSHOT_COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@blp.route("/permissions/check")
class PermissionCheck(MethodView):
    @requires(*PERMISSION_CHECKERS)
    @blp.query(PermissionCheckArgsSchema)
    @blp.response(200, PermissionCheckSchema)
    @blp.problems(400, 404)
    def get(self, args):
        """The Vermittlungsstelle's abstract check: may this consumer, for this service,
        receive this evidence type (from this provider)?
        ---
        Every check is logged (/permission-checks) and answered with `Cache-Control:
        no-store`: a remembered decision would escape the log.
        """
        actor = current_actor()
        decision = permission_check.check(current_permission_index(), args,
                                          environments.chosen(args.get("environment"),
                                                              actor.environment))
        check_log.record(actor, args, decision)
        headers, body = permission_check.rendered(decision)
        return Response(body, headers=headers)


@blp.route("/permission-checks")
class PermissionCheckLog(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(PermissionCheckLogArgsSchema)
    @blp.response(200, PermissionCheckPageSchema)
    @blp.alt_response(200, description="CSV of every matching entry (Accept: text/csv)",
                      content_type="text/csv", success=True)
    @blp.problems(400)
    def get(self, args):
        """The check log: every permission check, who asked, the decision and why
        ---
        Newest first (`order=oldest` for the other way); filters by token, consumer,
        service, evidence type, provider, deciding permission, decision and time (`from`,
        `until`: a day in Europe/Berlin or a timestamp). With `Accept: text/csv`, every
        matching entry (no paging).
        """
        conn = get_conn()  # the primary: where this process's entries were just written
        if wants_csv():
            return Response(stream_with_context(check_log.as_csv(conn, args)),
                            mimetype="text/csv")
        rows, total = check_log.entries(conn, args, page_window(args))
        return page_of(rows, total, args)


@blp.route("/coverage")
class Coverage(MethodView):
    @requires(*OVERSIGHT)
    @blp.query(CoverageQueryArgsSchema)
    @blp.response(200, CoverageSchema)
    @blp.alt_response(200, description="CSV (Accept: text/csv)", content_type="text/csv",
                      success=True)
    @blp.problems(400, 404)
    def get(self, args):
        """Gaps and data-quality findings for an evidence type (JSON or CSV)"""
        report = coverage.report(read_conn(), current_index(args["evidence_type"]), args,
                                 environments.chosen(args.get("environment"),
                                                     current_actor().environment))
        if wants_csv():
            return Response(coverage.as_csv(report), mimetype="text/csv")
        return report
