"""SQL for the catalogue. Functions take the connection first and return dict rows.

Collection and column names that vary are allow-listed here, never taken from input.
"""
import json

from psycopg import sql
from psycopg.types.json import Jsonb

from ..db.pool import contains_pattern

# Tables whose rows are referenced by code from request bodies.
_CODED_TABLES = {"organisation", "register", "evidence_type", "service", "offer",
                 "permission", "app_user", "onboarding", "deadline", "eu_requirement"}
# The collections' tables whose rows have a status (set_status, illustrative_codes).
_STATUS_TABLES = _CODED_TABLES - {"app_user"}


def _contains(text):
    """A LIKE pattern for 'contains text', case-folded like the columns it is used on."""
    return contains_pattern(text.lower())


def ids_by_code(conn, table, codes):
    """{code: id} for those of `codes` that exist."""
    assert table in _CODED_TABLES
    rows = conn.execute(
        sql.SQL("SELECT code, id FROM {} WHERE code = ANY(%(codes)s)").format(
            sql.Identifier(table)), {"codes": list(codes)}).fetchall()
    return {row["code"]: row["id"] for row in rows}


def status_by_code(conn, table, codes):
    assert table in _CODED_TABLES
    rows = conn.execute(
        sql.SQL("SELECT code, id, status FROM {} WHERE code = ANY(%(codes)s)").format(
            sql.Identifier(table)), {"codes": list(codes)}).fetchall()
    return {row["code"]: row for row in rows}


def existing_area_keys(conn, keys):
    rows = conn.execute("SELECT key FROM area WHERE key = ANY(%(keys)s)",
                        {"keys": list(keys)}).fetchall()
    return {row["key"] for row in rows}


def code_exists(conn, table, code):
    assert table in _CODED_TABLES
    return conn.execute(sql.SQL("SELECT 1 FROM {} WHERE code = %(code)s").format(
        sql.Identifier(table)), {"code": code}).fetchone() is not None


def existing_codes(conn, table, codes):
    """Those of `codes` that exist in `table` (bulk writes)."""
    return set(ids_by_code(conn, table, codes))


