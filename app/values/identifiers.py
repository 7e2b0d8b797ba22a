"""What identifiers look like, in one place: catalogue codes, area keys, postcodes, the
Leistungsschlüssel; and new random codes for server-assigned objects.

Patterns are kept as plain strings (bare, without anchors) so that marshmallow validators,
OpenAPI parameter descriptions, hand-written parsers and patterns that find a key inside a
text ("Musterstadt (09162000)") all build on the same definition.
"""
import re
import secrets
from urllib.parse import quote

# Lowercase slugs, digits, '-' and '.': organisations, registers, evidence types, services.
CODE = r"[a-z0-9][a-z0-9.-]{0,79}"
AGS = r"[0-9]{8}"            # Amtlicher Gemeindeschlüssel: Land 2 + RB 1 + Kreis 2 + Gemeinde 3
# A municipality or an area above it by its AGS prefix: Kreis, Regierungsbezirk, Land.
AGS_OR_ABOVE = r"[0-9]{8}|[0-9]{5}|[0-9]{3}|[0-9]{2}"
ARS = r"[0-9]{12}"           # Amtlicher Regionalschlüssel: Kreis 5 + Verband 4 + Gemeinde 3
PLZ = r"[0-9]{5}"
KREIS = r"[0-9]{5}"
LEISTUNGSSCHLUESSEL = r"[0-9]{14}"
# The whole federation or a Land: where a law applies (an EU requirement's framework).
FEDERATION_OR_LAND = r"DE|[0-9]{2}"
# A provider-classification value named in a lookup: `<concept code>:<value>`.
CLASSIFICATION_VALUE = rf"(?:{CODE}):[^\x00-\x1f]{{1,200}}"
# A German NUTS 2016 region: DE + NUTS 1 (one character), NUTS 2 (two), NUTS 3 (three).
NUTS_DE = r"DE[0-9A-G][0-9A-Z]{0,2}"
# An ISO 3166-1 alpha-2 country code as OOTS queries send it (DE, FR, ...).
COUNTRY = r"[A-Z]{2}"
# Areas above a municipality: Land (2), Regierungsbezirk (3), Kreis (5), Gemeindeverband (9).
AREA_ABOVE_MUNICIPALITY = r"[0-9]{2}|[0-9]{3}|[0-9]{5}|[0-9]{9}"
# Any area key an offer or a lookup may name: DE, the areas above, or a municipality (8).
AREA_KEY = r"DE|[0-9]{2}|[0-9]{3}|[0-9]{5}|[0-9]{8}|[0-9]{9}"


# An absolute http(s) URL a client can call: a lowercase scheme, a host name with at least
# one dot (or localhost), an optional port, then only RFC 3986 characters and %-escapes.
# Anything else (space, { } | ^ < > " \ `) is not a URI and breaks Turtle, N-Triples and
# RDF/XML. One pattern for the validators and the OpenAPI document alike.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_RFC3986_CHARACTERS = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
_AFTER_SCHEME = (rf"(?:localhost|{_LABEL}(?:\.{_LABEL})+)(?::[0-9]{{1,5}})?"
                 rf"(?:[/?#]{_RFC3986_CHARACTERS})?")
HTTP_URL = rf"https?://{_AFTER_SCHEME}"
HTTPS_URL = rf"https://{_AFTER_SCHEME}"
_URI_SAFE = "-._~:/?#[]@!$&'()*+,;=%"


def safe_uri(text):
    """`text` with every character RFC 3986 does not allow %-encoded (as UTF-8): values
    stored before URIs were checked still serialise in every RDF syntax."""
    return quote(text, safe=_URI_SAFE)


def anchored(pattern):
    """`pattern` matching a whole string (for validators and OpenAPI `pattern`)."""
    return f"^({pattern})$"


def matcher(pattern):
    """A compiled whole-string matcher: `matcher(AGS)("09162000")` is truthy."""
    return re.compile(anchored(pattern)).match


def in_parentheses(pattern):
    """Finds the key a type-ahead appends to a name: 'München (09162000)'."""
    return re.compile(rf"\(({pattern})\)\s*$")


_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: codes get read aloud


def new_code(prefix, length=10):
    """A random code for an object the server names (offers, permissions, users, ...)."""
    return prefix + "-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
