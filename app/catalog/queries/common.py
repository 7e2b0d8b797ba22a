"""SQL every catalogue collection shares: references by code, status changes, and
the one list / get builder (`Listing`). Functions take the connection first and return dict
rows; table and column names that vary are allow-listed here, never taken from input.
"""
from psycopg import sql

from ...db.pool import contains_pattern

# Tables whose rows are referenced by code from request bodies.
_CODED_TABLES = {"organisation", "register", "evidence_type", "service", "offer",
                 "permission", "app_user", "onboarding", "deadline", "eu_requirement"}
# The collections' tables whose rows have a status (set_status, illustrative_codes).
_STATUS_TABLES = _CODED_TABLES - {"app_user"}


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


class Listing:
    """The reads every collection has: one row by code (locked for a change) and a filtered,
    paged list, both from the same SELECT on `t`.

    `filters`: keyword -> an SQL condition with a %(keyword)s placeholder, or (condition,
    transform) when the value is transformed first (a LIKE pattern). A keyword given as None,
    "" or False is no filter. With `owner_column`, `visible_statuses` restricts the list to
    those statuses plus whatever the caller's organisation (`owner_id`) owns."""

    def __init__(self, table, select, filters, *, order="t.code", owner_column=None):
        self.select, self.filters, self.order = select, filters, order
        self.count = f"SELECT count(*) AS n FROM {table} t"
        self.owner_column = owner_column

    def get(self, conn, code, for_update=False):
        lock = " FOR UPDATE OF t" if for_update else ""
        return conn.execute(f"{self.select} WHERE t.code = %(code)s{lock}",
                            {"code": code}).fetchone()

    def list(self, conn, *, visible_statuses=None, owner_id=None, limit, offset, **values):
        where, params = [], {"limit": limit, "offset": offset}
        for keyword, value in values.items():
            condition, transform = _filter(self.filters[keyword])
            if value is not None and value != "" and value is not False:
                where.append(condition)
                params[keyword] = transform(value)
        if visible_statuses is not None:
            params["visible"] = list(visible_statuses)
            if self.owner_column and owner_id:
                params["owner"] = owner_id
                where.append(f"(t.status = ANY(%(visible)s) OR {self.owner_column} = %(owner)s)")
            else:
                where.append("t.status = ANY(%(visible)s)")
        condition = " AND ".join(where) or "true"
        total = conn.execute(f"{self.count} WHERE {condition}", params).fetchone()["n"]
        rows = conn.execute(f"{self.select} WHERE {condition} ORDER BY {self.order} "
                            "LIMIT %(limit)s OFFSET %(offset)s", params).fetchall()
        return rows, total


def _filter(spec):
    return spec if isinstance(spec, tuple) else (spec, lambda value: value)


def contains(text):
    """A LIKE pattern for 'contains text', case-folded like the columns it is used on."""
    return contains_pattern(text.lower())


STATUS = "t.status = %(status)s"


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


