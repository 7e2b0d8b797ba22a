"""SQL for reference areas. Every function takes the connection first and returns dict rows."""
from ..db.pool import contains_pattern, jsonb, starts_pattern

# A key is retired when the reference data says so, or once a recorded end of validity has
# passed. `today` is the Europe/Berlin date of the request.
_STATUS = """CASE WHEN {a}.source_status = 'retired' OR {a}.valid_to <= %(today)s
             THEN 'retired' ELSE 'current' END"""

_MUNICIPALITY_COLUMNS = f"""
    m.key AS ags, m.ars, m.name, m.area_type, m.area_type_code, m.population, m.area_ha,
    m.plz_seat, m.plz_several, {_STATUS.format(a="m")} AS status, m.valid_from, m.valid_to,
    m.last_seen, m.retired_by, m.retirement_reason, m.retirement_source, m.source, m.version,
    m.updated_at,
    land.key AS land_key, land.name AS land_name,
    rb.key AS rb_key, rb.name AS rb_name,
    kreis.key AS kreis_key, kreis.name AS kreis_name, kreis.area_type AS kreis_type,
    verband.key AS verband_key, verband.name AS verband_name, verband.area_type AS verband_type,
    COALESCE(succ.keys, '[]') AS successors, COALESCE(pred.keys, '[]') AS predecessors
"""

# The keys before and after a municipality, as [{"ags", "name", "status", "effective_on"}].
_RELATED = """LEFT JOIN LATERAL (
        SELECT json_agg(json_build_object(
                   'ags', r.key, 'name', r.name, 'status', {status},
                   'effective_on', s.effective_on) ORDER BY r.key) AS keys
        FROM area_succession s JOIN area r ON r.key = s.{other}
        WHERE s.{this} = m.key) {alias} ON true"""

_MUNICIPALITY_JOINS = """
    LEFT JOIN area land ON land.key = left(m.key, 2) AND land.level = 'land'
    LEFT JOIN area rb ON rb.key = left(m.key, 3) AND rb.level = 'regierungsbezirk'
    LEFT JOIN area kreis ON kreis.key = left(m.key, 5) AND kreis.level = 'kreis'
    LEFT JOIN area verband ON verband.key = left(m.ars, 9) AND verband.level = 'gemeindeverband'
    """ + _RELATED.format(status=_STATUS.format(a="r"), other="successor_key",
                       this="predecessor_key", alias="succ") + """
    """ + _RELATED.format(status=_STATUS.format(a="r"), other="predecessor_key",
                       this="successor_key", alias="pred") + """
"""


def get_municipality(conn, *, today, ags=None, ars=None):
    column, value = ("key", ags) if ags else ("ars", ars)
    return conn.execute(
        f"SELECT {_MUNICIPALITY_COLUMNS} FROM area m {_MUNICIPALITY_JOINS} "
        f"WHERE m.level = 'municipality' AND m.{column} = %(value)s",
        {"value": value, "today": today}).fetchone()


def get_former_ars(conn, ars):
    """A 12-digit ARS that a municipality no longer carries, with that municipality's AGS."""
    return conn.execute(
        "SELECT f.ars, f.ags, f.retired_by FROM former_ars f WHERE f.ars = %(ars)s",
        {"ars": ars}).fetchone()


def _municipality_filters(name_folded, land, kreis, status):
    where = ["m.level = 'municipality'"]
    if name_folded:
        where.append("m.name_folded LIKE %(name_like)s")
    if land:
        where.append("left(m.key, 2) = %(land)s")
    if kreis:
        where.append("left(m.key, 5) = %(kreis)s")
    if status != "all":
        where.append(f"{_STATUS.format(a='m')} = %(status)s")
    return " AND ".join(where)


