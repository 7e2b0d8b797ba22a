"""SQL for the record: audit entries, change-feed positions, the catalogue version."""
from ..db.pool import jsonb

# Commits that wrote changes are announced on this channel (record/freshness.py listens).
CHANGES_CHANNEL = "regmap_changes"


def insert_audit(conn, *, actor_user_id, actor, action, collection, object_code,
                 object_version, before, after, reason, request_id):
    conn.execute("""
        INSERT INTO audit_log (actor_user_id, actor, action, collection, object_code,
                               object_version, before, after, reason, request_id)
        VALUES (%(uid)s, %(actor)s, %(action)s, %(collection)s, %(code)s, %(version)s,
                %(before)s, %(after)s, %(reason)s, %(rid)s)
    """, {"uid": actor_user_id, "actor": actor, "action": action, "collection": collection,
          "code": object_code, "version": object_version, "before": jsonb(before),
          "after": jsonb(after), "reason": reason, "rid": request_id})


def publish_changes(conn):
    """Give this transaction's audit entries their change-feed positions; the last of them
    (None: nothing to publish). Locking the counter row until commit is what makes positions
    follow commit order."""
    pending = conn.execute("""
        SELECT count(*) AS n FROM audit_log a
        WHERE a.txid = pg_current_xact_id()
          AND NOT EXISTS (SELECT 1 FROM change_feed c WHERE c.audit_id = a.id)
    """).fetchone()["n"]
    if not pending:
        return None
    last = conn.execute("UPDATE change_counter SET position = position + %(n)s "
                        "RETURNING position", {"n": pending}).fetchone()["position"]
    conn.execute("""
        INSERT INTO change_feed (position, audit_id)
        SELECT %(first)s + row_number() OVER (ORDER BY a.id) - 1, a.id FROM audit_log a
        WHERE a.txid = pg_current_xact_id()
          AND NOT EXISTS (SELECT 1 FROM change_feed c WHERE c.audit_id = a.id)
    """, {"first": last - pending + 1})
    # Delivered at commit, never for a rollback: other processes look at the feed then.
    conn.execute("SELECT pg_notify(%(channel)s, %(position)s)",
                 {"channel": CHANGES_CHANNEL, "position": str(last)})
    return last


_AUDIT_COLUMNS = """a.id, a.at, a.actor, a.action, a.collection, a.object_code,
                    a.object_version, a.before, a.after, a.reason, a.request_id"""


def _entry_filters(collection, at_from, until):
    """Conditions on audit entries `a` shared by the audit log and the change feed: one
    collection, and a span of commit times (from inclusive, until exclusive)."""
    where = []
    if collection:
        where.append("a.collection = %(collection)s")
    if at_from:
        where.append("a.at >= %(at_from)s")
    if until:
        where.append("a.at < %(until)s")
    return where


def list_audit(conn, *, actor=None, collection=None, object_code=None, action=None,
               since=None, until=None, newest_first=False, limit, offset):
    where = ["true", *_entry_filters(collection, since, until)]
    if actor:
        where.append("a.actor = %(actor)s")
    if object_code:
        where.append("a.object_code = %(code)s")
    if action:
        where.append("a.action = %(action)s")
    where = " AND ".join(where)
    params = {"actor": actor, "collection": collection, "code": object_code, "action": action,
              "at_from": since, "until": until, "limit": limit, "offset": offset}
    total = conn.execute(f"SELECT count(*) AS n FROM audit_log a WHERE {where}",
                         params).fetchone()["n"]
    order = "a.id DESC" if newest_first else "a.id"
    rows = conn.execute(f"SELECT {_AUDIT_COLUMNS} FROM audit_log a WHERE {where} "
                        f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
                        params).fetchall()
    return rows, total


def list_changes(conn, *, since=0, before=None, newest_first=False, collection=None,
                 at_from=None, until=None, limit):
    """The feed after `since` in commit order, or before `before` newest first; optionally
    one collection and a span of commit times."""
    where = ["c.position > %(since)s", *_entry_filters(collection, at_from, until)]
    if before:
        where.append("c.position < %(before)s")
    order = "c.position DESC" if newest_first else "c.position"
    return conn.execute(f"""
        SELECT c.position, {_AUDIT_COLUMNS} FROM change_feed c
        JOIN audit_log a ON a.id = c.audit_id
        WHERE {" AND ".join(where)} ORDER BY {order} LIMIT %(limit)s
    """, {"since": since, "before": before, "collection": collection, "at_from": at_from,
          "until": until, "limit": limit}).fetchall()


def last_change_position(conn):
    return conn.execute("SELECT position FROM change_counter").fetchone()["position"]


def catalogue_version(conn):
    """(last change-feed position, last audit id): differs after every catalogue write.
    The audit id also tells apart states that rolled back to the same position (tests)."""
    row = conn.execute("SELECT position, (SELECT max(id) FROM audit_log) AS last_audit "
                       "FROM change_counter").fetchone()
    return row["position"], row["last_audit"]


def insert_audit_many(conn, entries):
    """Bulk audit entries (bulk writes): dicts with the arguments of insert_audit."""
    with conn.cursor() as cur:
        cur.executemany("""
            INSERT INTO audit_log (actor_user_id, actor, action, collection, object_code,
                                   object_version, before, after, reason, request_id)
            VALUES (%(actor_user_id)s, %(actor)s, %(action)s, %(collection)s, %(object_code)s,
                    %(object_version)s, %(before)s, %(after)s, %(reason)s, %(request_id)s)
        """, [{**e, "before": jsonb(e.get("before")), "after": jsonb(e.get("after")),
               "reason": e.get("reason"), "request_id": e.get("request_id")} for e in entries])


def feed_cursor(conn):
    """(last change-feed position, its audit entry's id): where a cache built now starts
    following the feed."""
    row = conn.execute("""
        SELECT c.position, f.audit_id FROM change_counter c
        LEFT JOIN change_feed f ON f.position = c.position
    """).fetchone()
    return row["position"], row["audit_id"]


def audit_id_at(conn, position):
    """The audit entry at a feed position (None: no such position, e.g. rolled back)."""
    row = conn.execute("SELECT audit_id FROM change_feed WHERE position = %(p)s",
                       {"p": position}).fetchone()
    return row["audit_id"] if row else None


def changes_after(conn, position, limit):
    """The feed after `position`, in order, with what a cache needs to apply each change."""
    return conn.execute("""
        SELECT c.position, a.id, a.collection, a.action, a.object_code, a.before, a.after
        FROM change_feed c JOIN audit_log a ON a.id = c.audit_id
        WHERE c.position > %(p)s ORDER BY c.position LIMIT %(limit)s
    """, {"p": position, "limit": limit}).fetchall()
