"""HTTP for the OOTS code lists (code_lists.py): everyone reads them; curators add a value or
remove one that nothing uses, naming the revision they saw (If-Match "v<revision>")."""
from flask.views import MethodView

from ..access.auth import current_actor, requires
from ..access.roles import CURATORS
from ..db.pool import get_conn
from ..http.conventions import IF_MATCH, conditional, expected_version, version_etag
from ..record.replica import read_conn
from . import code_lists, schemas
from .collection_routes import EVERYONE

_LIST = "/code-lists/<any(" + ", ".join(f'"{n}"' for n in code_lists.LISTS) + \
    "):name>/<any(\"1.x\", \"2.0\"):line>"


def code_list_routes(blp):
    @blp.route("/code-lists")
    class CodeLists(MethodView):
        @requires(*EVERYONE)
        @blp.query(schemas.CodeListQueryArgsSchema)
        @blp.response(200, schemas.CodeListSchema(many=True))
        @blp.problems(400)
        def get(self, args):
            """The OOTS code lists of both TDD lines (or of `line`), each with its edition,
            revision and values"""
            return code_lists.documents(read_conn(), args.get("line"))

    @blp.route(_LIST)
    class CodeList(MethodView):
        @requires(*EVERYONE)
        @blp.response(200, schemas.CodeListSchema)
        @blp.problems(304, 404)
        def get(self, name, line):
            """One code list of one TDD line (ETag: its revision)"""
            found = code_lists.document(read_conn(), name, line)
            conditional(version_etag(found["revision"]))
            return found

    @blp.route(_LIST + "/values")
    class CodeValues(MethodView):
        @blp.doc(parameters=[IF_MATCH])
        @requires(*CURATORS)
        @blp.arguments(schemas.CodeValueSchema)
        @blp.response(201, schemas.CodeListSchema)
        @blp.problems(404, 409, 412, 422, 428)
        def post(self, value, name, line):
            """Add a value at the end of the list: its revision moves on"""
            return _with_etag(code_lists.add_value(get_conn(), current_actor(), name, line,
                                                   value, expected_version()), 201)

    @blp.route(_LIST + "/values/<path:code>")
    class CodeValue(MethodView):
        @blp.doc(parameters=[IF_MATCH])
        @requires(*CURATORS)
        @blp.response(200, schemas.CodeListSchema)
        @blp.problems(404, 409, 412, 428)
        def delete(self, name, line, code):
            """Remove a value, unless an active or pending object still uses it (409 names
            them): its revision moves on"""
            return _with_etag(code_lists.remove_value(get_conn(), current_actor(), name, line,
                                                      code, expected_version()))


def _with_etag(document, status=200):
    return document, status, {"ETag": f'"{version_etag(document["revision"])}"'}
