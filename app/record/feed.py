"""Following the change feed from a cursor: what every in-process cache that is brought
forward change by change reads (the competence index, the permission index, the area
answers). One rule for when following is not possible, so every cache rebuilds alike."""
from . import queries
from .replica import replica_behind


def changes_since(conn, cursor, limit):
    """The changes after `cursor` (feed position, audit id), oldest first; None when the
    cache cannot follow them: a gap (the cursor's position was rolled back or is unknown) or
    more than `limit` changes. A replica that has not replayed the cursor yet has nothing
    new (the cache read up to there from the primary)."""
    position, audit_id = cursor
    if replica_behind(conn, position):
        return []
    if position and queries.audit_id_at(conn, position) != audit_id:
        return None
    changes = queries.changes_after(conn, position, limit + 1)
    return None if len(changes) > limit else changes


def cursor_after(cursor, changes):
    """The cursor once `changes` (from changes_since) are applied."""
    return (changes[-1]["position"], changes[-1]["id"]) if changes else cursor


def cursor_now(conn):
    """Where a cache built now starts following: read before its data, so a change
    committed meanwhile is applied again (harmless), never skipped."""
    return queries.feed_cursor(conn)
