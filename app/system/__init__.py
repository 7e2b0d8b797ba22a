"""Service basics: liveness, readiness, metrics and the interactive API docs."""
