"""SQL of offers, their areas and overlaps, and the OOTS facts they carry."""
import json

from psycopg.types.json import Jsonb

from .common import STATUS, Listing

# --- offers -------------------------------------------------------------------------------

_OFFER_SELECT = """
    SELECT t.id, t.code, t.provider_id, p.code AS provider, p.name AS provider_name,
           p.status AS provider_status, t.evidence_type_id, et.code AS evidence_type,
           t.service_id, t.endpoint_url, t.connection_parameters, t.valid_from, t.valid_to,
           t.status, t.illustrative, t.environment, t.version, t.created_at, t.updated_at,
           t.distributions, t.level_of_assurance, t.jurisdiction_context, t.classification,
           t.access_service_id, s.code AS access_service,
           COALESCE((SELECT array_agg(oa.area_key ORDER BY oa.area_key) FROM offer_area oa
                     WHERE oa.offer_id = t.id), '{}'::text[]) AS areas
    FROM offer t JOIN organisation p ON p.id = t.provider_id
    JOIN evidence_type et ON et.id = t.evidence_type_id
    LEFT JOIN organisation s ON s.id = t.access_service_id"""


OFFERS = Listing("offer", _OFFER_SELECT, {
    "environment": "t.environment = %(environment)s",
    "provider_id": "t.provider_id = %(provider_id)s",
    "evidence_type_id": "t.evidence_type_id = %(evidence_type_id)s",
    "area_key": "EXISTS (SELECT 1 FROM offer_area oa WHERE oa.offer_id = t.id "
                "AND oa.area_key = %(area_key)s)",
    "status": STATUS}, owner_column="t.provider_id")
get_offer, list_offers = OFFERS.get, OFFERS.list


def lock_offers_of_evidence_type(conn, evidence_type_id):
    """Serialise overlap checks per evidence type (no exclusion constraint: btree_gist is
    not available on every server we run on)."""
    conn.execute("SELECT pg_advisory_xact_lock(1001, %(id)s::int)",
                 {"id": evidence_type_id})


def analyze_offers(conn):
    """Fresh planner statistics for offers written in this transaction: a bulk write can
    grow the tables many times over, and a plan made for the old size would check each new
    offer against all others one by one."""
    conn.execute("ANALYZE offer, offer_area")


def offer_overlaps(conn, offer_ids, statuses=("active",)):
    """The one overlap rule, set-based: for each offer of `offer_ids` in one of `statuses` (a
    proposal is checked as if it were active) and each of its area keys, one other active
    offer of the same environment and evidence type on that key whose validity overlaps
    (half-open periods; an open end overlaps everything after it), whose jurisdiction
    context is the same (or either has none) and whose classification values leave no
    request that both would answer (docs/api-conventions.md, "One overlap rule";
    `catalog/user_attributes.both_serve_one_request` is the same rule in Python, held to it
    by a test). Between two offers of `offer_ids` only the later one is named (it is the one
    that collides). One partner per offer and key keeps the check linear: ten thousand
    imported offers on one key are ten thousand lookups, not fifty million pairs."""
    return conn.execute("""
        SELECT n.id, n.code, na.area_key, t.id AS other_id, t.code AS other_code
        FROM offer n
        JOIN offer_area na ON na.offer_id = n.id
        CROSS JOIN LATERAL (
            SELECT t.id, t.code FROM offer_area oa
            JOIN offer t ON t.id = oa.offer_id
            WHERE oa.evidence_type_id = n.evidence_type_id AND oa.area_key = na.area_key
              AND oa.offer_id <> n.id AND t.status = 'active'
              AND t.environment = n.environment
              AND (t.id < n.id OR t.id NOT IN (SELECT unnest(%(ids)s::bigint[])))
              AND (t.valid_to IS NULL OR n.valid_from IS NULL OR t.valid_to > n.valid_from)
              AND (t.valid_from IS NULL OR n.valid_to IS NULL OR t.valid_from < n.valid_to)
              -- An illustrative offer never blocks a real one (it is displaced instead).
              AND NOT (t.illustrative AND NOT n.illustrative)
              -- No jurisdiction context applies to every context.
              AND (t.jurisdiction_context IS NULL OR n.jurisdiction_context IS NULL
                   OR t.jurisdiction_context = n.jurisdiction_context)
              -- Offers are told apart by a classification concept only where both name
              -- values of it and no value is shared; an offer without a concept's values
              -- serves all of them.
              AND NOT EXISTS (
                  SELECT 1 FROM jsonb_each(n.classification) nc
                  JOIN jsonb_each(t.classification) tc ON tc.key = nc.key
                  WHERE NOT EXISTS (
                      SELECT 1 FROM jsonb_array_elements_text(nc.value) nv
                      JOIN jsonb_array_elements_text(tc.value) tv ON tv = nv))
            LIMIT 1) t
        WHERE n.id = ANY(%(ids)s) AND n.status = ANY(%(statuses)s)
        ORDER BY n.id, na.area_key
    """, {"ids": list(offer_ids), "statuses": list(statuses)}).fetchall()


