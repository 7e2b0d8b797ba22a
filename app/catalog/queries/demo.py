"""SQL of the illustrative catalogues: the demo (`regmap seed --demo`) and the national-scale
generated one (`--national`), set-based."""
# --- the illustrative demo catalogue (regmap seed --demo), set-based -------------------------

# Municipalities without an administration of their own (gemeindefreie Gebiete) get none.
_ADMINISTERED = ("a.level = 'municipality' AND a.source_status = 'current' "
                 "AND a.area_type_code NOT IN ('65', '66')")
_MELDE_VERBAND = ("v.level = 'gemeindeverband' AND v.source_status = 'current' AND "
                  "(v.area_type = ANY(%(types)s) OR "
                  "left(v.key, 2) || ':' || v.area_type = ANY(%(land_types)s))")


# Municipalities dissolved on a recorded day (a dated succession) after the demo offers
# start (`starts`): their own authority was competent until that day, so a lookup for a past
# day (`at=`) finds it.
_PLACES = f"""
    place AS (
        SELECT a.key, a.name, a.ars, NULL::date AS ends FROM area a WHERE {_ADMINISTERED}
        UNION ALL
        SELECT a.key, a.name, a.ars, dissolved.ends FROM area a
        JOIN (SELECT predecessor_key, min(effective_on) AS ends FROM area_succession
              WHERE effective_on IS NOT NULL GROUP BY predecessor_key) dissolved
          ON dissolved.predecessor_key = a.key
        WHERE a.level = 'municipality' AND a.source_status = 'retired'
          AND dissolved.ends > %(starts)s
          AND coalesce(a.area_type_code, '') NOT IN ('65', '66')  -- retired keys have none
    )"""


def demo_organisations(conn, *, starts, verband_types, land_verband_types):
    """Bodies of the demo authorities not yet there: one per municipality (current, or
    dissolved on a recorded day), and one per Verband that keeps the population register for
    its members."""
    params = {"types": verband_types, "land_types": land_verband_types, "starts": starts}
    return conn.execute(f"""
        WITH {_PLACES}
        SELECT * FROM (
            SELECT 'gemeinde-' || p.key AS code, p.name, 'Gemeinde' AS kind,
                   p.key AS seat_ags
            FROM place p
            UNION ALL
            SELECT 'verband-' || v.key, v.area_type || ' ' || v.name, v.area_type, NULL
            FROM area v WHERE {_MELDE_VERBAND}
        ) wanted
        WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.code = wanted.code)
        ORDER BY code
    """, params).fetchall()


def demo_municipal_offers(conn, *, starts, endpoint_base, verband_types,
                          land_verband_types):
    """Bodies of the demo offers not yet there: Gewerbeanzeige from every municipality;
    Meldebescheinigung from the Verband where it keeps the register, else from the
    municipality. A dissolved municipality's offers end (`valid_to`) on the day of its
    succession."""
    params = {"types": verband_types, "land_types": land_verband_types,
              "base": endpoint_base, "starts": starts}
    return conn.execute(f"""
        WITH melde_verband AS (SELECT v.key FROM area v WHERE {_MELDE_VERBAND}),
        {_PLACES},
        wanted AS (
            SELECT 'demo-gewerbe-' || p.key AS code, 'gemeinde-' || p.key AS provider,
                   'gewerbeanzeige' AS evidence_type, p.key AS area_key, 'gewerbe' AS kind,
                   p.ends AS valid_to
            FROM place p
            UNION ALL
            SELECT 'demo-melde-' || v.key, 'verband-' || v.key, 'meldebescheinigung', v.key,
                   'melde', NULL
            FROM melde_verband v
            UNION ALL
            SELECT 'demo-melde-' || p.key, 'gemeinde-' || p.key, 'meldebescheinigung', p.key,
                   'melde', p.ends
            FROM place p WHERE left(p.ars, 9) NOT IN (SELECT key FROM melde_verband)
        )
        SELECT w.code, w.provider, w.evidence_type, w.area_key, w.valid_to,
               'urn:demo:' || w.kind || ':' || w.area_key AS service_id,
               %(base)s || '/' || w.kind || '/' || w.area_key AS endpoint_url
        FROM wanted w
        WHERE NOT EXISTS (SELECT 1 FROM offer o WHERE o.code = w.code)
        ORDER BY w.code
    """, params).fetchall()


# --- the national-scale generated catalogue (regmap seed --national) -------------------------

def generated_authorities(conn, land=None):
    """Bodies of the Kreis, Land and federal authorities the generated catalogue needs and
    that are not there yet (`land`: only those of one Land)."""
    return conn.execute("""
        SELECT * FROM (
            SELECT 'kreis-' || a.key AS code, a.name, 'Kreisverwaltung' AS kind
            FROM area a WHERE a.level = 'kreis' AND a.source_status = 'current'
              AND (%(land)s::text IS NULL OR left(a.key, 2) = %(land)s)
            UNION ALL
            SELECT 'land-' || a.key, a.name, 'Landesbehörde'
            FROM area a WHERE a.level = 'land' AND a.source_status = 'current'
              AND (%(land)s::text IS NULL OR a.key = %(land)s)
            UNION ALL
            SELECT 'bund-generiert', 'Bundesbehörde (generiert)', 'Bundesbehörde'
        ) wanted
        WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.code = wanted.code)
        ORDER BY code
    """, {"land": land}).fetchall()


_IN_LAND = "(%(land)s::text IS NULL OR left({}, 2) = %(land)s)"
_GENERATED_PLACES = {
    # Every municipality with an administration of its own.
    "gemeinde": f"SELECT 'gemeinde-' || a.key AS provider, a.key AS area_key FROM area a "
                f"WHERE {_ADMINISTERED} AND {_IN_LAND.format('a.key')} ORDER BY a.key",
    # Where the demo's Meldebescheinigung is offered: the Verband keeping the register, else
    # the municipality.
    "melde": "SELECT p.code AS provider, oa.area_key FROM offer o "
             "JOIN organisation p ON p.id = o.provider_id "
             "JOIN offer_area oa ON oa.offer_id = o.id "
             "WHERE o.code LIKE 'demo-melde-%%' AND o.valid_to IS NULL "
             f"AND {_IN_LAND.format('oa.area_key')} "
             "ORDER BY oa.area_key",
    "kreis": "SELECT 'kreis-' || key AS provider, key AS area_key FROM area "
             f"WHERE level = 'kreis' AND source_status = 'current' AND "
             f"{_IN_LAND.format('key')} ORDER BY key",
    "land": "SELECT 'land-' || key AS provider, key AS area_key FROM area "
            f"WHERE level = 'land' AND source_status = 'current' AND "
            f"{_IN_LAND.format('key')} ORDER BY key",
    "bund": "SELECT 'bund-generiert' AS provider, 'DE' AS area_key",
}


def generated_offer_places(conn, kind, land=None):
    """(provider, area key) of each offer of a generated evidence type of this kind."""
    return conn.execute(_GENERATED_PLACES[kind], {"land": land}).fetchall()


def evidence_types_with_offers(conn, codes):
    """Those of the evidence type `codes` that have at least one offer."""
    rows = conn.execute("""
        SELECT et.code FROM evidence_type et
        WHERE et.code = ANY(%(codes)s)
          AND EXISTS (SELECT 1 FROM offer o WHERE o.evidence_type_id = et.id)
    """, {"codes": list(codes)}).fetchall()
    return {r["code"] for r in rows}


