"""`regmap seed --national`: a deterministic, illustrative catalogue of national scale, to
measure on. Every entry is flagged illustrative.

On top of the demo catalogue (a demo authority per municipality and per Verband that keeps
the population register), it adds 120 evidence types and their offers, the way competence
is spread in Germany:

- 35 types offered by every municipality (like the Gewerbeanzeige),
- 15 offered by the Verband where it keeps the register, else by the municipality (like the
  Meldebescheinigung),
- 40 offered per Kreis (a Kreis authority each), 25 per Land (a Land authority each),
- 5 offered once for all of Germany (by one federal authority).

That is about 476,000 offers, one area key each. Everything goes through the collections'
bulk verb — the same preparation, references and overlap rule as single writes — with one
audited change-feed entry per collection, which the competence indexes answer with a rebuild.
"""
import logging

from ..record import audit
from .evidence_types import evidence_types
from .offers import offers
from .organisations import organisations
from .queries import demo as queries

log = logging.getLogger(__name__)

MUNICIPAL, REGISTER_KEEPING, KREIS, LAND, FEDERAL = 35, 15, 40, 25, 5
REGISTER = "idnrg-1"
BATCH = {"generator": "regmap seed --national", "illustrative": True}


def _types():
    """(code, German title, kind) of the generated evidence types."""
    kinds = (("gemeinde", MUNICIPAL, "Gemeinde"), ("melde", REGISTER_KEEPING,
                                                    "Gemeinde oder Verband"),
             ("kreis", KREIS, "Kreis"), ("land", LAND, "Land"), ("bund", FEDERAL, "Bund"))
    return [(f"gen-{kind}-{n:02d}", f"Generierter Nachweis {n:02d} ({label})", kind)
            for kind, count, label in kinds for n in range(1, count + 1)]


def seed_national(conn, actor, *, land=None, endpoint_base="https://national.example"):
    """Adds what is missing (a second run writes nothing). Needs the demo catalogue's
    authorities (`seed_demo`). `land` (a Land key) limits it to one Land, for tests.
    Returns counts."""
    types = _types()
    counts = {"evidence types": 0, "organisations": 0, "offers": 0}
    with audit.write_transaction(conn):
        missing = [t for t in types if evidence_types.load(conn, t[0]) is None]
        for code, title, _ in missing:
            evidence_types.submit(conn, actor, {
                "code": code, "title": {"de": title}, "registers": [REGISTER],
                "illustrative": True})
        counts["evidence types"] = len(missing)

        authorities = [{**row, "status": "active", "illustrative": True}
                       for row in queries.generated_authorities(conn, land)]
        if authorities:
            counts["organisations"] = len(organisations.submit_many(
                conn, actor, authorities, one_entry=BATCH))

        places = {kind: queries.generated_offer_places(conn, kind, land)
                  for kind in ("gemeinde", "melde", "kreis", "land", "bund")}
        bodies = []
        offered = queries.evidence_types_with_offers(conn, [code for code, _, _ in types])
        for code, _, kind in types:
            if code in offered:
                continue  # this type's offers exist already
            bodies += [{"code": f"{code}-{place['area_key'].lower()}",
                        "provider": place["provider"],
                        "evidence_type": code, "areas": [place["area_key"]],
                        "service_id": f"urn:national:{code}:{place['area_key']}",
                        "endpoint_url": f"{endpoint_base}/{code}/{place['area_key']}",
                        "connection_parameters": {"protocol": "XTA2"}, "status": "active",
                        "illustrative": True}
                       for place in places[kind]]
        if bodies:
            counts["offers"] = len(offers.submit_many(conn, actor, bodies, one_entry=BATCH))
    log.info("seeded the national-scale catalogue: %s", counts)
    return counts
