"""SQL of organisations."""
import json

from psycopg.types.json import Jsonb

from .common import STATUS, Listing, contains

_ORGANISATION_SELECT = """
    SELECT t.id, t.code, t.name, t.abbreviation, t.kind, t.seat_ags, a.name AS seat_name,
           t.contact, t.dvdv_key, t.name_en, t.address, t.edelivery_party_id, t.edm_versions,
           t.status,
           t.illustrative, t.version, t.created_at, t.updated_at
    FROM organisation t LEFT JOIN area a ON a.key = t.seat_ags"""


ORGANISATIONS = Listing("organisation", _ORGANISATION_SELECT, {
    "name_like": ("(lower(t.name) LIKE %(name_like)s OR lower(t.abbreviation) LIKE %(name_like)s)",
                  contains),
    "kind": "t.kind = %(kind)s", "status": STATUS}, owner_column="t.id")
get_organisation, list_organisations = ORGANISATIONS.get, ORGANISATIONS.list


def insert_organisation(conn, v):
    return conn.execute("""
        INSERT INTO organisation (code, name, abbreviation, kind, seat_ags, contact, dvdv_key,
                                  name_en, address, edelivery_party_id, edm_versions, status,
                                  illustrative)
        VALUES (%(code)s, %(name)s, %(abbreviation)s, %(kind)s, %(seat_ags)s, %(contact)s,
                %(dvdv_key)s, %(name_en)s, %(address)s, %(edelivery_party_id)s,
                %(edm_versions)s, %(status)s, %(illustrative)s)
        RETURNING id
    """, _organisation_params(v)).fetchone()["id"]


def _organisation_params(v):
    return {"name_en": None, "edm_versions": [], **v, **{k: Jsonb(v[k]) if v.get(k) else None
                                     for k in ("contact", "address", "edelivery_party_id")}}


def insert_organisations(conn, values_list):
    """Many organisations in one statement (bulk writes); returns {code: id}."""
    columns = ("code", "name", "abbreviation", "kind", "seat_ags", "dvdv_key", "status",
               "illustrative")
    params = {c: [v.get(c) for v in values_list] for c in columns + ("name_en",)}
    # text[][] cannot be unnested row by row: the versions travel as one text each.
    params["edm_versions"] = [",".join(v.get("edm_versions") or ()) for v in values_list]
    for column in ("contact", "address", "edelivery_party_id"):
        params[column] = [json.dumps(v[column]) if v.get(column) else None
                          for v in values_list]
    rows = conn.execute("""
        INSERT INTO organisation (code, name, abbreviation, kind, seat_ags, contact, dvdv_key,
                                  name_en, address, edelivery_party_id, status, illustrative,
                                  edm_versions)
        SELECT code, name, abbreviation, kind, seat_ags, contact, dvdv_key, name_en, address,
               edelivery_party_id, status, illustrative,
               coalesce(string_to_array(nullif(edm_versions, ''), ','), '{}')
        FROM unnest(%(code)s::text[], %(name)s::text[], %(abbreviation)s::text[],
                             %(kind)s::text[], %(seat_ags)s::text[], %(contact)s::jsonb[],
                             %(dvdv_key)s::text[], %(name_en)s::text[], %(address)s::jsonb[],
                             %(edelivery_party_id)s::jsonb[], %(status)s::text[],
                             %(illustrative)s::boolean[], %(edm_versions)s::text[])
             AS r(code, name, abbreviation, kind, seat_ags, contact, dvdv_key, name_en,
                  address, edelivery_party_id, status, illustrative, edm_versions)
        RETURNING id, code
    """, params).fetchall()
    return {r["code"]: r["id"] for r in rows}


def update_organisation(conn, org_id, v):
    conn.execute("""
        UPDATE organisation SET name = %(name)s, abbreviation = %(abbreviation)s,
               kind = %(kind)s, seat_ags = %(seat_ags)s, contact = %(contact)s,
               dvdv_key = %(dvdv_key)s, name_en = %(name_en)s, address = %(address)s,
               edelivery_party_id = %(edelivery_party_id)s, edm_versions = %(edm_versions)s,
               status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s
    """, {**_organisation_params(v), "id": org_id})


def organisations_by_codes(conn, codes):
    return conn.execute(f"{_ORGANISATION_SELECT} WHERE t.code = ANY(%(codes)s) ORDER BY t.code",
                        {"codes": list(codes)}).fetchall()


