"""The data managers' quality report for an evidence type: gaps, nesting, offers expiring
soon, offers on retired areas, offers of organisations that are not active; and what the
reference geography cannot answer on its own: retired keys without a recorded successor,
postcodes that name retired keys."""
import csv
import io
from datetime import date, timedelta

from ..http.conventions import csv_cell
from ..values.dates import berlin_today
from . import queries, resolve


def report(conn, index, args, environment):
    """The report for one environment's offers."""
    day = args.get("at") or berlin_today()
    type_id = resolve.evidence_type_id(index, args["evidence_type"])
    offers = index.offers(type_id)
    gaps, nested, current = [], [], 0
    for ags in sorted(index.areas.municipalities):
        municipality = index.areas.municipalities[ags]
        if municipality.retired_in_source or not municipality.valid_on(day):
            continue
        current += 1
        levels = [(key, o.code) for key in municipality.chain
                  for o in index.offers_at(offers, type_id, key, None)
                  if o.environment == environment and o.provider_active and o.valid_on(day)]
        if not levels:
            gaps.append({"ags": ags, "name": municipality.name})
        elif len(levels) > 1:
            nested.append({"ags": ags, "name": municipality.name,
                           "offers": [{"area_key": k, "offer": c} for k, c in levels]})
    try:
        until = day + timedelta(days=args["expiring_within_days"])
    except OverflowError:  # at= near the end of the calendar
        until = date.max
    expiring = queries.expiring_offers(conn, type_id, day, until, environment)
    retired = queries.offers_on_retired_areas(conn, type_id, day, environment)
    inactive = queries.offers_of_inactive_organisations(conn, type_id, environment)
    unsucceeded = retired_without_successor(index.areas)
    postcodes = postcodes_with_retired_members(index.areas)
    return {
        "evidence_type": args["evidence_type"], "at": day, "environment": environment,
        "summary": {"current_municipalities": current,
                    "covered": current - len(gaps), "without_provider": len(gaps),
                    "nested": len(nested), "expiring": len(expiring),
                    "on_retired_areas": len(retired), "of_inactive_organisations":
                        len(inactive), "retired_without_successor": len(unsucceeded),
                    "postcodes_with_retired_members": len(postcodes)},
        "municipalities_without_provider": gaps,
        "nested_offers": nested,
        "expiring_offers": [_offer(r) for r in expiring],
        "offers_on_retired_areas": [dict(r) for r in retired],
        "offers_of_inactive_organisations": [_offer(r) for r in inactive],
        "retired_without_successor": unsucceeded,
        "postcodes_with_retired_members": postcodes,
    }


def retired_without_successor(areas):
    """Retired municipality keys no succession leads on from: lookups answer 410 (with the
    sourced reason, where one is recorded)."""
    return [{"ags": m.ags, "name": m.name, "last_seen": m.last_seen,
             "reason": m.retirement_reason}
            for ags, m in sorted(areas.municipalities.items())
            if (m.retired_in_source or m.valid_to) and ags not in areas.successors]


def postcodes_with_retired_members(areas):
    """Postcodes whose table rows name retired keys (resolved through successors where
    recorded, else the postcode answers 409 without a place)."""
    found = []
    for plz, rows in sorted(areas.postcodes.items()):
        retired = [ags for ags, _, _, _ in rows
                   if areas.municipalities[ags].retired_in_source
                   or areas.municipalities[ags].valid_to]
        if retired:
            found.append({"plz": plz, "retired": retired,
                          "successors": sorted({s for ags in retired
                                                for s, _ in areas.successors.get(ags, ())})})
    return found


def _offer(row):
    return {"offer": row["offer"], "provider": row["provider"],
            "provider_status": row["provider_status"], "areas": row["areas"],
            "valid_from": row["valid_from"], "valid_to": row["valid_to"]}


def as_csv(report):
    """One line per finding: finding, key, name, offer, detail."""
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
    writer.writerow(["finding", "key", "name", "offer", "detail"])
    for g in report["municipalities_without_provider"]:
        writer.writerow(["without_provider", g["ags"], g["name"], "", ""])
    for n in report["nested_offers"]:
        writer.writerow(["nested", n["ags"], n["name"], " ".join(o["offer"] for o in n["offers"]),
                         " ".join(o["area_key"] for o in n["offers"])])
    for o in report["expiring_offers"]:
        writer.writerow(["expiring", " ".join(o["areas"] or []), "", o["offer"],
                         f"valid_to {o['valid_to']}"])
    for o in report["offers_on_retired_areas"]:
        writer.writerow(["on_retired_area", o["area_key"], o["area_name"], o["offer"], ""])
    for o in report["offers_of_inactive_organisations"]:
        writer.writerow(["inactive_organisation", " ".join(o["areas"] or []), "", o["offer"],
                         f"{o['provider']} is {o['provider_status']}"])
    for m in report["retired_without_successor"]:
        writer.writerow(["retired_without_successor", m["ags"], m["name"], "",
                         f"last seen {m['last_seen']}"
                         + (f"; {m['reason']}" if m["reason"] else "")])
    for p in report["postcodes_with_retired_members"]:
        writer.writerow(["postcode_with_retired_members", p["plz"], "", "",
                         " ".join(p["retired"]) + " -> " + (" ".join(p["successors"]) or "-")])
    return out.getvalue()


class _SafeWriter:
    """Every cell through http.csv_cell: names and codes come from users."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        self.writer.writerow([csv_cell(value) for value in row])
