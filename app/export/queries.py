"""SQL for the export: public catalogue objects only (no contacts, no connection
parameters, no illustrative entries unless asked for)."""


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


def organisations(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.code, t.name, t.kind, t.seat_ags, a.ars AS seat_ars
        FROM organisation t LEFT JOIN area a ON a.key = t.seat_ags
        WHERE t.status IN ('active', 'suspended'){_illustrative(include_illustrative)}
        ORDER BY t.code
    """).fetchall()


def evidence_types(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.code, t.uri, t.title_de, t.title_en, t.description_de, t.description_en,
               t.updated_at,
               COALESCE((SELECT array_agg(r.code::text ORDER BY r.code)
                         FROM evidence_type_register er JOIN register r
                         ON r.id = er.register_id WHERE er.evidence_type_id = t.id),
                        '{{}}') AS registers
        FROM evidence_type t WHERE t.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY t.code
    """).fetchall()


def services(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.id, t.code, t.leistungsschluessel, t.name_de, t.name_en, t.description,
               t.updated_at
        FROM service t WHERE t.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY t.code
    """).fetchall()


def service_consumers(conn, include_illustrative):
    """Consumer organisations with an active permission for a service (its competent
    authorities, as far as the catalogue knows them)."""
    return conn.execute(f"""
        SELECT DISTINCT s.code AS service, c.code, c.name, c.seat_ags, a.ars AS seat_ars
        FROM permission t JOIN service s ON s.id = t.service_id
        JOIN organisation c ON c.id = t.consumer_id LEFT JOIN area a ON a.key = c.seat_ags
        WHERE t.status = 'active' AND c.status = 'active'{_illustrative(include_illustrative)}
        ORDER BY s.code, c.code
    """).fetchall()


def offers(conn, include_illustrative):
    return conn.execute(f"""
        SELECT t.code, t.endpoint_url, t.updated_at, p.code AS provider,
               et.code AS evidence_type, et.title_de AS evidence_title,
               COALESCE((SELECT array_agg(r.code::text ORDER BY r.code)
                         FROM evidence_type_register er JOIN register r
                         ON r.id = er.register_id WHERE er.evidence_type_id = et.id),
                        '{{}}') AS registers,
               array_agg(oa.area_key ORDER BY oa.area_key) AS areas,
               array_agg(a.ars ORDER BY oa.area_key) AS area_ars,
               array_agg(a.level ORDER BY oa.area_key) AS area_levels
        FROM offer t JOIN organisation p ON p.id = t.provider_id
        JOIN evidence_type et ON et.id = t.evidence_type_id
        JOIN offer_area oa ON oa.offer_id = t.id JOIN area a ON a.key = oa.area_key
        WHERE t.status = 'active' AND p.status = 'active'{_illustrative(include_illustrative)}
        GROUP BY t.id, p.id, et.id ORDER BY t.code
    """).fetchall()


def catalogue_version(conn):
    """Changes with every catalogue write: the export's ETag."""
    row = conn.execute("SELECT position, (SELECT max(id) FROM audit_log) AS last_audit "
                       "FROM change_counter").fetchone()
    return row["position"], row["last_audit"]
