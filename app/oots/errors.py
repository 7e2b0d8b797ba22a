"""RegRep exceptions with the codes of the OOTS EB and DSD error code lists (TDD ~1.0
code lists `DSDErrorCodes-CodeList.gc`, `EBErrorCodes-CodeList.gc`).
On /rest/search every error is one of these, never problem+json."""
import re

OBJECT_NOT_FOUND = "rs:ObjectNotFoundExceptionType"
INVALID_REQUEST = "rs:InvalidRequestExceptionType"
SEVERITY_ERROR = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
SEVERITY_ADDITIONAL_INPUT = \
    "urn:sr.oots.tech.europa.eu:codes:ErrorSeverity:DSDErrorResponse:AdditionalInput"

# code -> (exception type, message), verbatim from the code lists.
CODES = {
    "DSD:ERR:0001": (OBJECT_NOT_FOUND,
                     "No Data Services were found based on the given parameters"),
    "DSD:ERR:0002": (OBJECT_NOT_FOUND, "The Evidence Type requested cannot be found"),
    "DSD:ERR:0003": (INVALID_REQUEST,
                     "The query parameters do not follow the query specification"),
    "DSD:ERR:0004": (INVALID_REQUEST, "The requested Query does not exist"),
    "DSD:ERR:0005": (OBJECT_NOT_FOUND, "The query requires the included extra attributes to "
                                       "be provided by the user"),
    "DSD:ERR:0006": (INVALID_REQUEST, "Incorrect provided value for requested parameters"),
    "EB:ERR:0001": (OBJECT_NOT_FOUND, "The result set is empty"),
    "EB:ERR:0002": (OBJECT_NOT_FOUND, "The requirement requested, represented by the "
                                      "requirement id, does not exist"),
    "EB:ERR:0003": (INVALID_REQUEST,
                    "The query parameters do not follow the query specification"),
    "EB:ERR:0004": (INVALID_REQUEST,
                    "The jurisdiction level code query parameter is invalid or unknown"),
    "EB:ERR:0005": (INVALID_REQUEST,
                    "The value of the procedure-id query parameter is invalid or unknown"),
    "EB:ERR:0006": (INVALID_REQUEST, "The value of the procedure implementation country "
                                     "query parameter is invalid or unknown"),
    "EB:ERR:0007": (INVALID_REQUEST, "The requested Query does not exist"),
}


# Characters XML 1.0 cannot carry (controls, surrogates, U+FFFE/U+FFFF): a detail that quotes
# the caller's input never breaks the document.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DETAIL_LIMIT = 300


def xml_safe(text):
    text = _NOT_XML.sub("\ufffd", str(text))
    return text if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT - 1] + "…"


class RegRepException(Exception):
    """An answer of status Failure. `detail` says what was wrong (a parameter name, the
    value not found); `slots` are the DSD:ERR:0005 slots (built by documents.py)."""

    def __init__(self, code, detail, slots=()):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.slots = code, xml_safe(detail), list(slots)
        self.exception_type, self.message = CODES[code]
        self.severity = SEVERITY_ADDITIONAL_INPUT if code == "DSD:ERR:0005" \
            else SEVERITY_ERROR
