"""SQL of the OOTS code lists (oots_code_list, oots_code_value) and of who uses a value."""
import json

USAGE_SHOWN = 10


def lists(conn, line=None, name=None):
    """Every list (of `line`, named `name`, where given), with its values in order."""
    return conn.execute("""
        SELECT l.list, l.line, l.edition, l.revision, l.updated_at,
               coalesce(jsonb_agg(jsonb_build_object('code', v.code, 'label', v.label,
                                                     'source', v.source)
                                  ORDER BY v.position) FILTER (WHERE v.code IS NOT NULL),
                        '[]') AS "values"
        FROM oots_code_list l
        LEFT JOIN oots_code_value v ON v.list = l.list AND v.line = l.line
        WHERE (%(line)s::text IS NULL OR l.line = %(line)s)
          AND (%(name)s::text IS NULL OR l.list = %(name)s)
        GROUP BY l.list, l.line
        ORDER BY l.list, l.line
    """, {"line": line, "name": name}).fetchall()


def code_list(conn, name, line, for_update=False):
    return conn.execute(f"""
        SELECT list, line, edition, revision FROM oots_code_list
        WHERE list = %(list)s AND line = %(line)s {'FOR UPDATE' if for_update else ''}
    """, {"list": name, "line": line}).fetchone()


def codes(conn, name, *, lock=False):
    """{code: [lines that know it]} of one list, in list order (codes 2.0 alone knows
    after the others). `lock`: for a write that relies on them, the list's rows are held
    (FOR SHARE) until it commits, so a value cannot be removed in between unseen."""
    if lock:
        conn.execute("SELECT 1 FROM oots_code_list WHERE list = %(list)s FOR SHARE",
                     {"list": name})
    rows = conn.execute("""
        SELECT code, array_agg(line ORDER BY line) AS lines FROM oots_code_value
        WHERE list = %(list)s GROUP BY code
        ORDER BY bool_and(line = '2.0'), min(position), code
    """, {"list": name}).fetchall()
    return {r["code"]: r["lines"] for r in rows}


def value_exists(conn, name, line, code):
    return conn.execute("""
        SELECT 1 FROM oots_code_value WHERE list = %(list)s AND line = %(line)s
          AND code = %(code)s
    """, {"list": name, "line": line, "code": code}).fetchone() is not None


def insert_list(conn, name, line, edition):
    conn.execute("""
        INSERT INTO oots_code_list (list, line, edition) VALUES (%(list)s, %(line)s, %(edition)s)
    """, {"list": name, "line": line, "edition": edition})


def insert_value(conn, name, line, code, label, source):
    """Appended after the list's last value."""
    conn.execute("""
        INSERT INTO oots_code_value (list, line, code, label, source, position)
        SELECT %(list)s, %(line)s, %(code)s, %(label)s, %(source)s,
               coalesce(max(position), 0) + 1
        FROM oots_code_value WHERE list = %(list)s AND line = %(line)s
    """, {"list": name, "line": line, "code": code, "label": label, "source": source})


def delete_value(conn, name, line, code):
    conn.execute("""
        DELETE FROM oots_code_value WHERE list = %(list)s AND line = %(line)s
          AND code = %(code)s
    """, {"list": name, "line": line, "code": code})


def set_revision(conn, name, line, *, edition=None, keep_edition=True):
    """The next revision (and, unless kept, a new edition); returns it."""
    return conn.execute("""
        UPDATE oots_code_list SET revision = revision + 1, updated_at = now(),
            edition = CASE WHEN %(keep)s THEN edition ELSE %(edition)s END
        WHERE list = %(list)s AND line = %(line)s RETURNING revision
    """, {"list": name, "line": line, "edition": edition,
          "keep": keep_edition}).fetchone()["revision"]


# Who still uses a value, per list: (kind of object, SQL returning their codes). Retired
# and rejected objects do not count; proposals are checked against the lists when approved.
_USERS = {
    "procedures": [("eu-requirements", """
        SELECT code FROM eu_requirement WHERE status <> 'retired'
          AND reference_frameworks @> %(framework)s::jsonb""")],
    "levels-of-assurance": [("offers", """
        SELECT code FROM offer WHERE status IN ('pending', 'active')
          AND level_of_assurance = %(code)s""")],
    "media-types": [("offers", """
        SELECT code FROM offer WHERE status IN ('pending', 'active')
          AND distributions @> %(distribution)s::jsonb""")],
    "edm-versions": [("organisations", """
        SELECT code FROM organisation WHERE status <> 'retired'
          AND %(code)s = ANY(edm_versions)""")],
    "jurisdiction-levels": [("offers", """
        SELECT DISTINCT o.code FROM offer o
        JOIN offer_area oa ON oa.offer_id = o.id JOIN area a ON a.key = oa.area_key
        WHERE o.status IN ('pending', 'active') AND a.level = ANY(%(area_levels)s)""")],
}


def users_of(conn, name, code, area_levels=()):
    """{kind: (how many, the first codes)} of the objects that use `code` of list `name`."""
    params = {"code": code, "framework": json.dumps([{"procedure": code}]),
              "distribution": json.dumps([{"format": code}]),
              "area_levels": list(area_levels)}
    found = {}
    for kind, sql in _USERS.get(name, ()):
        rows = conn.execute(f"SELECT code::text, count(*) OVER () AS n FROM ({sql}) u "
                            f"ORDER BY code LIMIT {USAGE_SHOWN}", params).fetchall()
        if rows:
            found[kind] = (rows[0]["n"], [r["code"] for r in rows])
    return found
