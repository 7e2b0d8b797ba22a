"""GV100AD editions for the tests: the shipped reference areas written in the Destatis
fixed-width format (positions as areas/gv100ad.py reads them), optionally changed as a new
edition would change them."""
from app.areas import gv100ad, seed

SATZART = {"land": "10", "regierungsbezirk": "20", "kreis": "40", "gemeindeverband": "50",
           "municipality": "60"}
_CODES = {**{v: k for k, v in gv100ad.KREIS_TYPES.items()},
          **{v: k for k, v in gv100ad.VERBAND_TYPES.items()}}


def _line(kind, day, key, ars, name, seat, code, area_ha=None, population=None, plz=None,
          several=False):
    chars = [" "] * 200

    def put(first, last, text, right=False):
        width = last - first + 1
        text = str(text or "")[:width]
        text = text.rjust(width, "0") if right else text.ljust(width)
        chars[first - 1:last] = list(text)
    put(1, 2, kind)
    put(3, 10, day.strftime("%Y%m%d"))
    put(11, 12, key[:2])
    if kind != "10":
        put(13, 13, key[2:3])
    if kind in ("40", "50", "60"):
        put(14, 15, key[3:5])
    if kind == "60":
        put(16, 18, key[5:8])
        put(19, 22, ars[5:9])
    if kind == "50":
        put(19, 22, key[5:9])
    put(23, 72, name)
    put(73, 122, seat)
    put(123, 124, code)
    if kind == "60":
        put(129, 139, area_ha or 0, right=True)
        put(140, 150, population or 0, right=True)
        put(166, 170, plz)
        put(171, 175, "*****" if several else "")
    return "".join(chars).rstrip().ljust(124)


def edition(day, *, drop=(), add=(), rename=None):
    """The shipped areas as a GV100AD edition of `day`; `drop`: municipality keys left out,
    `add`: extra municipality rows (ags, ars, name), `rename`: {key: new name}."""
    rename = rename or {}
    lines = []
    for row in seed.build_area_rows(_seed_dir()):
        (key, level, ars, name, _, area_type, type_code, seat, _, population, area_ha,
         plz, several, status, *_rest) = row
        if status != "current" or level == "federation" or key in drop:
            continue
        code = type_code if level == "municipality" else _CODES.get(area_type, "")
        lines.append(_line(SATZART[level], day, key, ars, rename.get(key, name), seat, code,
                           area_ha, population, plz, several))
    for ags, ars, name in add:
        lines.append(_line("60", day, ags, ars, name, None, "64", 100, 10, None))
    return "\n".join(lines) + "\n"


def _seed_dir():
    from app.config import REPO_ROOT
    return REPO_ROOT / "catalog_seed"
