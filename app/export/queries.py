"""SQL for the export: public catalogue objects only (no contacts, no connection
parameters, no illustrative entries unless asked for); offers and permissions of one
environment, production unless asked for."""
from ..access.environments import PRODUCTION


def _illustrative(include):
    return "" if include else " AND NOT t.illustrative"


def registers(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.code, t.idnrg_number, t.name, t.description, t.legal_basis,
               t.keeping_authority_type, t.updated_at,
               COALESCE((SELECT array_agg(o.code::text ORDER BY o.code)
                         FROM register_organisation ro
                         JOIN organisation o ON o.id = ro.organisation_id
                         WHERE ro.register_id = t.id AND ro.relation = 'keeper'
                           AND o.status IN ('active', 'suspended')), '{{}}') AS keepers
        FROM register t WHERE t.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY t.idnrg_number NULLS LAST, t.code
    """).fetchall()


def organisations(conn, include_illustrative, codes=None):
    """Public organisations (only these codes, when given)."""
    only = " AND t.code = ANY(%(codes)s)" if codes is not None else ""
    return conn.execute(f"""
        SELECT t.code, t.name, t.kind, t.seat_ags, a.ars AS seat_ars
        FROM organisation t LEFT JOIN area a ON a.key = t.seat_ags
        WHERE t.status IN ('active', 'suspended'){_illustrative(include_illustrative)}{only}
        ORDER BY t.code
    """, {"codes": list(codes or [])}).fetchall()


def evidence_types(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.code, t.uri, t.title_de, t.title_en, t.description_de, t.description_en,
               t.oots_classification_uri, t.updated_at,
               COALESCE((SELECT array_agg(r.code::text ORDER BY r.code)
                         FROM evidence_type_register er JOIN register r
                         ON r.id = er.register_id WHERE er.evidence_type_id = t.id),
                        '{{}}') AS registers
        FROM evidence_type t WHERE t.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY t.code
    """).fetchall()


def eu_requirements(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.id, t.code, t.identifier, t.name_en, t.name_de, t.description_en,
               t.description_de, t.reference_frameworks, t.evidence_type_lists, t.updated_at
        FROM eu_requirement t WHERE t.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY t.code
    """).fetchall()


def services(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.id, t.code, t.leistungsschluessel, t.name_de, t.name_en, t.description,
               t.updated_at
        FROM service t WHERE t.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY t.code
    """).fetchall()


def service_consumers(conn, include_illustrative, environment=PRODUCTION):
    """Consumer organisations with an active permission for a service (its competent
    authorities, as far as the catalogue knows them)."""
    return conn.execute(f"""
        SELECT DISTINCT s.code AS service, c.code, c.name, c.seat_ags, a.ars AS seat_ars,
               a.name AS seat_name
        FROM permission t JOIN service s ON s.id = t.service_id
        JOIN organisation c ON c.id = t.consumer_id LEFT JOIN area a ON a.key = c.seat_ags
        WHERE t.status = 'active' AND t.environment = %(environment)s AND c.status = 'active'
              {_illustrative(include_illustrative)}
        ORDER BY s.code, c.code
    """, {"environment": environment}).fetchall()


def _published(include_illustrative):
    """One environment's published offers (the published_offer read model); without the
    demo, neither illustrative offers nor those whose registers are all illustrative."""
    return "t.environment = %(environment)s" + (
        "" if include_illustrative else " AND NOT t.illustrative AND t.real_register")


def offer_count(conn, include_illustrative, modified_since=None, environment=PRODUCTION):
    since = " AND t.updated_at >= %(since)s" if modified_since else ""
    return conn.execute(f"""
        SELECT count(*) AS n FROM published_offer t
        WHERE {_published(include_illustrative)}{since}
    """, {"since": modified_since, "environment": environment}).fetchone()["n"]


def offers(conn, include_illustrative, modified_since=None, limit=None, offset=0,
           after=None, only=None, environment=PRODUCTION):
    """Published offers (the published_offer read model), in code order; a window of them
    when `limit` is given (pages by offset, the whole export by `after`, the last code
    read)."""
    since = " AND t.updated_at >= %(since)s" if modified_since else ""
    if after is not None:
        since += " AND t.code > %(after)s"
    if only is not None:
        since += " AND t.code = %(only)s"
    return conn.execute(f"""
        SELECT t.code, t.endpoint_url, t.updated_at, p.code AS provider,
               et.code AS evidence_type, et.title_de AS evidence_title,
               COALESCE((SELECT array_agg(r.code::text ORDER BY r.code)
                         FROM evidence_type_register er JOIN register r
                         ON r.id = er.register_id WHERE er.evidence_type_id = et.id),
                        '{{}}') AS registers,
               array_agg(oa.area_key ORDER BY oa.area_key) AS areas,
               array_agg(a.ars ORDER BY oa.area_key) AS area_ars,
               array_agg(a.level ORDER BY oa.area_key) AS area_levels,
               array_agg(a.name ORDER BY oa.area_key) AS area_names,
               t.level_of_assurance, COALESCE(ap.edm_versions, '{{}}') AS edm_versions
        FROM (SELECT t.* FROM published_offer t
              WHERE {_published(include_illustrative)}{since}
              ORDER BY t.code LIMIT %(limit)s OFFSET %(offset)s) t
        JOIN organisation p ON p.id = t.provider_id
        JOIN evidence_type et ON et.id = t.evidence_type_id
        LEFT JOIN organisation ap ON ap.id = t.access_service_id
        JOIN offer_area oa ON oa.offer_id = t.id JOIN area a ON a.key = oa.area_key
        GROUP BY t.id, t.code, t.endpoint_url, t.updated_at, t.level_of_assurance, p.id,
                 et.id, ap.id
        ORDER BY t.code
    """, {"since": modified_since, "limit": limit, "offset": offset, "after": after,
          "only": only, "environment": environment}).fetchall()

