"""What people type for a place — an AGS, a postcode, a municipality's name, "München
(09162000)" picked from a suggestion — turned into area keys, never guessed: a name or
postcode that fits several municipalities comes back as a list to choose from."""
import re
from dataclasses import dataclass, field

from ..areas import queries as area_queries
from ..values import identifiers
from ..values.dates import berlin_today
from ..values.folding import fold

_KEY_IN_TEXT = identifiers.in_parentheses(identifiers.AREA_KEY)
_IS_AREA_KEY = identifiers.matcher(identifiers.AREA_KEY)
_IS_AGS = identifiers.matcher(identifiers.AGS)
_IS_PLZ = identifiers.matcher(identifiers.PLZ)
LEVEL_NAMES = {"federation": "Bund", "land": "Land", "regierungsbezirk": "Regierungsbezirk",
               "kreis": "Kreis", "gemeindeverband": "Amt/Verband", "municipality": "Gemeinde"}
MAX_CHOICES = 50


@dataclass
class Place:
    """The outcome of reading a place: one municipality, or choices, or a problem."""
    ags: str | None = None
    name: str | None = None
    plz: str | None = None
    choices: list = field(default_factory=list)
    problem: str | None = None


def label(row):
    """How a suggestion names an area, e.g. "Bramstedtlund (01054018)"."""
    return f"{row['name']} ({row.get('key') or row.get('ags')})"


def municipality(conn, text):
    """One current municipality for an AGS, a postcode with one municipality, a unique
    name, or a "Name (AGS)" picked from the suggestions."""
    text = (text or "").strip()
    today = berlin_today()
    if not text:
        return Place(problem="Bitte einen Ort, eine Postleitzahl oder einen AGS angeben.")
    picked = _KEY_IN_TEXT.search(text)
    key = picked.group(1) if picked else text
    if _IS_AGS(key):
        row = area_queries.get_municipality(conn, today=today, ags=key)
        if row is None:
            return Place(problem=f"Den Gemeindeschlüssel {key} kennen wir nicht.")
        return Place(ags=row["ags"], name=row["name"])
    if _IS_PLZ(text):
        rows = area_queries.postcode_municipalities(conn, text, today=today)
        rows = [r for r in rows if r["status"] == "current"]
        if not rows:
            return Place(problem=f"Die Postleitzahl {text} kennen wir nicht.")
        if len(rows) == 1:
            return Place(ags=rows[0]["ags"], name=rows[0]["name"], plz=text)
        return Place(plz=text, choices=[{"ags": r["ags"], "name": r["name"],
                                         "place": r["place_name"]} for r in rows])
    if len(fold(text)) < 2:
        return Place(problem="Bitte mindestens zwei Buchstaben des Ortsnamens angeben.")
    rows, _ = area_queries.list_municipalities(conn, today=today, name_folded=fold(text),
                                               closest_to=text, limit=MAX_CHOICES, offset=0)
    exact = [r for r in rows if fold(r["name"]) == fold(text)]
    if len(exact) == 1:
        rows = exact
    if not rows:
        return Place(problem=f"Keine Gemeinde heißt „{text}“.")
    if len(rows) == 1:
        return Place(ags=rows[0]["ags"], name=rows[0]["name"])
    return Place(choices=[{"ags": r["ags"], "name": r["name"],
                           "place": r["kreis_name"] or r["land_name"]} for r in rows])


def find_areas(conn, text, limit=20):
    """Areas of every level whose name contains the text (or with this key), for pickers."""
    text = (text or "").strip()
    today = berlin_today()
    if _IS_AREA_KEY(text):
        row = area_queries.get_area(conn, text, today=today)
        return [_area(row)] if row else []
    if len(fold(text)) < 2:
        return []
    rows, _ = area_queries.list_areas(conn, today=today, name_folded=fold(text), limit=limit,
                                      offset=0)
    return [_area(r) for r in rows]


def _area(row):
    return {"key": row["key"], "name": row["name"], "level": LEVEL_NAMES[row["level"]],
            "type": row["area_type"], "parent": row["parent_name"], "label": label(row)}


def area_keys(text):
    """The keys of a list typed or picked: one "Name (key)" per line (names may contain
    commas), or bare keys separated by commas, semicolons, spaces or lines.
    Returns (keys, unreadable parts)."""
    keys, bad = [], []
    for line in re.split(r"[;\n]+", text or ""):
        line = line.strip()
        if not line:
            continue
        picked = _KEY_IN_TEXT.search(line)
        parts = [picked.group(1)] if picked else re.split(r"[,\s]+", line)
        for part in parts:
            if _IS_AREA_KEY(part):
                if part not in keys:
                    keys.append(part)
            elif part:
                bad.append(part)
    return keys, bad


def describe_keys(conn, keys):
    """Each key with its name and level, for showing a picked list back (one query)."""
    found = {row["key"]: _area(row)
             for row in area_queries.get_areas(conn, keys, today=berlin_today())}
    return [found.get(key) or {"key": key, "name": None, "level": None, "label": key}
            for key in keys]


def covered_municipalities(conn, keys, limit=300):
    """(first `limit` municipalities the keys cover, how many in all)."""
    if not keys:
        return [], 0
    return area_queries.municipalities_within(conn, keys, today=berlin_today(), limit=limit)