# The order of area levels by key length: 'DE', Land, Regierungsbezirk, Kreis,
# Gemeindeverband (9), municipality (8).
_LEVEL_RANK = """CASE length({0}) WHEN 2 THEN CASE WHEN {0} = 'DE' THEN 0 ELSE 1 END
    WHEN 3 THEN 2 WHEN 5 THEN 3 WHEN 9 THEN 4 WHEN 8 THEN 5 END"""


def illustrative_offers_displaced(conn, offer_ids):
    """The active illustrative offers that the active real offers among `offer_ids`
    displace: same environment and evidence type, an area key equal to or below one of the
    real offer's keys, overlapping validity. Per illustrative offer: the keys covered, the
    earliest start of the real offers covering them, and their codes."""
    return conn.execute(f"""
        SELECT i.code, array_agg(DISTINCT ia.area_key::text) AS covered,
               CASE WHEN bool_or(n.valid_from IS NULL) THEN NULL
                    ELSE min(n.valid_from) END AS real_from,
               array_agg(DISTINCT n.code::text) AS real_codes
        FROM offer n
        JOIN offer_area na ON na.offer_id = n.id
        JOIN offer i ON i.evidence_type_id = n.evidence_type_id AND i.id <> n.id
                    AND i.environment = n.environment
                    AND i.illustrative AND i.status = 'active'
        JOIN offer_area ia ON ia.offer_id = i.id
        JOIN area a ON a.key = ia.area_key
        WHERE n.id = ANY(%(ids)s) AND n.status = 'active' AND NOT n.illustrative
          AND (i.valid_to IS NULL OR n.valid_from IS NULL OR i.valid_to > n.valid_from)
          AND (i.valid_from IS NULL OR n.valid_to IS NULL OR i.valid_from < n.valid_to)
          AND (na.area_key = 'DE' OR ia.area_key = na.area_key
               OR ({_LEVEL_RANK.format("ia.area_key")} > {_LEVEL_RANK.format("na.area_key")}
                   AND (ia.area_key LIKE na.area_key || '%%'
                        OR a.ars LIKE na.area_key || '%%')))
        GROUP BY i.code ORDER BY i.code
    """, {"ids": list(offer_ids)}).fetchall()


def insert_offer(conn, v):
    return conn.execute("""
        INSERT INTO offer (code, provider_id, evidence_type_id, service_id, endpoint_url,
                           connection_parameters, valid_from, valid_to, status, illustrative,
                           environment, distributions, level_of_assurance,
                           jurisdiction_context, classification, access_service_id)
        VALUES (%(code)s, %(provider_id)s, %(evidence_type_id)s, %(service_id)s,
                %(endpoint_url)s, %(connection_parameters)s, %(valid_from)s, %(valid_to)s,
                %(status)s, %(illustrative)s, %(environment)s, %(distributions)s,
                %(level_of_assurance)s, %(jurisdiction_context)s, %(classification)s,
                %(access_service_id)s)
        RETURNING id
    """, _offer_params(v)).fetchone()["id"]


_OOTS_DEFAULTS = {"distributions": [], "level_of_assurance": None,
                  "jurisdiction_context": None, "classification": {},
                  "access_service_id": None}


def _offer_params(v):
    v = {**_OOTS_DEFAULTS, **v}
    return {**v, "connection_parameters": Jsonb(v["connection_parameters"]),
            "distributions": Jsonb(v["distributions"]),
            "classification": Jsonb(v["classification"])}


