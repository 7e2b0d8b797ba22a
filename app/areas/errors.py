"""Problems of the reference geography."""
from ..http.errors import NotFound, Problem


class UnknownArea(NotFound):
    slug, title = "unknown-area", "Unknown area"


class AreaRetired(Problem):
    status, slug, title = 410, "area-retired", "Area retired"
