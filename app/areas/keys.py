"""Area keys: what a well-formed key looks like and which level it names.

AGS (8) = Land 2 + Regierungsbezirk 1 + Kreis 2 + Gemeinde 3; ARS (12) = Land+RB+Kreis (5) +
Gemeindeverband (4) + Gemeinde (3). Each level has its own key length, so the length names
the level; `DE` is the whole federation.
"""
from ..http.errors import InvalidParameter
from ..values import identifiers

LEVEL_BY_LENGTH = {2: "land", 3: "regierungsbezirk", 5: "kreis", 8: "municipality",
                   9: "gemeindeverband"}
LEVELS = ("federation", "land", "regierungsbezirk", "kreis", "gemeindeverband", "municipality")
FEDERATION = "DE"
_IS_AGS_OR_ARS = identifiers.matcher(f"{identifiers.AGS}|{identifiers.ARS}")
_IS_AREA_KEY = identifiers.matcher(identifiers.AREA_KEY)
_IS_PLZ = identifiers.matcher(identifiers.PLZ)


def municipality_key(raw, name="key", location="path"):
    """('ags' | 'ars', key) for an 8-digit AGS or a 12-digit ARS; else a 400."""
    if _IS_AGS_OR_ARS(raw or ""):
        return ("ags" if len(raw) == 8 else "ars"), raw
    raise InvalidParameter(name, location,
                           "expected an 8-digit AGS or a 12-digit ARS, e.g. 09162000")


def area_key(raw, name="key", location="path"):
    """(level, key) for DE or a 2/3/5/8/9-digit key; else a 400."""
    if raw == FEDERATION:
        return "federation", raw
    if _IS_AREA_KEY(raw or ""):
        return LEVEL_BY_LENGTH[len(raw)], raw
    raise InvalidParameter(name, location,
                           "expected DE or a key of 2 (Land), 3 (Regierungsbezirk), 5 (Kreis), "
                           "8 (AGS) or 9 (Gemeindeverband) digits")


def postcode(raw, name="plz", location="path"):
    if _IS_PLZ(raw or ""):
        return raw
    raise InvalidParameter(name, location, "expected a 5-digit postcode (PLZ)")


def ancestor_keys(ags, ars):
    """Candidate keys above a municipality, most specific first (those that exist count)."""
    keys = []
    if ars:
        keys.append(ars[:9])
    keys += [ags[:5], ags[:3], ags[:2], FEDERATION]
    return keys
