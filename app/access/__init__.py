"""Who is calling and what they may see: roles, the acting `Actor`, token authentication,
role checks on endpoints, and the one policy module every visibility rule lives in.

A low layer: it imports no domain package (see ARCHITECTURE.md)."""
