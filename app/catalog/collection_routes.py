"""The paths every collection answers, built by `collection_routes` on a blueprint: list,
create, get, replace, patch, retire, history (and, for reviewed collections such as offers and
permissions, approve and reject)."""
import functools

from flask import request, url_for
from flask.views import MethodView

from ..access.auth import current_actor, requires
from ..access.policy import history_entry, sees_review_state
from ..access.roles import ANONYMOUS, CONSUMER_ADMIN, CURATORS, OVERSIGHT, PROVIDER_ADMIN, ROLES
from ..db.pool import get_conn
from ..http.conventions import (
    IF_MATCH,
    REVIEWED_IF_MATCH,
    conditional,
    etag_of_page,
    expected_version,
    page_of,
    page_window,
    reviewed_version,
)
from ..http.errors import Forbidden, ValidationFailed, param_error
from ..record import queries as record_queries
from ..record.replica import read_conn
from . import schemas

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


def _respond(blp, collection, row, actor, status=200):
    """One object as the actor may see it, with its ETag (and Location when created)."""
    conn = read_conn()
    document = collection.view(conn, row, actor)
    headers = {"ETag": f'"{collection.etag(conn, row)}"', "Vary": "Authorization"}
    if status == 201:
        headers["Location"] = url_for(f"{blp.name}.{collection.name}_item", code=row["code"])
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


def collection_routes(blp, collection, item_schema, create_schema, query_schema, page_schema,
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
            return _respond(blp, collection, collection.submit(conn, actor, data), actor, 201)

    class Item(MethodView):
        @blp.doc(summary=f"Get {collection.what}")
        @requires(*readers)
        @blp.response(200, item_schema)
        @blp.problems(304, 404)
        def get(self, code):
            conn, actor = read_conn(), current_actor()
            row = collection.get(conn, actor, code)
            conditional(collection.etag(conn, row))
            return _respond(blp, collection, row, actor)

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
            return _respond(blp, collection, row, actor)

        def _change(self, code, data, partial):
            conn, actor = get_conn(), current_actor()
            row = collection.change(conn, actor, code, data, expected_version(),
                                    partial=partial)
            return _respond(blp, collection, row, actor)

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
                return _respond(blp, collection, collection.approve(conn, actor, code,
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
                return _respond(blp, collection, collection.reject(conn, actor, code,
                                                             data["reason"],
                                                             reviewed_version()), actor)

        for view, action in ((Approve, "approve"), (Reject, "reject")):
            endpoint = f"{name}_{action}"
            view.__name__ = endpoint
            blp.route(f"/{name}/<code:code>/{action}", endpoint=endpoint)(view)
