"""What a new edition of the Gemeindeverzeichnis means for the catalogue: the offers each
added, removed or renamed key touches (shown with the change set), and, once a data manager
approves it, offers on a removed key following its one confirmed successor — through the
offers' own write path (overlap rule, audit). Where following would be ambiguous (a split, or
another offer already covers the successor) the offer stays on the retired key and the
coverage report lists it. The areas part is areas/editions.py."""
from ..areas import editions
from ..http.errors import Problem
from .offers import offers
from .queries import offers as queries
from .references import References


def document(conn, row):
    doc = editions.document(row)
    preview = row["preview"]
    keys = [a["key"] for part in ("removed", "renamed") for a in preview[part]]
    doc["offers_touched"] = [dict(r) for r in queries.offers_on_area_keys(conn, keys)]
    return doc


def approve(conn, actor, code, expected_version, reason=None):
    return editions.decide(conn, actor, code, expected_version, approve=True, reason=reason,
                           after_apply=_follow_successors)


def _follow_successors(conn, actor, row):
    successors = editions.unambiguous_successors(row)
    followed, stayed = [], []
    for found in queries.offers_on_area_keys(conn, list(successors), statuses=("active",)):
        successor = successors[found["area_key"]]
        current = offers.load(conn, found["offer"], for_update=True)
        if successor in current["areas"]:
            continue
        try:
            with conn.transaction():
                values = offers.prepare(References(conn), actor, {
                    **offers.editable(current), "areas": current["areas"] + [successor]},
                    current=current)
                offers._apply(conn, actor, current, values, "offer.follow-succession",
                              reason=f"area import {row['code']}: {found['area_key']} is "
                                     f"succeeded by {successor}")
            followed.append({"offer": found["offer"], "from": found["area_key"],
                             "to": successor})
        except Problem as problem:  # the overlap rule, or the offer cannot take the key
            stayed.append({"offer": found["offer"], "area_key": found["area_key"],
                           "why": problem.detail})
    return {"offers_followed": followed, "offers_on_retired_keys": stayed}
