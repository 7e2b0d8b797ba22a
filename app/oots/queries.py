"""SQL for the OOTS queries. Every function takes the connection first."""
import json


def evidence_types_by_classification(conn, classification_uri):
    return conn.execute("""
        SELECT id, code, uri, title_de, title_en, description_de, description_en, formats,
               classification_concepts, oots_classification_uri
        FROM evidence_type
        WHERE oots_classification_uri = %(uri)s AND status = 'active'
        ORDER BY code
    """, {"uri": classification_uri}).fetchall()


def municipality(conn, ags, today):
    """A municipality current on `today`, with its ARS (for the Gemeindeverband above)."""
    return conn.execute("""
        SELECT key, ars FROM area
        WHERE key = %(ags)s AND level = 'municipality' AND source_status = 'current'
          AND (valid_from IS NULL OR valid_from <= %(today)s)
          AND (valid_to IS NULL OR valid_to > %(today)s)
    """, {"ags": ags, "today": today}).fetchone()


def area_by_nuts(conn, nuts):
    return conn.execute("SELECT key, level FROM area WHERE nuts = %(nuts)s",
                        {"nuts": nuts}).fetchone()


def jurisdiction_context_by_id(conn, oots_id):
    return conn.execute("""
        SELECT code, oots_id::text, label_en, label_de FROM jurisdiction_context
        WHERE oots_id::text = %(id)s
    """, {"id": oots_id}).fetchone()


def jurisdiction_contexts_by_code(conn, codes):
    rows = conn.execute("""
        SELECT code, oots_id::text, label_en, label_de FROM jurisdiction_context
        WHERE code = ANY(%(codes)s)
    """, {"codes": list(codes)}).fetchall()
    return {r["code"]: r for r in rows}


def published_offers(conn, evidence_type_id, *, today, illustrative, at_keys=None,
                     below_key=None):
    """The active production offers of an evidence type that OOTS can reach on `today`:
    with an access service and a provider that have eDelivery party ids. Per offer its area
    keys (with level and NUTS code): all of them, or those among `at_keys` or below
    `below_key` when a jurisdiction is asked for — read through the offer–area index on
    (evidence type, key), so a question about one place reads the offers of that place."""
    if at_keys is None and below_key is None:
        chosen = "SELECT offer_id, area_key FROM offer_area WHERE evidence_type_id = %(type)s"
    else:
        chosen = """
            SELECT offer_id, area_key FROM offer_area
            WHERE evidence_type_id = %(type)s AND area_key = ANY(%(at_keys)s::text[])
            UNION ALL
            SELECT offer_id, area_key FROM offer_area
            WHERE evidence_type_id = %(type)s AND %(below)s::text IS NOT NULL
              AND area_key > %(below)s AND area_key < %(below_end)s"""
    return conn.execute(f"""
        WITH chosen AS MATERIALIZED ({chosen})
        SELECT o.code, o.distributions, o.level_of_assurance, o.jurisdiction_context,
               o.classification, p.name AS provider_name, p.name_en AS provider_name_en,
               p.address AS provider_address, p.edelivery_party_id AS provider_party_id,
               (SELECT l.nuts FROM area l WHERE l.key = left(p.seat_ags, 2)) AS seat_nuts,
               s.edelivery_party_id AS access_party_id, s.name AS access_name,
               s.name_en AS access_name_en, s.edm_versions AS access_edm_versions,
               array_agg(a.key ORDER BY a.key) AS area_keys,
               array_agg(a.level ORDER BY a.key) AS area_levels,
               array_agg(a.nuts ORDER BY a.key) AS area_nuts
        FROM chosen c
        JOIN offer o ON o.id = c.offer_id
        JOIN organisation p ON p.id = o.provider_id
        JOIN organisation s ON s.id = o.access_service_id
        JOIN area a ON a.key = c.area_key
        WHERE o.status = 'active' AND o.environment = 'production'
          AND (%(illustrative)s OR NOT o.illustrative)
          AND (o.valid_from IS NULL OR o.valid_from <= %(today)s)
          AND (o.valid_to IS NULL OR o.valid_to > %(today)s)
          AND p.status = 'active' AND s.status = 'active'
          AND p.edelivery_party_id IS NOT NULL AND s.edelivery_party_id IS NOT NULL
        GROUP BY o.id, p.id, s.id
        ORDER BY o.code
    """, {"type": evidence_type_id, "today": today, "illustrative": illustrative,
          "at_keys": list(at_keys or ()), "below": below_key,
          # Keys are digits (or DE): the keys below `below` sort between it and the key
          # whose last digit is one higher.
          "below_end": below_key[:-1] + chr(ord(below_key[-1]) + 1) if below_key else None,
          }).fetchall()


