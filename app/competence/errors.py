"""Why a competence lookup has no answer (modelled on the EU OOTS Data Service Directory:
not found, or "additional parameters required")."""
from ..http.errors import Conflict, NotFound, Problem


class UnknownEvidenceType(NotFound):
    slug, title = "unknown-evidence-type", "Unknown evidence type"


class UnknownService(NotFound):
    slug, title = "unknown-service", "Unknown service"


class NoCompetentProvider(Problem):
    status, slug, title = 404, "no-competent-provider", "No competent provider"


class NeedsMoreInformation(Problem):
    """The EU OOTS DSD:ERR:0005 case: the caller must add parameters (ags, place)."""
    status, slug, title = 409, "needs-more-information", "More information needed"


class AmbiguousOffers(Conflict):
    """Two active offers on the same key and day: the overlap rule should prevent it."""
    title = "Competing offers"
