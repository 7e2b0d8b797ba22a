"""What happened: the append-only audit trail, the change feed in commit order, and the
catalogue version that tells in-process caches when they are stale.

A low layer: it imports no domain package (see ARCHITECTURE.md)."""
