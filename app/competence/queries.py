"""SQL that fills the in-process competence index (see index.py)."""
import time

from psycopg import sql
from psycopg.rows import tuple_row


def areas_signature(conn):
    """Changes whenever reference areas, postcodes (shipped or curated) or successions
    change."""
    return conn.execute("""
        SELECT (SELECT max(updated_at) FROM area) AS areas,
               (SELECT count(*) FROM area) AS area_count,
               (SELECT max(updated_at) FROM postcode_area) AS postcodes,
               (SELECT count(*) || ':' || COALESCE(sum(version), 0)
                FROM postcode_curation WHERE status = 'active') AS curated_postcodes,
               (SELECT count(*) FROM area_succession) AS successions
    """).fetchone()


def areas(conn):
    return conn.execute("""
        SELECT key, level, ars, name, name_folded, source_status, valid_from, valid_to,
               last_seen, retired_by, retirement_reason
        FROM area
    """).fetchall()


def area_data_starts(conn):
    """The earliest edition the reference areas describe (None: no areas loaded)."""
    return conn.execute("SELECT min(edition) AS e FROM area_edition").fetchone()["e"]


def successions(conn):
    return conn.execute(
        "SELECT predecessor_key, successor_key, effective_on FROM area_succession "
        "ORDER BY predecessor_key, successor_key").fetchall()


def former_ars(conn):
    return conn.execute("SELECT ars, ags FROM former_ars").fetchall()


def evidence_types(conn, codes=None):
    return conn.execute("SELECT id, code, status FROM evidence_type "
                        "WHERE %(codes)s::text[] IS NULL OR code = ANY(%(codes)s)",
                        {"codes": codes}).fetchall()


def services_with_leika(conn, codes=None):
    """Services with a Leistungsschlüssel (the LeiKa key integrators route by) and the
    evidence types their requirements name, every alternative included: a `leika` lookup
    resolves through them. `codes`: only these services (a change applied)."""
    return conn.execute("""
        SELECT s.code, s.leistungsschluessel AS leika, s.status,
               COALESCE(array_agg(DISTINCT et.code::text ORDER BY et.code::text)
                        FILTER (WHERE et.code IS NOT NULL), '{}') AS evidence_types
        FROM service s
        LEFT JOIN service_requirement r ON r.service_id = s.id
        LEFT JOIN requirement_evidence_list l ON l.requirement_id = r.id
        LEFT JOIN requirement_evidence_item i ON i.list_id = l.id
        LEFT JOIN evidence_type et ON et.id = i.evidence_type_id
        WHERE s.leistungsschluessel IS NOT NULL
          AND (%(codes)s::text[] IS NULL OR s.code = ANY(%(codes)s))
        GROUP BY s.id
    """, {"codes": codes}).fetchall()


# The columns of active_offers() rows, in order.
OFFER_COLUMNS = ("evidence_type_id", "code", "service_id", "endpoint_url",
                 "connection_parameters", "valid_from", "valid_to", "provider",
                 "provider_name", "provider_status", "area_key", "illustrative",
                 "environment", "jurisdiction_context", "classification")


def active_offers(conn, *, type_ids=None, codes=None):
    """Active offers of these evidence types, or of these codes: one row per area key, as
    tuples in OFFER_COLUMNS order (connection_parameters as JSON text), streamed — a
    national catalogue has half a million of them."""
    with conn.cursor(row_factory=tuple_row) as cur:
        yield from cur.stream("""
            SELECT o.evidence_type_id, o.code, o.service_id, o.endpoint_url,
                   o.connection_parameters::text, o.valid_from, o.valid_to, p.code,
                   p.name, p.status, oa.area_key, o.illustrative, o.environment,
                   o.jurisdiction_context, o.classification::text
            FROM offer o JOIN organisation p ON p.id = o.provider_id
            JOIN offer_area oa ON oa.offer_id = o.id
            WHERE o.status = 'active'
              AND (%(types)s::bigint[] IS NULL OR o.evidence_type_id = ANY(%(types)s))
              AND (%(codes)s::text[] IS NULL OR o.code = ANY(%(codes)s))
            ORDER BY o.code, oa.area_key
        """, {"types": type_ids, "codes": codes})


def active_offer_codes_of(conn, provider):
    """The codes of a provider's active offers."""
    return [r["code"] for r in conn.execute("""
        SELECT o.code FROM offer o JOIN organisation p ON p.id = o.provider_id
        WHERE p.code = %(provider)s AND o.status = 'active'
    """, {"provider": provider}).fetchall()]


_OFFER_FINDING = """
    SELECT o.code AS offer, p.code AS provider, p.status AS provider_status,
           o.valid_from, o.valid_to,
           (SELECT array_agg(oa.area_key ORDER BY oa.area_key) FROM offer_area oa
            WHERE oa.offer_id = o.id) AS areas
    FROM offer o JOIN organisation p ON p.id = o.provider_id
    WHERE o.evidence_type_id = %(et)s AND o.status = 'active'
      AND o.environment = %(environment)s"""


def expiring_offers(conn, evidence_type_id, day, until, environment):
    return conn.execute(f"{_OFFER_FINDING} AND o.valid_to > %(day)s AND o.valid_to <= %(until)s "
                        "ORDER BY o.valid_to, o.code",
                        {"et": evidence_type_id, "day": day, "until": until,
                         "environment": environment}).fetchall()


def offers_of_inactive_organisations(conn, evidence_type_id, environment):
    return conn.execute(f"{_OFFER_FINDING} AND p.status <> 'active' ORDER BY o.code",
                        {"et": evidence_type_id, "environment": environment}).fetchall()


