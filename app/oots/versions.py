"""Which OOTS Technical Design version a /rest/search request is answered in, and what the
version changes outside the documents themselves (TDD 2.0 §3.6.2, read from the Commission's
answers in tests/oots/tdd-2.0-captured and the oots-france notes beside them):

- `Accept-Version: oots-cs:v2.0` asks for 2.0; no header, or `oots-cs:v1.x` (or a 1.x minor
  version), for the 1.x answer exactly as before;
- a 2.0 answer is HTTP 200 whatever its outcome (the outcome is `QueryResponse/@status`), of
  media type `application/x-ebrs+xml`;
- 2.0 names Semantic Repository URIs of its environment (`sr.oots.tech.ec.europa.eu`,
  acceptance `sr.acc.oots.tech.ec.europa.eu`), and data models under `datamodels/` where 1.x
  wrote `distributions/`. The catalogue keeps the 1.x form; `to_2_0`/`from_2_0` translate.

Any other `Accept-Version` is refused (`UnsupportedVersion`), never answered in a version the
requester did not ask for."""
import re

V1 = "1.x"
V2 = "2.0"
SPECIFICATION_2_0 = "oots-cs:v2.0"
MEDIA_TYPE_2_0 = "application/x-ebrs+xml"
SUPPORTED = ("oots-cs:v1.x", SPECIFICATION_2_0)
_V1_VALUES = re.compile(r"oots-cs:v1(\.(x|[0-9]{1,2}))?")
# The prefix under which the catalogue keeps Semantic Repository URIs (the 1.x examples').
SR_1X = "https://sr.oots.tech.europa.eu/"
_FAMILIES_2_0 = {"distributions/": "datamodels/"}


class UnsupportedVersion(Exception):
    def __init__(self, value):
        super().__init__(value)
        self.value = value


def requested(header):
    """V1 or V2 for the request's Accept-Version header (None when absent)."""
    value = (header or "").strip()
    if not value or _V1_VALUES.fullmatch(value):
        return V1
    if value == SPECIFICATION_2_0:
        return V2
    raise UnsupportedVersion(value)


def to_2_0(uri, repository):
    """A catalogue URI as 2.0 names it in the `repository` environment (others unchanged)."""
    if not uri or not uri.startswith(SR_1X):
        return uri
    path = uri[len(SR_1X):]
    for old, new in _FAMILIES_2_0.items():
        if path.startswith(old):
            path = new + path[len(old):]
    return repository + path


def from_2_0(uri, repository):
    """The catalogue's form of a URI a 2.0 request names (others unchanged)."""
    if not uri or not uri.startswith(repository):
        return uri
    path = uri[len(repository):]
    for old, new in _FAMILIES_2_0.items():
        if path.startswith(new):
            path = old + path[len(new):]
    return SR_1X + path
