"""Build catalog_seed/areas/nuts_2016_de.csv: the NUTS 2016 code of every Land,
Regierungsbezirk and Kreis of the Gemeindeverzeichnis (Gebietsstand 30.11.2025).

The NUTS list of the OOTS code lists (`NutsCodes.gc`, Publications Office, NUTS 2016) has codes
and names only, no AGS. This script matches them by name inside the parent region (a Kreis only
among the NUTS 3 regions of its Land, a Regierungsbezirk among the NUTS 2 regions of its Land)
and by kind (a kreisfreie Stadt only with a NUTS region named "…, Kreisfreie Stadt" or
"…, Stadtkreis" where a district of the same name exists). What names cannot settle is in
MANUAL below, each with its reason; anything left unmatched stops the script.

Run: python scripts/build_nuts_correspondence.py ../shared/data/oots/codelists/NutsCodes.gc
"""
import csv
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ROOT / "catalog_seed/areas/gebietseinheiten_2025-11-30.csv"
OUT = ROOT / "catalog_seed/areas/nuts_2016_de.csv"

# Where names differ or a region changed after 2016; the reason is written to the file.
MANUAL = {
    # Eisenach (DEG0N, a kreisfreie Stadt in NUTS 2016) joined the Wartburgkreis on
    # 1 July 2021; the Kreis 16063 of 2025 is DEG0P together with the former DEG0N.
    "16063": ("DEG0P", "Wartburgkreis; since 2021 also the former kreisfreie Stadt Eisenach "
                       "(NUTS 2016 DEG0N)"),
}

_SUFFIXES = (", kreisfreie stadt", ", stadtkreis", ", landkreis", ", kreis", " landkreis",
             ", stadt", ", hansestadt", ", landeshauptstadt", ", wissenschaftsstadt",
             ", universitätsstadt", ", klingenstadt", ", documenta-stadt")
_PREFIXES = ("früher: ", "direktionsbezirk ", "reg.-bez. ", "regierungsbezirk ",
             "statistische region ", "landkreis ", "kreis ", "städteregion ",
             "regionalverband ", "region ", "stadtverband ")


def normal(name):
    n = name.lower().strip()
    n = re.sub(r"\s+", " ", n)
    for s in _SUFFIXES:
        if n.endswith(s):
            n = n[:-len(s)]
    for p in _PREFIXES:
        if n.startswith(p):
            n = n[len(p):]
    # "Weiden i.d.OPf." / "Weiden i. d. Opf", "Oldenburg (Oldb)" / "Oldenburg (Oldenburg)",
    # "Friesland" / "Friesland (DE)": compare letters only, without what is in brackets.
    n = re.sub(r"\(.*?\)", "", n.split(",")[0])
    return re.sub(r"[^a-zäöüß]", "", n)


def nuts_regions(path):
    tree = ET.parse(path)
    out = {}
    for row in tree.findall(".//{*}Row"):
        values = {v.get("ColumnRef"): v.findtext("{*}SimpleValue") or ""
                  for v in row.findall("{*}Value")}
        code = values.get("code", "")
        if code.startswith("DE") and not code.startswith("DEZ") and len(code) > 2:
            out[code] = values.get("deu_label") or values.get("name")
    return out


def main(nuts_path):
    nuts = nuts_regions(nuts_path)
    with open(AREAS, newline="", encoding="utf-8") as f:
        areas = [r for r in csv.DictReader(f) if r["ebene"] != "gemeindeverband"]
    lands = [r for r in areas if r["ebene"] == "land"]
    land_nuts = {}
    for land in lands:
        hits = [c for c, n in nuts.items() if len(c) == 3 and normal(n) == normal(land["name"])]
        if len(hits) != 1:
            sys.exit(f"Land {land['code']} {land['name']}: {hits}")
        land_nuts[land["code"]] = hits[0]
    rows, used = [], set()
    for area in areas:
        code, level = area["code"], area["ebene"]
        reason = "name"
        if code in MANUAL:
            nuts_code, reason = MANUAL[code]
        elif level == "land":
            nuts_code = land_nuts[code]
        else:
            length = 4 if level == "regierungsbezirk" else 5
            parent = land_nuts[code[:2]]
            pool = {c: n for c, n in nuts.items()
                    if len(c) == length and c.startswith(parent)}
            hits = [c for c, n in pool.items() if normal(n) == normal(area["name"])]
            if len(hits) > 1:
                city = area["typ"] in ("Kreisfreie Stadt", "Stadtkreis")
                hits = [c for c in hits
                        if (("Kreisfreie Stadt" in pool[c] or "Stadtkreis" in pool[c]) == city)]
            if len(hits) != 1:
                sys.exit(f"{level} {code} {area['name']} ({area['typ']}): {hits}")
            nuts_code = hits[0]
        if nuts_code in used:
            sys.exit(f"{nuts_code} matched twice ({code})")
        used.add(nuts_code)
        rows.append({"area_key": code, "level": level, "area_name": area["name"],
                     "nuts": nuts_code, "nuts_name": nuts[nuts_code], "matched_by": reason})
    unused = sorted(c for c in nuts if len(c) == 5 and c not in used)
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} areas; NUTS 3 regions without a Kreis of 2025: {unused}")


if __name__ == "__main__":
    main(sys.argv[1])
