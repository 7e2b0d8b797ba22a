"""Bounded concurrency for expensive kinds of work, per process.

A gunicorn gthread worker has a few threads; a kind of request that can hold one for long
(a worst-case search) must never take all of them from the cheap paths (competence answers
from memory, /healthz). A lane admits at most `width` requests at a time. Up to `waiting`
more may wait for a slot (at most `wait_seconds`): a client that waits for its answer sends
no further requests meanwhile, where a refusal at once invites the next one. Beyond that,
a request is refused at once with 503 and Retry-After instead of queueing on a thread.
"""
import threading
from contextlib import contextmanager

from ..http.errors import ServiceUnavailable


class Lane:
    def __init__(self, name, width, waiting=0, wait_seconds=0):
        self.name, self.width = name, width
        self.waiting, self.wait_seconds = waiting, wait_seconds
        self.refusal = f"too many {name} requests at once in this process; try again shortly"
        self._slots = threading.BoundedSemaphore(width)
        self._waiters = 0
        self._waiters_lock = threading.Lock()

    def acquire(self, timeout):
        """A slot, waiting up to `timeout` seconds (False: none came free)."""
        return self._slots.acquire(timeout=timeout)

    def release(self):
        self._slots.release()

    def full(self):
        """Whether a request now would be refused: no slot free and no room to wait (a look,
        not a reservation)."""
        if self._slots.acquire(blocking=False):
            self._slots.release()
            return False
        return self._waiters >= self.waiting

    @contextmanager
    def admitted(self):
        if not self._slots.acquire(blocking=False) and not self._wait():
            raise ServiceUnavailable(self.refusal, retry_after=1)
        try:
            yield
        finally:
            self._slots.release()

    def _wait(self):
        with self._waiters_lock:
            if self._waiters >= self.waiting:
                return False
            self._waiters += 1
        try:
            return self._slots.acquire(timeout=self.wait_seconds)
        finally:
            with self._waiters_lock:
                self._waiters -= 1
