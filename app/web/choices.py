"""What select boxes and type-aheads offer, and how a picked suggestion is read back."""
from ..access.auth import current_actor
from ..catalog import code_lists
from ..catalog.evidence_types import evidence_types
from ..catalog.services import services
from ..db.pool import get_conn
from ..values import identifiers
from . import present

_CODE_IN_TEXT = identifiers.in_parentheses(identifiers.CODE)


def active_services():
    """(code, German name) of every active service (Leistung), for select boxes."""
    items, _ = services.list(get_conn(), current_actor(), {"status": "active"},
                             {"limit": 500, "offset": 0})
    return sorted(((d["code"], present.text_of(d["name"])) for d in items),
                  key=lambda pair: pair[1].casefold())


def active_evidence_types():
    """(code, German title) of every active evidence type, for select boxes."""
    items, _ = evidence_types.list(get_conn(), current_actor(), {"status": "active"},
                                   {"limit": 500, "offset": 0})
    return sorted(((d["code"], present.text_of(d["title"])) for d in items),
                  key=lambda pair: pair[1].casefold())


def code_choices(name):
    """(code, "code – label") of an OOTS code list, for select boxes."""
    return [(code, f"{code} – {label}") for code, label in code_lists.choices(get_conn(), name)]


def code_in(text):
    """The code of a picked "Name (code)" suggestion, or the text itself."""
    match = _CODE_IN_TEXT.search(text or "")
    return match.group(1) if match else (text or "").strip()
