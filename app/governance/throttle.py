"""Failed sign-ins are throttled per e-mail address, so passwords cannot be guessed quickly.

Kept in process memory: each gunicorn worker counts on its own, which bounds guessing at
(workers x MAX_FAILURES) per window. Good enough against online guessing; a shared store
would be needed for exact limits.
"""
import threading
import time

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60

_lock = threading.Lock()
_failures = {}


def retry_after(key, now=None):
    """Seconds to wait before `key` may try again, or 0."""
    now = now or time.monotonic()
    with _lock:
        recent = [t for t in _failures.get(key, []) if now - t < WINDOW_SECONDS]
        _failures[key] = recent
        if len(recent) < MAX_FAILURES:
            return 0
        return int(WINDOW_SECONDS - (now - recent[0])) + 1


def failed(key, now=None):
    with _lock:
        _failures.setdefault(key, []).append(now or time.monotonic())


def succeeded(key):
    with _lock:
        _failures.pop(key, None)
