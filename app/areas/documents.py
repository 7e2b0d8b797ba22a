"""Area lookups as the API answers them: rows shaped into documents, unknown keys raised."""
from datetime import date

from ..http.errors import InvalidParameter, NotFound
from ..values.dates import berlin_today
from ..values.folding import fold
from . import queries
from .errors import UnknownArea


def _ref(key, name, type_=None):
    return {"key": key, "name": name, "type": type_} if key else None


def _related(keys):
    """Successors or predecessors from SQL JSON, their days as dates."""
    return [{**k, "effective_on": date.fromisoformat(k["effective_on"])
             if k["effective_on"] else None} for k in keys]


def municipality_document(row):
    successors = _related(row["successors"])
    return {
        "ags": row["ags"], "ars": row["ars"], "name": row["name"],
        "type": row["area_type"], "type_code": row["area_type_code"], "status": row["status"],
        "valid_from": row["valid_from"], "valid_to": row["valid_to"],
        "retired_by": row["retired_by"], "last_seen": row["last_seen"],
        "successor": successors[0] if len(successors) == 1 else None,
        "successors": successors, "predecessors": _related(row["predecessors"]),
        "retirement": {"reason": row["retirement_reason"], "source": row["retirement_source"]}
        if row["retirement_reason"] else None,
        "land": _ref(row["land_key"], row["land_name"]),
        "regierungsbezirk": _ref(row["rb_key"], row["rb_name"]),
        "kreis": _ref(row["kreis_key"], row["kreis_name"], row["kreis_type"]),
        "gemeindeverband": _ref(row["verband_key"], row["verband_name"], row["verband_type"]),
        "population": row["population"], "area_ha": row["area_ha"],
        "plz_seat": row["plz_seat"], "plz_several": row["plz_several"],
        "source": row["source"], "version": row["version"], "updated_at": row["updated_at"],
    }


def municipality(conn, kind, key):
    """By AGS or ARS. A former ARS of a current municipality answers as a retired key whose
    successor is that municipality under its current ARS."""
    today = berlin_today()
    row = queries.get_municipality(conn, today=today, **{kind: key})
    if row is not None:
        return municipality_document(row)
    if kind == "ars":
        former = queries.get_former_ars(conn, key)
        if former is not None:
            current = municipality_document(
                queries.get_municipality(conn, today=today, ags=former["ags"]))
            successor = {"ags": current["ags"], "name": current["name"],
                         "status": current["status"], "effective_on": None}
            return {**current, "requested_key": key, "ars": key, "status": "retired",
                    "retired_by": former["retired_by"], "valid_to": None,
                    "successor": successor, "successors": [successor], "predecessors": []}
    raise UnknownArea("municipality", key)


def _name_filter(args):
    """The folded `name` filter; a name with nothing to compare (no letters or digits, e.g.
    "%") is a 400, never a filter that matches everything."""
    name = args.get("name")
    if name is None:
        return None
    folded = fold(name)
    if not folded:
        raise InvalidParameter("name", "query", "needs letters or digits")
    return folded


def municipalities(conn, args, window):
    rows, total = queries.list_municipalities(
        conn, today=berlin_today(), name_folded=_name_filter(args),
        land=args.get("land"), kreis=args.get("kreis"), status=args["status"], **window)
    return [municipality_document(r) for r in rows], total


def area_document(row):
    parent = None
    if row["parent_key"]:
        parent = {"key": row["parent_key"], "level": row["parent_level"],
                  "name": row["parent_name"]}
    return {"key": row["key"], "level": row["level"], "name": row["name"],
            "type": row["area_type"], "seat": row["seat"], "nuts": row["nuts"],
            "status": row["status"],
            "parent": parent, "version": row["version"], "updated_at": row["updated_at"]}


def area(conn, level, key):
    today = berlin_today()
    row = queries.get_area(conn, key, today=today)
    if row is None:
        raise UnknownArea(level if level != "federation" else "area", key)
    document = area_document(row)
    document["children_count"] = queries.count_children(conn, key)
    document["municipality_count"] = queries.count_municipalities_within(
        conn, row["level"], key, today=today)
    return document


def areas(conn, args, window):
    rows, total = queries.list_areas(
        conn, today=berlin_today(), level=args.get("level"), parent=args.get("parent"),
        name_folded=_name_filter(args), **window)
    return [area_document(r) for r in rows], total


def postcode(conn, plz):
    rows = queries.postcode_municipalities(conn, plz, today=berlin_today())
    if not rows:
        raise NotFound("postcode", plz)
    found = [{**municipality_document(r), "place_name": r["place_name"],
              "source": r["pair_source"]} for r in rows]
    return {"plz": plz, "municipality_count": len({f["ags"] for f in found}),
            "municipalities": found}