def _page(conn, select, count, where, params, order="t.code"):
    where = " AND ".join(where) or "true"
    total = conn.execute(f"{count} WHERE {where}", params).fetchone()["n"]
    rows = conn.execute(f"{select} WHERE {where} ORDER BY {order} "
                        "LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total


def _visibility(where, params, visible_statuses, owner_column, owner_id):
    """Restrict to publicly visible statuses, plus anything the caller's organisation owns."""
    if visible_statuses is None:
        return
    params["visible"] = list(visible_statuses)
    if owner_column and owner_id:
        params["owner"] = owner_id
        where.append(f"(t.status = ANY(%(visible)s) OR {owner_column} = %(owner)s)")
    else:
        where.append("t.status = ANY(%(visible)s)")


# --- organisations ------------------------------------------------------------------------

_ORGANISATION_SELECT = """
    SELECT t.id, t.code, t.name, t.abbreviation, t.kind, t.seat_ags, a.name AS seat_name,
           t.contact, t.dvdv_key, t.name_en, t.address, t.edelivery_party_id, t.status,
           t.illustrative, t.version, t.created_at, t.updated_at
    FROM organisation t LEFT JOIN area a ON a.key = t.seat_ags"""


def get_organisation(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_ORGANISATION_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_organisations(conn, *, name_like=None, kind=None, status=None, visible_statuses=None,
                       owner_id=None, limit, offset):
    where, params = [], {"limit": limit, "offset": offset}
    if name_like:
        where.append("(lower(t.name) LIKE %(name)s OR lower(t.abbreviation) LIKE %(name)s)")
        params["name"] = _contains(name_like)
    if kind:
        where.append("t.kind = %(kind)s")
        params["kind"] = kind
    if status:
        where.append("t.status = %(status)s")
        params["status"] = status
    _visibility(where, params, visible_statuses, "t.id", owner_id)
    return _page(conn, _ORGANISATION_SELECT, "SELECT count(*) AS n FROM organisation t",
                 where, params)


def insert_organisation(conn, v):
    return conn.execute("""
        INSERT INTO organisation (code, name, abbreviation, kind, seat_ags, contact, dvdv_key,
                                  name_en, address, edelivery_party_id, status, illustrative)
        VALUES (%(code)s, %(name)s, %(abbreviation)s, %(kind)s, %(seat_ags)s, %(contact)s,
                %(dvdv_key)s, %(name_en)s, %(address)s, %(edelivery_party_id)s, %(status)s,
                %(illustrative)s)
        RETURNING id
    """, _organisation_params(v)).fetchone()["id"]


def _organisation_params(v):
    return {"name_en": None, **v, **{k: Jsonb(v[k]) if v.get(k) else None
                                     for k in ("contact", "address", "edelivery_party_id")}}


def insert_organisations(conn, values_list):
    """Many organisations in one statement (bulk writes); returns {code: id}."""
    columns = ("code", "name", "abbreviation", "kind", "seat_ags", "dvdv_key", "status",
               "illustrative")
    params = {c: [v.get(c) for v in values_list] for c in columns + ("name_en",)}
    for column in ("contact", "address", "edelivery_party_id"):
        params[column] = [json.dumps(v[column]) if v.get(column) else None
                          for v in values_list]
    rows = conn.execute("""
        INSERT INTO organisation (code, name, abbreviation, kind, seat_ags, contact, dvdv_key,
                                  name_en, address, edelivery_party_id, status, illustrative)
        SELECT * FROM unnest(%(code)s::text[], %(name)s::text[], %(abbreviation)s::text[],
                             %(kind)s::text[], %(seat_ags)s::text[], %(contact)s::jsonb[],
                             %(dvdv_key)s::text[], %(name_en)s::text[], %(address)s::jsonb[],
                             %(edelivery_party_id)s::jsonb[], %(status)s::text[],
                             %(illustrative)s::boolean[])
        RETURNING id, code
    """, params).fetchall()
    return {r["code"]: r["id"] for r in rows}


def update_organisation(conn, org_id, v):
    conn.execute("""
        UPDATE organisation SET name = %(name)s, abbreviation = %(abbreviation)s,
               kind = %(kind)s, seat_ags = %(seat_ags)s, contact = %(contact)s,
               dvdv_key = %(dvdv_key)s, name_en = %(name_en)s, address = %(address)s,
               edelivery_party_id = %(edelivery_party_id)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_organisation_params(v), "id": org_id})


def set_status(conn, table, object_id, status, *, valid_to=None, valid_from=None):
    """Status change (+1 version); `valid_to`, where given, ends validity no later than it
    and no earlier than its start (an object retired before it starts is never valid);
    `valid_from`, where given, is the start of an object that has none (never after its
    end)."""
    assert table in _STATUS_TABLES
    if valid_from is not None:
        conn.execute(sql.SQL(
            "UPDATE {} SET valid_from = COALESCE(valid_from, "
            "LEAST(%(from)s, valid_to)) WHERE id = %(id)s").format(sql.Identifier(table)),
            {"from": valid_from, "id": object_id})
    if valid_to is None:
        conn.execute(sql.SQL("UPDATE {} SET status = %(s)s, version = version + 1, "
                             "updated_at = now() WHERE id = %(id)s").format(
            sql.Identifier(table)), {"s": status, "id": object_id})
    else:
        conn.execute(sql.SQL(
            "UPDATE {} SET status = %(s)s, valid_to = GREATEST(valid_from, "
            "LEAST(COALESCE(valid_to, %(to)s), %(to)s)), "
            "version = version + 1, updated_at = now() WHERE id = %(id)s").format(
            sql.Identifier(table)), {"s": status, "to": valid_to, "id": object_id})


def set_status_many(conn, table, object_ids, status, *, valid_to=None):
    """set_status for many rows at once (bulk retirement)."""
    assert table in _STATUS_TABLES
    end = "" if valid_to is None else \
        ", valid_to = GREATEST(valid_from, LEAST(COALESCE(valid_to, %(to)s), %(to)s))"
    conn.execute(sql.SQL("UPDATE {} SET status = %(s)s, version = version + 1, "
                         "updated_at = now()" + end + " WHERE id = ANY(%(ids)s)").format(
        sql.Identifier(table)), {"s": status, "to": valid_to, "ids": list(object_ids)})


def illustrative_codes(conn, table, statuses):
    """The codes of illustrative rows of `table` in one of `statuses`."""
    assert table in _STATUS_TABLES
    return [r["code"] for r in conn.execute(sql.SQL(
        "SELECT code FROM {} WHERE illustrative AND status = ANY(%(statuses)s) "
        "ORDER BY code").format(sql.Identifier(table)),
        {"statuses": list(statuses)}).fetchall()]


# --- registers ----------------------------------------------------------------------------

_REGISTER_SELECT = """
    SELECT t.id, t.code, t.idnrg_number, t.name, t.description, t.legal_basis,
           t.keeping_authority_type, t.data_categories, t.status, t.illustrative, t.version,
           t.created_at, t.updated_at,
           COALESCE((SELECT array_agg(o.code::text ORDER BY o.code) FROM register_organisation ro
                     JOIN organisation o ON o.id = ro.organisation_id
                     WHERE ro.register_id = t.id AND ro.relation = 'keeper'),
                    '{}'::text[]) AS keepers,
           COALESCE((SELECT array_agg(o.code::text ORDER BY o.code) FROM register_organisation ro
                     JOIN organisation o ON o.id = ro.organisation_id
                     WHERE ro.register_id = t.id AND ro.relation = 'federal_counterpart'),
                    '{}'::text[]) AS federal_counterparts
    FROM register t"""


def get_register(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_REGISTER_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_registers(conn, *, name_like=None, status=None, keeper_id=None,
                   visible_statuses=None, limit, offset):
    where, params = [], {"limit": limit, "offset": offset}
    if name_like:
        where.append("lower(t.name) LIKE %(name)s")
        params["name"] = _contains(name_like)
    if status:
        where.append("t.status = %(status)s")
        params["status"] = status
    if keeper_id:
        where.append("EXISTS (SELECT 1 FROM register_organisation ro WHERE ro.register_id = t.id"
                     " AND ro.organisation_id = %(keeper)s)")
        params["keeper"] = keeper_id
    _visibility(where, params, visible_statuses, None, None)
    return _page(conn, _REGISTER_SELECT, "SELECT count(*) AS n FROM register t", where, params,
                 order="t.idnrg_number NULLS LAST, t.code")


def insert_register(conn, v):
    return conn.execute("""
        INSERT INTO register (code, idnrg_number, name, description, legal_basis,
                              keeping_authority_type, data_categories, status, illustrative)
        VALUES (%(code)s, %(idnrg_number)s, %(name)s, %(description)s, %(legal_basis)s,
                %(keeping_authority_type)s, %(data_categories)s, %(status)s, %(illustrative)s)
        RETURNING id
    """, v).fetchone()["id"]


def update_register(conn, register_id, v):
    conn.execute("""
        UPDATE register SET idnrg_number = %(idnrg_number)s, name = %(name)s,
               description = %(description)s, legal_basis = %(legal_basis)s,
               keeping_authority_type = %(keeping_authority_type)s,
               data_categories = %(data_categories)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**v, "id": register_id})


def replace_register_organisations(conn, register_id, keeper_ids, counterpart_ids):
    conn.execute("DELETE FROM register_organisation WHERE register_id = %(id)s",
                 {"id": register_id})
    rows = [(register_id, org, "keeper") for org in keeper_ids] + \
           [(register_id, org, "federal_counterpart") for org in counterpart_ids]
    if rows:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO register_organisation (register_id, organisation_id, "
                            "relation) VALUES (%s, %s, %s)", rows)


# --- evidence types -----------------------------------------------------------------------

_EVIDENCE_TYPE_SELECT = """
    SELECT t.id, t.code, t.uri, t.title_de, t.title_en, t.description_de, t.description_en,
           t.formats, t.identity_attributes, t.oots_classification_uri,
           t.classification_concepts, t.status, t.illustrative, t.version, t.created_at,
           t.updated_at,
           COALESCE((SELECT array_agg(r.code::text ORDER BY r.code) FROM evidence_type_register er
                     JOIN register r ON r.id = er.register_id
                     WHERE er.evidence_type_id = t.id), '{}'::text[]) AS registers
    FROM evidence_type t"""


def get_evidence_type(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_EVIDENCE_TYPE_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_evidence_types(conn, *, register_id=None, status=None, visible_statuses=None, limit,
                        offset):
    where, params = [], {"limit": limit, "offset": offset}
    if register_id:
        where.append("EXISTS (SELECT 1 FROM evidence_type_register er "
                     "WHERE er.evidence_type_id = t.id AND er.register_id = %(register)s)")
        params["register"] = register_id
    if status:
        where.append("t.status = %(status)s")
        params["status"] = status
    _visibility(where, params, visible_statuses, None, None)
    return _page(conn, _EVIDENCE_TYPE_SELECT, "SELECT count(*) AS n FROM evidence_type t",
                 where, params)


def insert_evidence_type(conn, v):
    return conn.execute("""
        INSERT INTO evidence_type (code, uri, title_de, title_en, description_de,
                                   description_en, formats, identity_attributes,
                                   oots_classification_uri, classification_concepts, status,
                                   illustrative)
        VALUES (%(code)s, %(uri)s, %(title_de)s, %(title_en)s, %(description_de)s,
                %(description_en)s, %(formats)s, %(identity_attributes)s,
                %(oots_classification_uri)s, %(classification_concepts)s, %(status)s,
                %(illustrative)s)
        RETURNING id
    """, _evidence_type_params(v)).fetchone()["id"]


def _evidence_type_params(v):
    return {**v, "formats": Jsonb(v["formats"]),
            "classification_concepts": Jsonb(v.get("classification_concepts") or [])}


def update_evidence_type(conn, type_id, v):
    conn.execute("""
        UPDATE evidence_type SET title_de = %(title_de)s, title_en = %(title_en)s,
               description_de = %(description_de)s, description_en = %(description_en)s,
               formats = %(formats)s, identity_attributes = %(identity_attributes)s,
               oots_classification_uri = %(oots_classification_uri)s,
               classification_concepts = %(classification_concepts)s, status = %(status)s,
               illustrative = %(illustrative)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_evidence_type_params(v), "id": type_id})


def replace_evidence_type_registers(conn, type_id, register_ids):
    conn.execute("DELETE FROM evidence_type_register WHERE evidence_type_id = %(id)s",
                 {"id": type_id})
    if register_ids:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO evidence_type_register (evidence_type_id, register_id)"
                            " VALUES (%s, %s)", [(type_id, r) for r in register_ids])


# --- services (Leistungen) ----------------------------------------------------------------

_SERVICE_SELECT = """
    SELECT t.id, t.code, t.leistungsschluessel, t.name_de, t.name_en, t.description, t.status,
           t.illustrative, t.version, t.created_at, t.updated_at
    FROM service t"""


def get_service(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_SERVICE_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_services(conn, *, name_like=None, evidence_type_id=None, status=None,
                  visible_statuses=None, limit, offset):
    where, params = [], {"limit": limit, "offset": offset}
    if name_like:
        where.append("lower(t.name_de) LIKE %(name)s")
        params["name"] = _contains(name_like)
    if evidence_type_id:
        where.append("""EXISTS (SELECT 1 FROM service_requirement sr
                        JOIN requirement_evidence_list l ON l.requirement_id = sr.id
                        JOIN requirement_evidence_item i ON i.list_id = l.id
                        WHERE sr.service_id = t.id AND i.evidence_type_id = %(et)s)""")
        params["et"] = evidence_type_id
    if status:
        where.append("t.status = %(status)s")
        params["status"] = status
    _visibility(where, params, visible_statuses, None, None)
    return _page(conn, _SERVICE_SELECT, "SELECT count(*) AS n FROM service t", where, params)


def service_requirements(conn, service_ids):
    """{service_id: [requirement rows with 'lists': [[evidence type codes]]]}"""
    rows = conn.execute("""
        SELECT sr.service_id, sr.id, sr.code, sr.name, sr.description, sr.position,
               l.position AS list_position, array_agg(et.code::text ORDER BY i.position) AS types
        FROM service_requirement sr
        LEFT JOIN requirement_evidence_list l ON l.requirement_id = sr.id
        LEFT JOIN requirement_evidence_item i ON i.list_id = l.id
        LEFT JOIN evidence_type et ON et.id = i.evidence_type_id
        WHERE sr.service_id = ANY(%(ids)s)
        GROUP BY sr.service_id, sr.id, l.position
        ORDER BY sr.service_id, sr.position, l.position
    """, {"ids": list(service_ids)}).fetchall()
    result = {}
    for row in rows:
        requirements = result.setdefault(row["service_id"], [])
        if not requirements or requirements[-1]["id"] != row["id"]:
            requirements.append({"id": row["id"], "code": row["code"], "name": row["name"],
                                 "description": row["description"], "lists": []})
        if row["list_position"] is not None:
            requirements[-1]["lists"].append([t for t in row["types"] if t])
    return result


def insert_service(conn, v):
    return conn.execute("""
        INSERT INTO service (code, leistungsschluessel, name_de, name_en, description, status,
                             illustrative)
        VALUES (%(code)s, %(leistungsschluessel)s, %(name_de)s, %(name_en)s, %(description)s,
                %(status)s, %(illustrative)s)
        RETURNING id
    """, v).fetchone()["id"]


def update_service(conn, service_id, v):
    conn.execute("""
        UPDATE service SET leistungsschluessel = %(leistungsschluessel)s, name_de = %(name_de)s,
               name_en = %(name_en)s, description = %(description)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**v, "id": service_id})


def replace_service_requirements(conn, service_id, requirements):
    """requirements: [{code, name, description, lists: [[evidence_type_id, ...], ...]}]"""
    conn.execute("DELETE FROM service_requirement WHERE service_id = %(id)s", {"id": service_id})
    for position, requirement in enumerate(requirements):
        requirement_id = conn.execute("""
            INSERT INTO service_requirement (service_id, position, code, name, description)
            VALUES (%(s)s, %(p)s, %(code)s, %(name)s, %(description)s) RETURNING id
        """, {"s": service_id, "p": position, "code": requirement["code"],
              "name": requirement["name"], "description": requirement.get("description")}
        ).fetchone()["id"]
        for list_position, type_ids in enumerate(requirement["lists"]):
            list_id = conn.execute(
                "INSERT INTO requirement_evidence_list (requirement_id, position) "
                "VALUES (%(r)s, %(p)s) RETURNING id", {"r": requirement_id, "p": list_position}
            ).fetchone()["id"]
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO requirement_evidence_item (list_id, "
                                "evidence_type_id, position) VALUES (%s, %s, %s)",
                                [(list_id, t, i) for i, t in enumerate(type_ids)])


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


def get_offer(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_OFFER_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_offers(conn, *, provider_id=None, evidence_type_id=None, area_key=None, status=None,
                environment=None, visible_statuses=None, owner_id=None, limit, offset):
    where, params = [], {"limit": limit, "offset": offset}
    if environment:
        where.append("t.environment = %(environment)s")
        params["environment"] = environment
    if provider_id:
        where.append("t.provider_id = %(provider)s")
        params["provider"] = provider_id
    if evidence_type_id:
        where.append("t.evidence_type_id = %(et)s")
        params["et"] = evidence_type_id
    if area_key:
        where.append("EXISTS (SELECT 1 FROM offer_area oa WHERE oa.offer_id = t.id "
                     "AND oa.area_key = %(area)s)")
        params["area"] = area_key
    if status:
        where.append("t.status = %(status)s")
        params["status"] = status
    _visibility(where, params, visible_statuses, "t.provider_id", owner_id)
    return _page(conn, _OFFER_SELECT, "SELECT count(*) AS n FROM offer t", where, params)


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
    """The one overlap rule, set-based: for each offer of `offer_ids` in one of `statuses`
    (a proposal is checked as if it were active) and each of its area keys, one other active
    offer of the same environment and evidence type on that key whose validity overlaps
    (half-open periods; an open end overlaps everything after it), whose jurisdiction context
    is the same (or either has none) and whose classification values leave no request that
    both would answer (../shared/API.md, "Additions"; `catalog/user_attributes.py` is the
    same rule for one request). Between two offers of
    `offer_ids` only the later one is named (it is the one that collides). One partner per
    offer and key keeps the check linear: ten thousand imported offers on one key are ten
    thousand lookups, not fifty million pairs."""
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


# --- permissions --------------------------------------------------------------------------

_PERMISSION_SELECT = """
    SELECT t.id, t.code, t.consumer_id, c.code AS consumer, t.service_id AS service_pk,
           s.code AS service, t.evidence_type_id, et.code AS evidence_type, t.provider_id,
           p.code AS provider, t.legal_basis, t.may_use_identification_number, t.valid_from,
           t.valid_to, t.status, t.illustrative, t.environment, t.version, t.created_at,
           t.updated_at
    FROM permission t JOIN organisation c ON c.id = t.consumer_id
    JOIN service s ON s.id = t.service_id JOIN evidence_type et ON et.id = t.evidence_type_id
    LEFT JOIN organisation p ON p.id = t.provider_id"""


def get_permission(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_PERMISSION_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_permissions(conn, *, consumer_id=None, service_id=None, evidence_type_id=None,
                     status=None, environment=None, visible_statuses=None, owner_id=None,
                     limit, offset):
    where, params = [], {"limit": limit, "offset": offset}
    for column, key, value in (("t.consumer_id", "consumer", consumer_id),
                               ("t.service_id", "service", service_id),
                               ("t.evidence_type_id", "et", evidence_type_id),
                               ("t.status", "status", status),
                               ("t.environment", "environment", environment)):
        if value:
            where.append(f"{column} = %({key})s")
            params[key] = value
    _visibility(where, params, visible_statuses, "t.consumer_id", owner_id)
    return _page(conn, _PERMISSION_SELECT, "SELECT count(*) AS n FROM permission t", where,
                 params)


def insert_permission(conn, v):
    return conn.execute("""
        INSERT INTO permission (code, consumer_id, service_id, evidence_type_id, provider_id,
                                legal_basis, may_use_identification_number, valid_from,
                                valid_to, status, illustrative, environment)
        VALUES (%(code)s, %(consumer_id)s, %(service_pk)s, %(evidence_type_id)s,
                %(provider_id)s, %(legal_basis)s, %(may_use_identification_number)s,
                %(valid_from)s, %(valid_to)s, %(status)s, %(illustrative)s, %(environment)s)
        RETURNING id
    """, v).fetchone()["id"]


def update_permission(conn, permission_id, v):
    conn.execute("""
        UPDATE permission SET consumer_id = %(consumer_id)s, service_id = %(service_pk)s,
               evidence_type_id = %(evidence_type_id)s, provider_id = %(provider_id)s,
               legal_basis = %(legal_basis)s,
               may_use_identification_number = %(may_use_identification_number)s,
               valid_from = %(valid_from)s, valid_to = %(valid_to)s, status = %(status)s,
               environment = %(environment)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**v, "id": permission_id})


def organisations_by_codes(conn, codes):
    return conn.execute(f"{_ORGANISATION_SELECT} WHERE t.code = ANY(%(codes)s) ORDER BY t.code",
                        {"codes": list(codes)}).fetchall()


def offers_by_codes(conn, codes):
    return conn.execute(f"{_OFFER_SELECT} WHERE t.code = ANY(%(codes)s) ORDER BY t.code",
                        {"codes": list(codes)}).fetchall()


# --- the illustrative demo catalogue (regmap seed --demo), set-based -------------------------

# Municipalities without an administration of their own (gemeindefreie Gebiete) get none.
_ADMINISTERED = ("a.level = 'municipality' AND a.source_status = 'current' "
                 "AND a.area_type_code NOT IN ('65', '66')")
_MELDE_VERBAND = ("v.level = 'gemeindeverband' AND v.source_status = 'current' AND "
                  "(v.area_type = ANY(%(types)s) OR "
                  "left(v.key, 2) || ':' || v.area_type = ANY(%(land_types)s))")


def demo_organisations(conn, *, verband_types, land_verband_types):
    """Bodies of the demo authorities not yet there: one per municipality, and one per
    Verband that keeps the population register for its members."""
    params = {"types": verband_types, "land_types": land_verband_types}
    return conn.execute(f"""
        SELECT * FROM (
            SELECT 'gemeinde-' || a.key AS code, a.name, 'Gemeinde' AS kind,
                   a.key AS seat_ags
            FROM area a WHERE {_ADMINISTERED}
            UNION ALL
            SELECT 'verband-' || v.key, v.area_type || ' ' || v.name, v.area_type, NULL
            FROM area v WHERE {_MELDE_VERBAND}
        ) wanted
        WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.code = wanted.code)
        ORDER BY code
    """, params).fetchall()


def demo_municipal_offers(conn, *, endpoint_base, verband_types, land_verband_types):
    """Bodies of the demo offers not yet there: Gewerbeanzeige from every municipality;
    Meldebescheinigung from the Verband where it keeps the register, else from the
    municipality."""
    params = {"types": verband_types, "land_types": land_verband_types,
              "base": endpoint_base}
    return conn.execute(f"""
        WITH melde_verband AS (SELECT v.key FROM area v WHERE {_MELDE_VERBAND}),
        wanted AS (
            SELECT 'demo-gewerbe-' || a.key AS code, 'gemeinde-' || a.key AS provider,
                   'gewerbeanzeige' AS evidence_type, a.key AS area_key, 'gewerbe' AS kind
            FROM area a WHERE {_ADMINISTERED}
            UNION ALL
            SELECT 'demo-melde-' || v.key, 'verband-' || v.key, 'meldebescheinigung', v.key,
                   'melde'
            FROM melde_verband v
            UNION ALL
            SELECT 'demo-melde-' || a.key, 'gemeinde-' || a.key, 'meldebescheinigung', a.key,
                   'melde'
            FROM area a WHERE {_ADMINISTERED}
              AND left(a.ars, 9) NOT IN (SELECT key FROM melde_verband)
        )
        SELECT w.code, w.provider, w.evidence_type, w.area_key,
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
             f"WHERE o.code LIKE 'demo-melde-%%' AND {_IN_LAND.format('oa.area_key')} "
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



# --- onboarding records (Anbindungsvorhaben) -------------------------------------------------

# `connected_in_catalogue`: what regmap knows by itself - an active offer of the provider for
# the evidence type (or any evidence type of the register) in that environment, an active
# permission of the consumer for the service there.
_ONBOARDING_SELECT = """
    SELECT t.id, t.code, t.organisation_id, o.code AS organisation, o.name AS organisation_name,
           o.status AS organisation_status, t.role, r.code AS register, et.code AS evidence_type,
           s.code AS service, t.environment, t.state, t.first_contact_on,
           t.evidence_specified_on, t.readiness_checked_on, t.readiness_result, t.connected_on,
           t.target_date, t.notes, t.status, t.illustrative, t.version, t.created_at,
           t.updated_at,
           CASE WHEN t.role = 'provider' THEN EXISTS (
                    SELECT 1 FROM offer f
                    WHERE f.provider_id = t.organisation_id AND f.status = 'active'
                      AND f.environment = t.environment
                      AND (f.evidence_type_id = t.evidence_type_id
                           OR f.evidence_type_id IN (SELECT er.evidence_type_id
                                                     FROM evidence_type_register er
                                                     WHERE er.register_id = t.register_id)))
                ELSE EXISTS (
                    SELECT 1 FROM permission p
                    WHERE p.consumer_id = t.organisation_id AND p.status = 'active'
                      AND p.environment = t.environment AND p.service_id = t.service_id)
           END AS connected_in_catalogue
    FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
    LEFT JOIN register r ON r.id = t.register_id
    LEFT JOIN evidence_type et ON et.id = t.evidence_type_id
    LEFT JOIN service s ON s.id = t.service_id"""


def get_onboarding(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_ONBOARDING_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_onboarding(conn, *, filters, owner_id=None, limit, offset):
    """`filters`: column -> value (ids, environment, state, status); None is no filter."""
    where, params = [], {"limit": limit, "offset": offset}
    for column, value in filters.items():
        if value is not None:
            where.append(f"t.{column} = %({column})s")
            params[column] = value
    if owner_id is not None:  # organisation admins: their own records only
        where.append("t.organisation_id = %(owner)s")
        params["owner"] = owner_id
    return _page(conn, _ONBOARDING_SELECT, "SELECT count(*) AS n FROM onboarding t", where,
                 params)


_ONBOARDING_FIELDS = ("organisation_id", "role", "register_id", "evidence_type_id",
                      "service_id", "environment", "state", "first_contact_on",
                      "evidence_specified_on", "readiness_checked_on", "readiness_result",
                      "connected_on", "target_date", "notes")


def insert_onboarding(conn, v):
    columns = ("code", *_ONBOARDING_FIELDS, "status", "illustrative")
    return conn.execute(sql.SQL("INSERT INTO onboarding ({}) VALUES ({}) RETURNING id").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder(c) for c in columns)), v).fetchone()["id"]


def update_onboarding(conn, onboarding_id, v):
    columns = (*_ONBOARDING_FIELDS, "status")
    conn.execute(sql.SQL("UPDATE onboarding SET {}, version = version + 1, updated_at = now() "
                         "WHERE id = %(id)s").format(
        sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
                           for c in columns)), {**v, "id": onboarding_id})


def onboarding_counts(conn):
    """Distinct organisations per role, environment and state, over the active records of
    active organisations (what the status report to the IT-Planungsrat counts)."""
    return conn.execute("""
        SELECT t.role, t.environment, t.state, count(DISTINCT t.organisation_id) AS n
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active'
        GROUP BY t.role, t.environment, t.state
    """).fetchall()


def demo_authority_codes(conn, limit):
    """The first `limit` active illustrative organisations by code (demo authorities)."""
    return [r["code"] for r in conn.execute(
        "SELECT code FROM organisation WHERE illustrative AND status = 'active' "
        "ORDER BY code LIMIT %(limit)s", {"limit": limit})]


# --- Fachsynchronisation ---------------------------------------------------------------------

_FACHSYNC_SELECT = """
    SELECT t.id, t.code, o.code AS organisation, o.abbreviation, o.name AS organisation_name,
           r.code AS register, r.idnrg_number, t.status_on, t.contacted, t.status, t.source,
           t.recorded_at, t.recorded_by
    FROM fachsynchronisation t JOIN organisation o ON o.id = t.organisation_id
    LEFT JOIN register r ON r.id = t.register_id"""


def list_fachsynchronisation(conn, *, organisation_id=None, register_id=None, latest=False,
                             limit, offset):
    """Entries, newest status first; `latest`: only the newest per actor and register."""
    where, params = [], {"limit": limit, "offset": offset}
    if organisation_id:
        where.append("t.organisation_id = %(org)s")
        params["org"] = organisation_id
    if register_id:
        where.append("t.register_id = %(register)s")
        params["register"] = register_id
    if latest:
        where.append("""NOT EXISTS (
            SELECT 1 FROM fachsynchronisation n
            WHERE n.organisation_id = t.organisation_id
              AND n.register_id IS NOT DISTINCT FROM t.register_id
              AND (n.status_on, n.id) > (t.status_on, t.id))""")
    return _page(conn, _FACHSYNC_SELECT, "SELECT count(*) AS n FROM fachsynchronisation t",
                 where, params, order="t.status_on DESC, o.code, r.idnrg_number, t.id")


def get_fachsynchronisation(conn, code):
    return conn.execute(f"{_FACHSYNC_SELECT} WHERE t.code = %(code)s",
                        {"code": code}).fetchone()


def insert_fachsynchronisation(conn, v):
    conn.execute("""
        INSERT INTO fachsynchronisation (code, organisation_id, register_id, status_on,
                                         contacted, status, source, recorded_by)
        VALUES (%(code)s, %(organisation_id)s, %(register_id)s, %(status_on)s,
                %(contacted)s, %(status)s, %(source)s, %(recorded_by)s)""", v)


def fachsynchronisation_exists(conn, organisation_id, register_id, status_on, source):
    return conn.execute("""
        SELECT 1 FROM fachsynchronisation
        WHERE organisation_id = %(org)s AND register_id IS NOT DISTINCT FROM %(register)s
          AND status_on = %(on)s AND source = %(source)s""",
                        {"org": organisation_id, "register": register_id, "on": status_on,
                         "source": source}).fetchone() is not None


def federal_counterpart_of(conn, organisation_id, register_id):
    return conn.execute("""
        SELECT 1 FROM register_organisation
        WHERE organisation_id = %(org)s AND register_id = %(register)s
          AND relation = 'federal_counterpart'""", {"org": organisation_id,
                                        "register": register_id}).fetchone() is not None


# --- transition deadlines (Übergangsfristen) -------------------------------------------------

_DEADLINE_SELECT = """
    SELECT t.id, t.code, t.register_id, r.code AS register, t.evidence_type_id,
           et.code AS evidence_type, t.due_on, t.legal_source, t.notes, t.status,
           t.illustrative, t.version, t.created_at, t.updated_at
    FROM deadline t LEFT JOIN register r ON r.id = t.register_id
    LEFT JOIN evidence_type et ON et.id = t.evidence_type_id"""


def get_deadline(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_DEADLINE_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_deadlines(conn, *, register_id=None, evidence_type_id=None, status=None, limit,
                   offset):
    where, params = [], {"limit": limit, "offset": offset}
    for column, value in (("register_id", register_id),
                          ("evidence_type_id", evidence_type_id), ("status", status)):
        if value is not None:
            where.append(f"t.{column} = %({column})s")
            params[column] = value
    return _page(conn, _DEADLINE_SELECT, "SELECT count(*) AS n FROM deadline t", where,
                 params, order="t.due_on, t.code")


def insert_deadline(conn, v):
    return conn.execute("""
        INSERT INTO deadline (code, register_id, evidence_type_id, due_on, legal_source,
                              notes, status, illustrative)
        VALUES (%(code)s, %(register_id)s, %(evidence_type_id)s, %(due_on)s,
                %(legal_source)s, %(notes)s, %(status)s, %(illustrative)s)
        RETURNING id""", v).fetchone()["id"]


def update_deadline(conn, deadline_id, v):
    conn.execute("""
        UPDATE deadline SET register_id = %(register_id)s,
               evidence_type_id = %(evidence_type_id)s, due_on = %(due_on)s,
               legal_source = %(legal_source)s, notes = %(notes)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s""", {**v, "id": deadline_id})


def deadline_obligations(conn):
    """Per active deadline, every provider obliged - the keepers of the register (of the
    evidence type's registers) and every organisation with an active provider onboarding
    record for it - and whether it has an active production offer of an evidence type the
    deadline covers."""
    return conn.execute("""
        WITH covered AS (  -- deadline -> the evidence types and registers it concerns
            SELECT d.id AS deadline_id, et.id AS evidence_type_id, er.register_id
            FROM deadline d
            JOIN evidence_type_register er ON er.register_id = d.register_id
                                           OR er.evidence_type_id = d.evidence_type_id
            JOIN evidence_type et ON et.id = er.evidence_type_id
            WHERE d.status = 'active'
        ), obliged AS (
            SELECT c.deadline_id, ro.organisation_id, 'keeper' AS why
            FROM covered c JOIN register_organisation ro
              ON ro.register_id = c.register_id AND ro.relation = 'keeper'
            UNION
            SELECT d.id, ob.organisation_id, 'onboarding'
            FROM deadline d JOIN onboarding ob
              ON ob.role = 'provider' AND ob.status = 'active'
             AND (ob.register_id = d.register_id OR ob.evidence_type_id = d.evidence_type_id
                  OR ob.evidence_type_id IN (SELECT c.evidence_type_id FROM covered c
                                             WHERE c.deadline_id = d.id))
            WHERE d.status = 'active'
        )
        SELECT d.code AS deadline, d.due_on, d.legal_source, r.code AS register,
               et.code AS evidence_type, o.code AS organisation, o.name AS organisation_name,
               array_agg(DISTINCT ob.why ORDER BY ob.why) AS obliged_as,
               EXISTS (SELECT 1 FROM offer f JOIN covered c
                         ON c.deadline_id = d.id AND c.evidence_type_id = f.evidence_type_id
                       WHERE f.provider_id = o.id AND f.status = 'active'
                         AND f.environment = 'production') AS connected
        FROM obliged ob JOIN deadline d ON d.id = ob.deadline_id
        JOIN organisation o ON o.id = ob.organisation_id AND o.status = 'active'
        LEFT JOIN register r ON r.id = d.register_id
        LEFT JOIN evidence_type et ON et.id = d.evidence_type_id
        GROUP BY d.id, r.code, et.code, o.id
        ORDER BY d.due_on, d.code, o.code""").fetchall()


def registers_without_production_offer(conn):
    """Active annex and other registers none of whose evidence types has an active
    production offer of an active provider."""
    return conn.execute("""
        SELECT r.code, r.idnrg_number, r.name FROM register r
        WHERE r.status = 'active' AND NOT EXISTS (
            SELECT 1 FROM evidence_type_register er
            JOIN offer f ON f.evidence_type_id = er.evidence_type_id
            JOIN organisation p ON p.id = f.provider_id
            WHERE er.register_id = r.id AND f.status = 'active'
              AND f.environment = 'production' AND p.status = 'active')
        ORDER BY r.idnrg_number NULLS LAST, r.code""").fetchall()


def onboarding_counts_by_group(conn):
    """onboarding_counts per Land of the organisation's seat (`land`) and per federal actor
    (an organisation that is a register's federal counterpart, `actor`)."""
    return conn.execute("""
        SELECT 'land' AS grouping, left(o.seat_ags, 2) AS key, t.role, t.environment, t.state,
               count(DISTINCT t.organisation_id) AS n
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active' AND o.seat_ags IS NOT NULL
        GROUP BY left(o.seat_ags, 2), t.role, t.environment, t.state
        UNION ALL
        SELECT 'actor', o.code, t.role, t.environment, t.state,
               count(DISTINCT t.organisation_id)
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active'
          AND EXISTS (SELECT 1 FROM register_organisation ro
                      WHERE ro.organisation_id = o.id AND ro.relation = 'federal_counterpart')
        GROUP BY o.code, t.role, t.environment, t.state
    """).fetchall()


def onboarding_milestones(conn):
    """Per active record of an active organisation: role, organisation and its milestone
    dates (progress over time)."""
    return conn.execute("""
        SELECT t.role, t.organisation_id, t.first_contact_on, t.evidence_specified_on,
               t.readiness_checked_on, t.connected_on
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active'
    """).fetchall()


def area_names(conn, keys):
    return {r["key"]: r["name"] for r in conn.execute(
        "SELECT key, name FROM area WHERE key = ANY(%(keys)s)", {"keys": list(keys)})}


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


# --- EU requirements (OOTS Evidence Broker) -------------------------------------------------

_EU_REQUIREMENT_SELECT = """
    SELECT t.id, t.code, t.identifier, t.name_en, t.name_de, t.reference_frameworks,
           t.evidence_type_lists, t.status, t.illustrative, t.version, t.created_at,
           t.updated_at
    FROM eu_requirement t"""


def get_eu_requirement(conn, code, for_update=False):
    lock = " FOR UPDATE OF t" if for_update else ""
    return conn.execute(f"{_EU_REQUIREMENT_SELECT} WHERE t.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def list_eu_requirements(conn, *, procedure=None, evidence_type_id=None, status=None,
                         visible_statuses=None, limit, offset):
    where, params = [], {"limit": limit, "offset": offset}
    if procedure:
        where.append("t.reference_frameworks @> %(procedure)s::jsonb")
        params["procedure"] = json.dumps([{"procedure": procedure}])
    if evidence_type_id:
        where.append("EXISTS (SELECT 1 FROM eu_requirement_evidence_type e "
                     "WHERE e.requirement_id = t.id AND e.evidence_type_id = %(et)s)")
        params["et"] = evidence_type_id
    if status:
        where.append("t.status = %(status)s")
        params["status"] = status
    _visibility(where, params, visible_statuses, None, None)
    return _page(conn, _EU_REQUIREMENT_SELECT, "SELECT count(*) AS n FROM eu_requirement t",
                 where, params)


def eu_requirement_evidence_types(conn, requirement_ids):
    """{requirement id: [[evidence type code, ...] per list position]}"""
    rows = conn.execute("""
        SELECT e.requirement_id, e.list_position, array_agg(et.code::text ORDER BY e.position)
               AS codes
        FROM eu_requirement_evidence_type e JOIN evidence_type et ON et.id = e.evidence_type_id
        WHERE e.requirement_id = ANY(%(ids)s)
        GROUP BY e.requirement_id, e.list_position
        ORDER BY e.requirement_id, e.list_position
    """, {"ids": list(requirement_ids)}).fetchall()
    result = {}
    for r in rows:
        lists = result.setdefault(r["requirement_id"], [])
        while len(lists) < r["list_position"]:
            lists.append([])
        lists.append(r["codes"])
    return result


def insert_eu_requirement(conn, v):
    return conn.execute("""
        INSERT INTO eu_requirement (code, identifier, name_en, name_de, reference_frameworks,
                                    evidence_type_lists, status, illustrative)
        VALUES (%(code)s, %(identifier)s, %(name_en)s, %(name_de)s, %(reference_frameworks)s,
                %(evidence_type_lists)s, %(status)s, %(illustrative)s)
        RETURNING id
    """, _eu_requirement_params(v)).fetchone()["id"]


def update_eu_requirement(conn, requirement_id, v):
    conn.execute("""
        UPDATE eu_requirement SET identifier = %(identifier)s, name_en = %(name_en)s,
               name_de = %(name_de)s, reference_frameworks = %(reference_frameworks)s,
               evidence_type_lists = %(evidence_type_lists)s, status = %(status)s,
               illustrative = %(illustrative)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_eu_requirement_params(v), "id": requirement_id})


def _eu_requirement_params(v):
    return {**v, "reference_frameworks": Jsonb(v["reference_frameworks"]),
            "evidence_type_lists": Jsonb([{"identifier": lst["identifier"],
                                           "name": lst["name"]}
                                          for lst in v["evidence_type_lists"]])}


def replace_eu_requirement_evidence_types(conn, requirement_id, lists):
    conn.execute("DELETE FROM eu_requirement_evidence_type WHERE requirement_id = %(id)s",
                 {"id": requirement_id})
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO eu_requirement_evidence_type (requirement_id, list_position, "
            "position, evidence_type_id) VALUES (%s, %s, %s, %s)",
            [(requirement_id, list_position, position, type_id)
             for list_position, lst in enumerate(lists)
             for position, type_id in enumerate(lst["evidence_type_ids"])])
