from flask.views import MethodView

from ..access.auth import current_actor
from ..http.api import Blueprint
from . import engine
from .schemas import SearchQueryArgsSchema, SearchResultsSchema

blp = Blueprint("search", __name__, url_prefix="/api/v1",
                description="Full-text search over the catalogue")


@blp.route("/search")
class Search(MethodView):
    @blp.query(SearchQueryArgsSchema)
    @blp.response(200, SearchResultsSchema)
    @blp.problems(400, 503)
    def get(self, args):
        """Search evidence types, registers, services, organisations and offers
        ---
        German-aware: inflections, umlauts typed as ae/oe/ue, compound parts, typos and
        prefixes; exact codes (Leistungsschlüssel, AGS, IDNrG number) first. Facets count
        hits by type, Land and status.
        """
        return engine.search(current_actor(), args)
