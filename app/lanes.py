"""Bounded concurrency for expensive kinds of work, per process.

A gunicorn gthread worker has a few threads; a kind of request that can hold one for long
(a worst-case search) must never take all of them from the cheap paths (competence answers
from memory, /healthz). A lane admits at most `width` requests at a time; one more is
refused at once with 503 and Retry-After instead of queueing on a thread.
"""
import threading
from contextlib import contextmanager

from .errors import ServiceUnavailable


class Lane:
    def __init__(self, name, width):
        self.name, self.width = name, width
        self.refusal = f"too many {name} requests at once in this process; try again shortly"
        self._slots = threading.BoundedSemaphore(width)

    def acquire(self, timeout):
        """A slot, waiting up to `timeout` seconds (False: none came free)."""
        return self._slots.acquire(timeout=timeout)

    def release(self):
        self._slots.release()

    def full(self):
        """Whether no slot is free right now (a look, not a reservation)."""
        if not self._slots.acquire(blocking=False):
            return True
        self._slots.release()
        return False

    @contextmanager
    def admitted(self):
        if not self._slots.acquire(blocking=False):
            raise ServiceUnavailable(self.refusal, retry_after=1)
        try:
            yield
        finally:
            self._slots.release()