def list_municipalities(conn, *, today, name_folded=None, land=None, kreis=None,
                        status="current", closest_to=None, limit, offset):
    """Municipalities by key; with `closest_to` (the text typed into a picker), names equal
    to it first (the part before a comma counts: "München" is "München,
    Landeshauptstadt"), then names starting with it, then the rest."""
    params = {"today": today, "name_like": contains_pattern(name_folded or ""), "land": land,
              "kreis": kreis, "status": status, "limit": limit, "offset": offset,
              "name": name_folded or "", "name_starts": starts_pattern(name_folded or ""),
              "typed": (closest_to or "").strip().lower()}
    where = _municipality_filters(name_folded, land, kreis, status)
    total = conn.execute(f"SELECT count(*) AS n FROM area m WHERE {where}", params).fetchone()
    order = "m.key"
    if closest_to and name_folded:
        order = ("m.name_folded <> %(name)s AND lower(split_part(m.name, ',', 1)) <> "
                 "%(typed)s, m.name_folded NOT LIKE %(name_starts)s, m.name_folded, m.key")
    rows = conn.execute(
        f"SELECT {_MUNICIPALITY_COLUMNS} FROM area m {_MUNICIPALITY_JOINS} WHERE {where} "
        f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total["n"]


_AREA_COLUMNS = f"""
    a.key, a.level, a.name, a.area_type, a.seat, a.nuts, {_STATUS.format(a="a")} AS status,
    a.retired_by, a.valid_to, a.version, a.updated_at,
    p.key AS parent_key, p.level AS parent_level, p.name AS parent_name
"""


def get_area(conn, key, *, today):
    return conn.execute(
        f"SELECT {_AREA_COLUMNS} FROM area a LEFT JOIN area p ON p.key = a.parent_key "
        "WHERE a.key = %(key)s", {"key": key, "today": today}).fetchone()


def get_areas(conn, keys, *, today):
    """Several areas at once, by key."""
    return conn.execute(
        f"SELECT {_AREA_COLUMNS} FROM area a LEFT JOIN area p ON p.key = a.parent_key "
        "WHERE a.key = ANY(%(keys)s)", {"keys": list(keys), "today": today}).fetchall()


def count_children(conn, key):
    """Current direct children of an area, per level."""
    rows = conn.execute(
        "SELECT level, count(*) AS n FROM area WHERE parent_key = %(key)s "
        "AND source_status = 'current' GROUP BY level", {"key": key}).fetchall()
    return {row["level"]: row["n"] for row in rows}


def count_municipalities_within(conn, level, key, *, today):
    """Current municipalities at or below an area."""
    scope = {
        "federation": "true",
        "land": "left(m.key, 2) = %(key)s",
        "regierungsbezirk": "left(m.key, 3) = %(key)s",
        "kreis": "left(m.key, 5) = %(key)s",
        "gemeindeverband": "left(m.ars, 9) = %(key)s",
        "municipality": "m.key = %(key)s",
    }[level]
    row = conn.execute(
        f"SELECT count(*) AS n FROM area m WHERE m.level = 'municipality' AND {scope} "
        f"AND {_STATUS.format(a='m')} = 'current'", {"key": key, "today": today}).fetchone()
    return row["n"]


def municipalities_within(conn, keys, *, today, limit):
    """Current municipalities at or below any of these area keys (DE, Land, RB, Kreis,
    Verband, AGS), ordered by key; and how many there are in all."""
    params = {"today": today, "keys": list(keys), "limit": limit}
    where = f"""m.level = 'municipality' AND {_STATUS.format(a='m')} = 'current' AND (
        'DE' = ANY(%(keys)s) OR m.key = ANY(%(keys)s) OR left(m.key, 2) = ANY(%(keys)s)
        OR left(m.key, 3) = ANY(%(keys)s) OR left(m.key, 5) = ANY(%(keys)s)
        OR left(m.ars, 9) = ANY(%(keys)s))"""
    total = conn.execute(f"SELECT count(*) AS n FROM area m WHERE {where}", params).fetchone()
    rows = conn.execute(f"SELECT m.key AS ags, m.name FROM area m WHERE {where} "
                        "ORDER BY m.key LIMIT %(limit)s", params).fetchall()
    return rows, total["n"]


def list_areas(conn, *, today, level=None, parent=None, name_folded=None, limit, offset):
    where = ["true"]
    if level:
        where.append("a.level = %(level)s")
    if parent:
        where.append("a.parent_key = %(parent)s")
    if name_folded:
        where.append("a.name_folded LIKE %(name_like)s")
    where.append(f"{_STATUS.format(a='a')} = 'current'")
    where = " AND ".join(where)
    params = {"today": today, "level": level, "parent": parent,
              "name_like": contains_pattern(name_folded or ""), "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM area a WHERE {where}", params).fetchone()
    rows = conn.execute(
        f"SELECT {_AREA_COLUMNS} FROM area a LEFT JOIN area p ON p.key = a.parent_key "
        f"WHERE {where} ORDER BY a.key LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
    return rows, total["n"]


# The postcode table lookups use: shipped rows still in the source, minus pairs an active
# curation removes (a removal with a place removes only that place name), plus active
# additions (a pair, named after the municipality, or a place name of it).
_EFFECTIVE_POSTCODES = """
    SELECT p.plz, p.ags, p.place_name, p.place_folded, p.source
    FROM postcode_area p
    WHERE p.source_status = 'current'
      AND NOT EXISTS (SELECT 1 FROM postcode_curation r
                      WHERE r.plz = p.plz AND r.ags = p.ags AND r.change = 'remove'
                        AND r.status = 'active'
                        AND (r.place_folded IS NULL OR r.place_folded = p.place_folded))
    UNION ALL
    SELECT c.plz, c.ags, COALESCE(c.place_name, m.name), COALESCE(c.place_folded,
           m.name_folded), 'curated:' || c.code
    FROM postcode_curation c JOIN area m ON m.key = c.ags
    WHERE c.change = 'add' AND c.status = 'active'
"""


def postcode_municipalities(conn, plz, *, today):
    """Every municipality of a postcode as lookups see it (the shipped table with the active
    curations applied), with place name and source; retired ones flagged."""
    return conn.execute(
        f"SELECT p.plz, p.place_name, p.source AS pair_source, {_MUNICIPALITY_COLUMNS} "
        f"FROM ({_EFFECTIVE_POSTCODES}) p JOIN area m ON m.key = p.ags {_MUNICIPALITY_JOINS} "
        "WHERE p.plz = %(plz)s ORDER BY p.ags, p.source, p.place_name",
        {"plz": plz, "today": today}).fetchall()


# --- curated postcode pairs -------------------------------------------------------------

_CURATION = """SELECT c.*, m.name AS municipality FROM postcode_curation c
               JOIN area m ON m.key = c.ags"""


def get_curation(conn, code, for_update=False):
    lock = " FOR UPDATE OF c" if for_update else ""
    return conn.execute(f"{_CURATION} WHERE c.code = %(code)s{lock}",
                        {"code": code}).fetchone()


def curations_of(conn, plz, statuses):
    return conn.execute(f"{_CURATION} WHERE c.plz = %(plz)s AND c.status = ANY(%(s)s) "
                        "ORDER BY c.id", {"plz": plz, "s": list(statuses)}).fetchall()


def municipality_exists(conn, ags):
    return conn.execute("SELECT 1 FROM area WHERE key = %(k)s AND level = 'municipality'",
                        {"k": ags}).fetchone() is not None


def postcode_pair_listed(conn, plz, ags):
    """Is the pair part of the postcode table lookups use (shipped and not removed by an
    active curation, or added by one)?"""
    return conn.execute(f"""SELECT EXISTS (SELECT 1 FROM ({_EFFECTIVE_POSTCODES}) e
                            WHERE e.plz = %(plz)s AND e.ags = %(ags)s) AS listed""",
                        {"plz": plz, "ags": ags}).fetchone()["listed"]


def open_curation_exists(conn, v):
    return conn.execute("""
        SELECT 1 FROM postcode_curation
        WHERE plz = %(plz)s AND ags = %(ags)s AND change = %(change)s
          AND COALESCE(place_folded, '') = COALESCE(%(place_folded)s, '')
          AND status IN ('pending', 'active')
    """, v).fetchone() is not None


def insert_curation(conn, v):
    conn.execute("""
        INSERT INTO postcode_curation (code, plz, ags, place_name, place_folded, change,
                                       status, reason)
        VALUES (%(code)s, %(plz)s, %(ags)s, %(place_name)s, %(place_folded)s, %(change)s,
                'pending', %(reason)s)
    """, v)
    return get_curation(conn, v["code"])


def set_curation_status(conn, curation_id, status):
    code = conn.execute("""
        UPDATE postcode_curation SET status = %(s)s, version = version + 1,
               updated_at = now() WHERE id = %(id)s RETURNING code
    """, {"s": status, "id": curation_id}).fetchone()["code"]
    return get_curation(conn, code)


def effective_postcodes(conn):
    return conn.execute(f"SELECT * FROM ({_EFFECTIVE_POSTCODES}) e ORDER BY plz, ags, source"
                        ).fetchall()


# --- editions of the Gemeindeverzeichnis and their imports -------------------------------

def current_edition(conn):
    """The newest edition loaded (seeded or imported)."""
    return conn.execute("SELECT max(edition) AS e FROM area_edition").fetchone()["e"]


def record_edition(conn, edition, source, import_code=None):
    conn.execute("""
        INSERT INTO area_edition (edition, source, import_code)
        VALUES (%(e)s, %(s)s, %(c)s) ON CONFLICT (edition) DO NOTHING
    """, {"e": edition, "s": source, "c": import_code})


def current_areas(conn, day):
    """Every area in force on `day` (the keys an edition is compared with)."""
    return conn.execute("""
        SELECT key, level, ars, name FROM area
        WHERE source_status = 'current' AND (valid_to IS NULL OR valid_to > %(day)s)
    """, {"day": day}).fetchall()


def mark_last_seen(conn, keys, day):
    conn.execute("UPDATE area SET last_seen = %(day)s WHERE key = ANY(%(keys)s) "
                 "AND last_seen IS NULL", {"day": day, "keys": list(keys)})


_IMPORT_COLUMNS = """id, code, edition, previous_edition, status, preview, successions,
    created_by, decided_by, reason, version, created_at, updated_at"""


def get_area_import(conn, code, for_update=False, with_rows=False):
    columns = _IMPORT_COLUMNS + (", rows" if with_rows or for_update else "")
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {columns} FROM area_import WHERE code = %(c)s{lock}",
                        {"c": code}).fetchone()


def pending_area_import(conn):
    return conn.execute("SELECT code FROM area_import WHERE status = 'pending'").fetchone()


def list_area_imports(conn, *, limit, offset):
    total = conn.execute("SELECT count(*) AS n FROM area_import").fetchone()["n"]
    rows = conn.execute(f"SELECT {_IMPORT_COLUMNS} FROM area_import ORDER BY id DESC "
                        "LIMIT %(l)s OFFSET %(o)s", {"l": limit, "o": offset}).fetchall()
    return rows, total


def insert_area_import(conn, v):
    conn.execute("""
        INSERT INTO area_import (code, edition, previous_edition, status, rows, preview,
                                 created_by)
        VALUES (%(code)s, %(edition)s, %(previous_edition)s, 'pending', %(rows)s,
                %(preview)s, %(created_by)s)
    """, {**v, "rows": jsonb(v["rows"]), "preview": jsonb(v["preview"])})
    return get_area_import(conn, v["code"], with_rows=True)


def update_area_import(conn, import_id, *, successions):
    code = conn.execute("""
        UPDATE area_import SET successions = %(s)s, version = version + 1, updated_at = now()
        WHERE id = %(id)s RETURNING code
    """, {"s": jsonb(successions), "id": import_id}).fetchone()["code"]
    return get_area_import(conn, code)


def decide_area_import(conn, import_id, status, decided_by, reason):
    code = conn.execute("""
        UPDATE area_import SET status = %(s)s, decided_by = %(by)s, reason = %(r)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s RETURNING code
    """, {"s": status, "by": decided_by, "r": reason, "id": import_id}).fetchone()["code"]
    return get_area_import(conn, code)


# --- successions ------------------------------------------------------------------------

def lock_area(conn, key):
    return conn.execute(
        "SELECT key, level, name, source_status, valid_from, valid_to, last_seen "
        "FROM area WHERE key = %(key)s FOR UPDATE", {"key": key}).fetchone()


def successor_of(conn, key):
    return conn.execute(
        "SELECT successor_key, effective_on FROM area_succession "
        "WHERE predecessor_key = %(key)s", {"key": key}).fetchone()


def insert_succession(conn, predecessor, successor, effective_on, recorded_by):
    conn.execute(
        "INSERT INTO area_succession (predecessor_key, successor_key, effective_on, recorded_by) "
        "VALUES (%(p)s, %(s)s, %(d)s, %(by)s)",
        {"p": predecessor, "s": successor, "d": effective_on, "by": recorded_by})
    # The predecessor is valid up to (not including) the day its successor takes over.
    conn.execute(
        "UPDATE area SET valid_to = %(d)s, version = version + 1, updated_at = now() "
        "WHERE key = %(p)s", {"p": predecessor, "d": effective_on})


# --- seeding ------------------------------------------------------------------------------

AREA_STAGE_COLUMNS = ("key", "level", "ars", "name", "name_folded", "area_type",
                      "area_type_code", "seat", "parent_key", "population", "area_ha",
                      "plz_seat", "plz_several", "source_status", "source", "last_seen",
                      "retired_by")
POSTCODE_STAGE_COLUMNS = ("plz", "ags", "place_name", "place_folded", "osm_id", "source")
FORMER_ARS_STAGE_COLUMNS = ("ars", "ags", "retired_by", "source")


def create_stage_tables(conn):
    conn.execute("""
        CREATE TEMP TABLE area_stage (
            key text PRIMARY KEY, level text, ars text, name text, name_folded text,
            area_type text, area_type_code text, seat text, parent_key text,
            population integer, area_ha integer, plz_seat text, plz_several boolean,
            source_status text, source text, last_seen date, retired_by date
        ) ON COMMIT DROP;
        CREATE TEMP TABLE postcode_stage (
            plz text, ags text, place_name text, place_folded text, osm_id bigint,
            source text, PRIMARY KEY (plz, ags)
        ) ON COMMIT DROP;
        CREATE TEMP TABLE former_ars_stage (
            ars text PRIMARY KEY, ags text, retired_by date, source text
        ) ON COMMIT DROP;
    """)


def copy_rows(conn, table, columns, rows, on_row=None):
    """COPY rows into one of the stage tables (allow-listed names, never user input)."""
    assert table in ("area_stage", "postcode_stage", "former_ars_stage")
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            if on_row:
                on_row()


def merge_areas(conn, retired_by):
    """Upsert the staged areas; retire (never delete) what the source no longer lists.

    Rows whose data did not change are not touched, so a repeated seed bumps no version.
    """
    changed = conn.execute("""
        INSERT INTO area AS a (key, level, ars, name, name_folded, area_type, area_type_code,
                               seat, parent_key, population, area_ha, plz_seat, plz_several,
                               source_status, source, last_seen, retired_by)
        SELECT key, level, ars, name, name_folded, area_type, area_type_code, seat, parent_key,
               population, area_ha, plz_seat, plz_several, source_status, source, last_seen,
               retired_by
        FROM area_stage
        ON CONFLICT (key) DO UPDATE SET
            level = EXCLUDED.level, ars = EXCLUDED.ars, name = EXCLUDED.name,
            name_folded = EXCLUDED.name_folded, area_type = EXCLUDED.area_type,
            area_type_code = EXCLUDED.area_type_code, seat = EXCLUDED.seat,
            parent_key = EXCLUDED.parent_key, population = EXCLUDED.population,
            area_ha = EXCLUDED.area_ha, plz_seat = EXCLUDED.plz_seat,
            plz_several = EXCLUDED.plz_several, source_status = EXCLUDED.source_status,
            source = EXCLUDED.source, last_seen = EXCLUDED.last_seen,
            retired_by = EXCLUDED.retired_by,
            version = a.version + 1, updated_at = now()
        WHERE (a.level, a.ars, a.name, a.name_folded, a.area_type, a.area_type_code, a.seat,
               a.parent_key, a.population, a.area_ha, a.plz_seat, a.plz_several,
               a.source_status, a.source, a.last_seen, a.retired_by)
           IS DISTINCT FROM
              (EXCLUDED.level, EXCLUDED.ars, EXCLUDED.name, EXCLUDED.name_folded,
               EXCLUDED.area_type, EXCLUDED.area_type_code, EXCLUDED.seat, EXCLUDED.parent_key,
               EXCLUDED.population, EXCLUDED.area_ha, EXCLUDED.plz_seat, EXCLUDED.plz_several,
               EXCLUDED.source_status, EXCLUDED.source, EXCLUDED.last_seen,
               EXCLUDED.retired_by)
        RETURNING (xmax = 0) AS inserted
    """).fetchall()
    retired = conn.execute("""
        UPDATE area a SET source_status = 'retired', retired_by = %(retired_by)s,
                          version = a.version + 1, updated_at = now()
        WHERE a.source_status = 'current'
          AND NOT EXISTS (SELECT 1 FROM area_stage s WHERE s.key = a.key)
    """, {"retired_by": retired_by}).rowcount
    inserted = sum(1 for row in changed if row["inserted"])
    return {"inserted": inserted, "updated": len(changed) - inserted, "retired": retired}


def merge_former_ars(conn):
    changed = conn.execute("""
        INSERT INTO former_ars AS f (ars, ags, retired_by, source)
        SELECT ars, ags, retired_by, source FROM former_ars_stage
        ON CONFLICT (ars) DO UPDATE SET ags = EXCLUDED.ags, retired_by = EXCLUDED.retired_by,
                                        source = EXCLUDED.source
        WHERE (f.ags, f.retired_by, f.source)
              IS DISTINCT FROM (EXCLUDED.ags, EXCLUDED.retired_by, EXCLUDED.source)
    """).rowcount
    return {"changed": changed}


def merge_postcodes(conn):
    changed = conn.execute("""
        INSERT INTO postcode_area AS p (plz, ags, place_name, place_folded, osm_id, source,
                                        source_status)
        SELECT plz, ags, place_name, place_folded, osm_id, source, 'current'
        FROM postcode_stage
        ON CONFLICT (plz, ags) DO UPDATE SET
            place_name = EXCLUDED.place_name, place_folded = EXCLUDED.place_folded,
            osm_id = EXCLUDED.osm_id, source = EXCLUDED.source, source_status = 'current',
            version = p.version + 1, updated_at = now()
        WHERE (p.place_name, p.place_folded, p.osm_id, p.source, p.source_status)
              IS DISTINCT FROM (EXCLUDED.place_name, EXCLUDED.place_folded, EXCLUDED.osm_id,
                                EXCLUDED.source, 'current')
        RETURNING (xmax = 0) AS inserted
    """).fetchall()
    retired = conn.execute("""
        UPDATE postcode_area p SET source_status = 'retired', version = p.version + 1,
                                   updated_at = now()
        WHERE p.source_status = 'current'
          AND NOT EXISTS (SELECT 1 FROM postcode_stage s WHERE s.plz = p.plz AND s.ags = p.ags)
    """).rowcount
    inserted = sum(1 for row in changed if row["inserted"])
    return {"inserted": inserted, "updated": len(changed) - inserted, "retired": retired}


def merge_successions(conn, rows, added, *, first_listed):
    """Load the shipped successions (a row people or an earlier seed recorded is never
    overwritten) and date the keys they concern: a dated succession ends its predecessor
    and starts its successor that day; a key the change list added without a dated
    succession starts with the edition that first lists it (`first_listed`). Dates already
    set stay."""
    inserted = 0
    for predecessor, successor, effective_on, source in rows:
        inserted += conn.execute("""
            INSERT INTO area_succession (predecessor_key, successor_key, effective_on,
                                         recorded_by, source)
            VALUES (%(p)s, %(s)s, %(d)s, 'regmap seed', %(source)s)
            ON CONFLICT (predecessor_key, successor_key) DO NOTHING
        """, {"p": predecessor, "s": successor, "d": effective_on, "source": source}).rowcount
    ended = conn.execute("""
        UPDATE area a SET valid_to = s.effective_on, version = a.version + 1,
                          updated_at = now()
        FROM (SELECT predecessor_key, min(effective_on) AS effective_on FROM area_succession
              WHERE effective_on IS NOT NULL GROUP BY predecessor_key) s
        WHERE a.key = s.predecessor_key AND a.valid_to IS NULL
    """).rowcount
    started = conn.execute("""
        UPDATE area a SET valid_from = COALESCE(
                   (SELECT min(effective_on) FROM area_succession s
                    WHERE s.successor_key = a.key AND s.effective_on IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM area_succession u
                                      WHERE u.successor_key = a.key
                                        AND u.effective_on IS NULL)),
                   %(first_listed)s),
               version = a.version + 1, updated_at = now()
        WHERE a.key = ANY(%(added)s) AND a.valid_from IS NULL
    """, {"added": list(added), "first_listed": first_listed}).rowcount
    return {"inserted": inserted, "ended": ended, "started": started}


def merge_retirement_reasons(conn, rows):
    """Record why the given retired keys have no successor: rows of (key, reason, source).
    A key the file no longer names loses its reason; unchanged rows are not touched."""
    conn.execute("CREATE TEMPORARY TABLE retirement_stage (key text, reason text, source text) "
                 "ON COMMIT DROP")
    with conn.cursor() as cur:
        with cur.copy("COPY retirement_stage (key, reason, source) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    changed = conn.execute("""
        UPDATE area a SET retirement_reason = s.reason, retirement_source = s.source,
                          version = a.version + 1, updated_at = now()
        FROM (SELECT k.key, r.reason, r.source FROM area k
              LEFT JOIN retirement_stage r ON r.key = k.key
              WHERE k.retirement_reason IS NOT NULL OR r.key IS NOT NULL) s
        WHERE a.key = s.key AND (a.retirement_reason, a.retirement_source)
                                IS DISTINCT FROM (s.reason, s.source)
    """).rowcount
    conn.execute("DROP TABLE retirement_stage")
    return {"changed": changed}


def area_keys(conn):
    return {row["key"] for row in conn.execute("SELECT key FROM area")}


def drop_stage_tables(conn):
    conn.execute("DROP TABLE IF EXISTS area_stage, postcode_stage, former_ars_stage")


def merge_nuts(conn, pairs):
    """The NUTS code of each Land, Regierungsbezirk and Kreis from the shipped
    correspondence table; a key the table no longer names loses its code. Returns the
    number of areas changed."""
    conn.execute("CREATE TEMPORARY TABLE nuts_stage (area_key text, nuts text) ON COMMIT DROP")
    with conn.cursor() as cur:
        with cur.copy("COPY nuts_stage (area_key, nuts) FROM STDIN") as copy:
            for pair in pairs:
                copy.write_row(pair)
    # Clear first, so a code moving from one area to another never meets the unique key.
    cleared = conn.execute("""
        UPDATE area a SET nuts = NULL
        WHERE a.nuts IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM nuts_stage s WHERE s.area_key = a.key AND s.nuts = a.nuts)
    """).rowcount
    set_ = conn.execute("""
        UPDATE area a SET nuts = s.nuts FROM nuts_stage s
        WHERE s.area_key = a.key AND a.nuts IS DISTINCT FROM s.nuts
    """).rowcount
    conn.execute("DROP TABLE nuts_stage")
    return {"cleared": cleared, "set": set_}


def area_by_nuts(conn, nuts):
    return conn.execute("SELECT key, level, name, nuts FROM area WHERE nuts = %(nuts)s",
                        {"nuts": nuts}).fetchone()