_REQUIREMENT_COLUMNS = """
    r.id, r.identifier, r.name_en, r.name_de, r.description_en, r.description_de,
    r.reference_frameworks, r.evidence_type_lists,
    EXISTS (SELECT 1 FROM eu_requirement_evidence_type e
            JOIN evidence_type et ON et.id = e.evidence_type_id
            WHERE e.requirement_id = r.id AND et.status = 'active'
              AND et.oots_classification_uri IS NOT NULL) AS has_evidence_types"""


def eu_requirements(conn, *, procedure, illustrative):
    """The active requirements (of `procedure`; None: all), each with whether a German
    evidence type the EU can name satisfies it."""
    return conn.execute(f"""
        SELECT {_REQUIREMENT_COLUMNS}
        FROM eu_requirement r
        WHERE r.status = 'active' AND (%(illustrative)s OR NOT r.illustrative)
          AND (%(procedure)s::jsonb IS NULL OR r.reference_frameworks @> %(procedure)s::jsonb)
        ORDER BY r.identifier
    """, {"procedure": json.dumps([{"procedure": procedure}]) if procedure else None,
          "illustrative": illustrative}).fetchall()


def eu_requirement_by_identifier(conn, identifier, illustrative):
    return conn.execute(f"""
        SELECT {_REQUIREMENT_COLUMNS}
        FROM eu_requirement r
        WHERE r.identifier = %(identifier)s AND r.status = 'active'
          AND (%(illustrative)s OR NOT r.illustrative)
    """, {"identifier": identifier, "illustrative": illustrative}).fetchone()


def evidence_types_of_lists(conn, requirement_id, list_count):
    """Per list position of the requirement (`list_count` lists): its active evidence types,
    in order."""
    rows = conn.execute("""
        SELECT e.list_position, et.oots_classification_uri, et.title_en, et.title_de,
               et.description_en, et.description_de
        FROM eu_requirement_evidence_type e JOIN evidence_type et ON et.id = e.evidence_type_id
        WHERE e.requirement_id = %(id)s AND et.status = 'active'
        ORDER BY e.list_position, e.position
    """, {"id": requirement_id}).fetchall()
    lists = [[] for _ in range(list_count)]
    for r in rows:
        lists[r["list_position"]].append(r)
    return lists


def nuts_of(conn, keys):
    return {r["key"]: r["nuts"] for r in conn.execute(
        "SELECT key, nuts FROM area WHERE key = ANY(%(keys)s)", {"keys": list(keys)})}


def any_oots_evidence_type(conn, codes):
    """Whether one of these evidence types has (or is among types with) an OOTS
    classification."""
    return conn.execute("""
        SELECT EXISTS (SELECT 1 FROM evidence_type WHERE code = ANY(%(codes)s)
                       AND oots_classification_uri IS NOT NULL) AS found
    """, {"codes": [c for c in codes if c]}).fetchone()["found"]


def organisation_in_oots(conn, code):
    """Whether an organisation provides or gives access to an offer of an evidence type with
    an OOTS classification (its name, address or party id appear in DSD answers)."""
    return conn.execute("""
        WITH g AS (SELECT id FROM organisation WHERE code = %(code)s)
        SELECT EXISTS (
            SELECT 1 FROM offer o JOIN evidence_type t ON t.id = o.evidence_type_id
            WHERE o.provider_id = (SELECT id FROM g) AND t.oots_classification_uri IS NOT NULL
            UNION ALL
            SELECT 1 FROM offer o JOIN evidence_type t ON t.id = o.evidence_type_id
            WHERE o.access_service_id = (SELECT id FROM g)
              AND t.oots_classification_uri IS NOT NULL) AS found
    """, {"code": code}).fetchone()["found"]
