"""SQL that reads the catalogue objects the index projects (all of them, or some by code)."""

_CODES = " AND t.code = ANY(%(codes)s)"


def _rows(conn, sql, codes):
    where = _CODES if codes is not None else ""
    return conn.execute(sql.format(where=where), {"codes": list(codes or [])}).fetchall()


def organisations(conn, codes=None):
    return _rows(conn, """
        SELECT t.id, t.code, t.name, t.abbreviation, t.kind, t.dvdv_key, t.status,
               t.seat_ags, a.name AS seat_name, t.edm_versions
        FROM organisation t LEFT JOIN area a ON a.key = t.seat_ags WHERE true{where}
    """, codes)


def registers(conn, codes=None):
    return _rows(conn, """
        SELECT t.id, t.code, t.idnrg_number, t.name, t.description, t.legal_basis,
               t.keeping_authority_type, t.status
        FROM register t WHERE true{where}
    """, codes)


def evidence_types(conn, codes=None):
    return _rows(conn, """
        SELECT t.id, t.code, t.uri, t.title_de, t.title_en, t.description_de,
               t.description_en, t.status, t.oots_classification_uri,
               (SELECT string_agg(concat_ws(' ', c->'description'->>'de',
                                            c->'description'->>'en'), ' ')
                FROM jsonb_array_elements(t.classification_concepts) c) AS concept_texts,
               (SELECT string_agg(r.name, ' ') FROM evidence_type_register er
                JOIN register r ON r.id = er.register_id
                WHERE er.evidence_type_id = t.id) AS register_names
        FROM evidence_type t WHERE true{where}
    """, codes)


def services(conn, codes=None):
    return _rows(conn, """
        SELECT t.id, t.code, t.leistungsschluessel, t.name_de, t.name_en, t.description,
               t.status,
               (SELECT string_agg(sr.name, ' ') FROM service_requirement sr
                WHERE sr.service_id = t.id) AS requirement_names
        FROM service t WHERE true{where}
    """, codes)


def offers(conn, codes=None):
    return _rows(conn, """
        SELECT t.id, t.code, t.status, t.provider_id, p.name AS provider_name,
               p.code AS provider, et.code AS evidence_type, et.title_de AS evidence_title,
               array_agg(oa.area_key ORDER BY oa.area_key) AS areas,
               string_agg(a.name, ' ' ORDER BY oa.area_key) AS area_names,
               t.level_of_assurance,
               ARRAY(SELECT d->>'format' FROM jsonb_array_elements(t.distributions) d)
                   AS formats
        FROM offer t JOIN organisation p ON p.id = t.provider_id
        JOIN evidence_type et ON et.id = t.evidence_type_id
        JOIN offer_area oa ON oa.offer_id = t.id JOIN area a ON a.key = oa.area_key
        WHERE true{where}
        GROUP BY t.id, p.id, et.id
    """, codes)


def changed_objects(conn, since, limit=5000):
    """(position, collection, code) of changes after `since`, in commit order."""
    return conn.execute("""
        SELECT c.position, a.collection, a.object_code FROM change_feed c
        JOIN audit_log a ON a.id = c.audit_id
        WHERE c.position > %(since)s ORDER BY c.position LIMIT %(limit)s
    """, {"since": since, "limit": limit}).fetchall()


def offer_codes_naming(conn, collection, codes):
    """Offers whose documents show the name of one of these organisations or evidence types."""
    column = {"organisations": "p.code", "evidence-types": "et.code"}[collection]
    return [r["code"] for r in conn.execute(
        "SELECT t.code FROM offer t JOIN organisation p ON p.id = t.provider_id "
        "JOIN evidence_type et ON et.id = t.evidence_type_id "
        f"WHERE {column} = ANY(%(c)s)", {"c": list(codes)}).fetchall()]
