"""WSGI entry point for gunicorn: `gunicorn app.wsgi:app` (never with --preload: the
connection pool must be created in each worker, after the fork)."""
from . import create_app

app = create_app()