def update_offer(conn, offer_id, v):
    conn.execute("""
        UPDATE offer SET provider_id = %(provider_id)s, evidence_type_id = %(evidence_type_id)s,
               service_id = %(service_id)s, endpoint_url = %(endpoint_url)s,
               connection_parameters = %(connection_parameters)s, valid_from = %(valid_from)s,
               valid_to = %(valid_to)s, status = %(status)s, environment = %(environment)s,
               distributions = %(distributions)s, level_of_assurance = %(level_of_assurance)s,
               jurisdiction_context = %(jurisdiction_context)s,
               classification = %(classification)s,
               access_service_id = %(access_service_id)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_offer_params(v), "id": offer_id})


def insert_offers(conn, values_list):
    """Many offers with COPY (bulk writes: hundreds of thousands of rows); returns
    {code: id}."""
    with conn.cursor() as cur:
        with cur.copy("COPY offer (code, provider_id, evidence_type_id, service_id, "
                      "endpoint_url, connection_parameters, valid_from, valid_to, status, "
                      "illustrative, environment, distributions, level_of_assurance, "
                      "jurisdiction_context, classification, access_service_id) "
                      "FROM STDIN") as copy:
            for v in values_list:
                v = {**_OOTS_DEFAULTS, **v}
                copy.write_row((v["code"], v["provider_id"], v["evidence_type_id"],
                                v["service_id"], v["endpoint_url"],
                                json.dumps(v["connection_parameters"]), v["valid_from"],
                                v["valid_to"], v["status"], v["illustrative"],
                                v["environment"], json.dumps(v["distributions"]),
                                v["level_of_assurance"], v["jurisdiction_context"],
                                json.dumps(v["classification"]), v["access_service_id"]))
        cur.execute("CREATE TEMPORARY TABLE offer_area_stage (code text, area_key text) "
                    "ON COMMIT DROP")
        with cur.copy("COPY offer_area_stage (code, area_key) FROM STDIN") as copy:
            for v in values_list:
                for key in v["areas"]:
                    copy.write_row((v["code"], key))
        # One join of the stage with the new offers, used twice.
        rows = cur.execute("""
            WITH joined AS MATERIALIZED (
                SELECT o.id, o.code, o.evidence_type_id, s.area_key
                FROM offer_area_stage s JOIN offer o ON o.code = s.code),
            inserted AS (
                INSERT INTO offer_area (offer_id, evidence_type_id, area_key)
                SELECT id, evidence_type_id, area_key FROM joined)
            SELECT DISTINCT code, id FROM joined
        """).fetchall()
        cur.execute("DROP TABLE offer_area_stage")
    return {r["code"]: r["id"] for r in rows}


def replace_offer_areas(conn, offer_id, evidence_type_id, area_keys):
    conn.execute("DELETE FROM offer_area WHERE offer_id = %(id)s", {"id": offer_id})
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO offer_area (offer_id, evidence_type_id, area_key) "
                        "VALUES (%s, %s, %s)",
                        [(offer_id, evidence_type_id, key) for key in area_keys])


def offers_by_codes(conn, codes):
    return conn.execute(f"{_OFFER_SELECT} WHERE t.code = ANY(%(codes)s) ORDER BY t.code",
                        {"codes": list(codes)}).fetchall()


def offers_on_area_keys(conn, keys, statuses=("active", "pending")):
    """Offers (in these states) with an area among `keys`: one row per offer and key."""
    return conn.execute("""
        SELECT t.code AS offer, t.status, p.code AS provider, et.code AS evidence_type,
               oa.area_key, t.illustrative
        FROM offer_area oa JOIN offer t ON t.id = oa.offer_id
        JOIN organisation p ON p.id = t.provider_id
        JOIN evidence_type et ON et.id = t.evidence_type_id
        WHERE oa.area_key = ANY(%(keys)s) AND t.status = ANY(%(statuses)s)
        ORDER BY oa.area_key, t.code
    """, {"keys": list(keys), "statuses": list(statuses)}).fetchall()


# --- OOTS: jurisdiction contexts, classification concepts, access services ------------------

def jurisdiction_contexts(conn):
    return conn.execute("SELECT code, oots_id, label_en, label_de, source "
                        "FROM jurisdiction_context ORDER BY code").fetchall()


def merge_jurisdiction_contexts(conn, rows):
    """The shipped code list: insert new codes, update changed ones; returns how many rows
    changed. Codes offers name are never deleted (the foreign key keeps them)."""
    changed = 0
    for r in rows:
        changed += conn.execute("""
            INSERT INTO jurisdiction_context (code, oots_id, label_en, label_de, source)
            VALUES (%(code)s, %(oots_id)s, %(label_en)s, %(label_de)s, %(source)s)
            ON CONFLICT (code) DO UPDATE SET oots_id = EXCLUDED.oots_id,
                label_en = EXCLUDED.label_en, label_de = EXCLUDED.label_de,
                source = EXCLUDED.source
            WHERE (jurisdiction_context.oots_id, jurisdiction_context.label_en,
                   jurisdiction_context.label_de, jurisdiction_context.source)
                  IS DISTINCT FROM (EXCLUDED.oots_id, EXCLUDED.label_en, EXCLUDED.label_de,
                                    EXCLUDED.source)
        """, r).rowcount
    return changed


def classification_concepts_of(conn, evidence_type_id):
    row = conn.execute("SELECT classification_concepts FROM evidence_type WHERE id = %(id)s",
                       {"id": evidence_type_id}).fetchone()
    return row["classification_concepts"] if row else []


def edelivery_party_id_of(conn, organisation_id):
    row = conn.execute("SELECT edelivery_party_id FROM organisation WHERE id = %(id)s",
                       {"id": organisation_id}).fetchone()
    return row["edelivery_party_id"] if row else None