def offers_on_retired_areas(conn, evidence_type_id, day, environment):
    return conn.execute("""
        SELECT o.code AS offer, p.code AS provider, a.key AS area_key, a.name AS area_name
        FROM offer o JOIN organisation p ON p.id = o.provider_id
        JOIN offer_area oa ON oa.offer_id = o.id JOIN area a ON a.key = oa.area_key
        WHERE o.evidence_type_id = %(et)s AND o.status = 'active'
          AND o.environment = %(environment)s
          AND (a.source_status = 'retired' OR a.valid_to <= %(day)s)
        ORDER BY o.code, a.key
    """, {"et": evidence_type_id, "day": day, "environment": environment}).fetchall()


# --- the check log (check_log.py) ------------------------------------------------------------

# How many check-log rows a flush formats before it lets request threads run.
COPY_ROWS_PER_YIELD = 50
CHECK_LOG_COLUMNS = ("checked_at", "token", "asked_by", "request_id", "environment",
                     "consumer", "service", "evidence_type", "provider", "at", "allowed",
                     "permission", "reason")
# Filters of the log: query argument -> column (equality).
CHECK_LOG_FILTERS = ("token", "environment", "consumer", "service", "evidence_type",
                     "provider", "permission", "allowed")


def insert_permission_checks(conn, entries):
    """Append buffered entries (dicts with CHECK_LOG_COLUMNS) in one COPY."""
    with conn.cursor() as cur, cur.copy(
            f"COPY permission_check ({', '.join(CHECK_LOG_COLUMNS)}) FROM STDIN") as copy:
        for n, entry in enumerate(entries, 1):
            copy.write_row([entry[c] for c in CHECK_LOG_COLUMNS])
            if n % COPY_ROWS_PER_YIELD == 0:
                # Rows are formatted holding the GIL (3 µs each): a flush of thousands would
                # hold up the worker's answers for a switch interval (5 ms) at a time.
                time.sleep(0)


def list_permission_checks(conn, filters, *, checked_from=None, until=None,
                           newest_first=True, limit, offset):
    return _matching(conn, filters, checked_from, until, newest_first, limit, None, offset,
                     count=True)


def _matching(conn, filters, checked_from, until, newest_first, limit, after_id, offset=0,
              count=False):
    where = ["true"] + [f"{name} = %({name})s" for name in CHECK_LOG_FILTERS
                        if filters.get(name) is not None]
    if checked_from:
        where.append("checked_at >= %(checked_from)s")
    if until:
        where.append("checked_at < %(until)s")
    if after_id is not None:
        where.append("id < %(after_id)s" if newest_first else "id > %(after_id)s")
    where = " AND ".join(where)
    params = {**{name: filters.get(name) for name in CHECK_LOG_FILTERS},
              "checked_from": checked_from, "until": until, "after_id": after_id,
              "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM permission_check WHERE {where}",
                         params).fetchone()["n"] if count else None
    order = "id DESC" if newest_first else "id"
    rows = conn.execute(f"""
        SELECT id, {', '.join(CHECK_LOG_COLUMNS)} FROM permission_check WHERE {where}
        ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s""", params).fetchall()
    return rows, total


def permission_checks_in_batches(conn, filters, *, checked_from=None, until=None,
                                 newest_first=True, batch=5_000):
    """Every matching entry, a batch at a time (keyset: no page is read twice)."""
    last = None
    while True:
        rows, _ = _matching(conn, filters, checked_from, until, newest_first, batch, last)
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


def prune_permission_checks(conn, before):
    """Delete entries checked before `before`: the only delete the log's trigger lets
    through, and only for this statement (the setting is local to the transaction, and
    switched off again at once)."""
    conn.execute("SELECT set_config('regmap.pruning_checks', 'on', true)")
    deleted = conn.execute("DELETE FROM permission_check WHERE checked_at < %(before)s",
                           {"before": before}).rowcount
    conn.execute("SELECT set_config('regmap.pruning_checks', 'off', true)")
    return deleted


# --- the permission index (permission_index.py) --------------------------------------------

_ACTIVE_PERMISSIONS = """
    SELECT t.code, c.code AS consumer, s.code AS service, et.code AS evidence_type,
           p.code AS provider, t.environment, t.valid_from, t.valid_to, t.legal_basis,
           t.may_use_identification_number
    FROM permission t
    JOIN organisation c ON c.id = t.consumer_id
    JOIN service s ON s.id = t.service_id
    JOIN evidence_type et ON et.id = t.evidence_type_id
    LEFT JOIN organisation p ON p.id = t.provider_id
    WHERE t.status = 'active'"""


def active_permissions(conn, codes=None):
    """Active permissions (of every environment), with the codes of what they name; only
    these codes when given."""
    if codes is None:
        return conn.execute(_ACTIVE_PERMISSIONS).fetchall()
    return conn.execute(f"{_ACTIVE_PERMISSIONS} AND t.code = ANY(%(codes)s)",
                        {"codes": list(codes)}).fetchall()


# The objects a permission check names, by the feed's collection names.
_STATUS_TABLES = {"organisations": "organisation", "services": "service",
                  "evidence-types": "evidence_type"}


def object_statuses(conn, collection, codes=None):
    """{code: status} of one collection (organisations, services, evidence-types); only
    these codes when given (a code missing from the answer no longer exists)."""
    table = sql.Identifier(_STATUS_TABLES[collection])
    if codes is None:
        rows = conn.execute(sql.SQL("SELECT code, status FROM {}").format(table)).fetchall()
    else:
        rows = conn.execute(sql.SQL("SELECT code, status FROM {} WHERE code = ANY(%(codes)s)"
                                    ).format(table), {"codes": list(codes)}).fetchall()
    return {r["code"]: r["status"] for r in rows}
