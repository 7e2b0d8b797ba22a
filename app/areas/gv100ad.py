"""Destatis GV100AD, the Gemeindeverzeichnis as fixed-width text (the file an edition comes
in): the reference areas it lists, in the seed's staging row order (queries.AREA_STAGE_
COLUMNS). Field positions and type codes as in the Satzbeschreibung; tests/test_area_import
checks that the shipped edition parses to exactly the rows the seed loads from its CSVs.
"""
from datetime import date

from ..values.folding import fold
from .keys import FEDERATION, ancestor_keys

# Textkennzeichen (positions 123-124) -> type names.
KREIS_TYPES = {"41": "Kreisfreie Stadt", "42": "Stadtkreis", "43": "Kreis",
               "44": "Landkreis", "45": "Regionalverband"}
VERBAND_TYPES = {"50": "Verbandsfreie Gemeinde", "51": "Amt", "52": "Samtgemeinde",
                 "53": "Verbandsgemeinde", "54": "Verwaltungsgemeinschaft",
                 "55": "Kirchspielslandgemeinde", "56": "Verwaltungsverband",
                 "58": "Erfüllende Gemeinde"}
GEMEINDE_TYPES = {"60": "Markt", "61": "Kreisfreie Stadt", "62": "Stadtkreis", "63": "Stadt",
                  "64": "kreisangehörige Gemeinde", "65": "gemeindefreies Gebiet, bewohnt",
                  "66": "gemeindefreies Gebiet, unbewohnt", "67": "Große Kreisstadt"}


class NotAnEdition(ValueError):
    """The file is not a GV100AD edition (or a damaged one); nothing is loaded."""


def _field(line, first, last):
    """Positions as the Satzbeschreibung counts them (1-based, inclusive)."""
    return line[first - 1:last].strip()


def _int(text):
    return int(text) if text.strip().isdigit() else None


def parse(text, source):
    """(edition date, area rows). Satzart 30 (Regionen, Baden-Württemberg) is not an area
    level of regmap and is skipped."""
    editions, rows, keys = set(), [], {FEDERATION}
    municipalities = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        kind = line[:2]
        if kind not in ("10", "20", "30", "40", "50", "60") or len(line) < 124:
            raise NotAnEdition(f"line {number}: not a GV100AD record")
        try:
            editions.add(date.fromisoformat(
                f"{line[2:6]}-{line[6:8]}-{line[8:10]}"))
        except ValueError:
            raise NotAnEdition(f"line {number}: no Gebietsstand date") from None
        land, rb, kreis = _field(line, 11, 12), _field(line, 13, 13), _field(line, 14, 15)
        name, seat, code = _field(line, 23, 72), _field(line, 73, 122), _field(line, 123, 124)
        if kind == "10":
            rows.append(_row(land, "land", name, None, None, [FEDERATION]))
        elif kind == "20":
            rows.append(_row(land + rb, "regierungsbezirk", name, None, None, [land]))
        elif kind == "40":
            key = land + rb + kreis
            rows.append(_row(key, "kreis", name, KREIS_TYPES.get(code), seat or None,
                             [key[:3], key[:2]]))
        elif kind == "50":
            key = land + rb + kreis + _field(line, 19, 22)
            rows.append(_row(key, "gemeindeverband", name, VERBAND_TYPES.get(code), None,
                             [key[:5], key[:3], key[:2]]))
        elif kind == "60":
            municipalities.append((line, land + rb + kreis + _field(line, 16, 18),
                                   land + rb + kreis + _field(line, 19, 22)
                                   + _field(line, 16, 18), name, code))
        if kind not in ("30", "60"):
            keys.add(rows[-1][0])
    if len(editions) != 1:
        raise NotAnEdition("the file mixes Gebietsstände" if editions else "the file is empty")
    rows = [(*row[:8], _first(row[8], keys), *row[9:14], source, *row[15:]) for row in rows]
    for line, ags, ars, name, code in municipalities:
        several = _field(line, 171, 175) == "*****"
        rows.append((ags, "municipality", ars, name, fold(name), GEMEINDE_TYPES.get(code),
                     code or None, None, _first(ancestor_keys(ags, ars), keys),
                     _int(_field(line, 140, 150)), _int(_field(line, 129, 139)),
                     _field(line, 166, 170) or None, several, "current", source, None, None))
    if not municipalities:
        raise NotAnEdition("the file lists no municipality (Satzart 60)")
    rows.insert(0, (FEDERATION, "federation", None, "Deutschland", fold("Deutschland"), None,
                    None, None, None, None, None, None, None, "current", source, None, None))
    return editions.pop(), rows


def _first(candidates, known):
    return next((key for key in candidates if key in known), None)


def _row(key, level, name, type_, seat, parents):
    """An area above municipalities; `parents` (candidates) resolved once all keys are read."""
    return (key, level, None, name, fold(name), type_, None, seat, parents, None, None, None,
            None, "current", None, None, None)
