"""Fixed-window counts for the rate limit: in this process, or shared through a `limits`
storage (Redis). A window starts with a key's first hit and lasts the limit's period, as the
`limits` library counts; both give `hit(limit, key) -> (allowed, ends_at, remaining)`.

The in-process count is our own because it is on every API answer, the routing service's
hot path included: the `limits` memory storage took two calls, three locks and an expiry
thread per request, about 40 % of a competence answer in front of Flask.
"""
import threading
import time

from limits.strategies import FixedWindowRateLimiter

# Ended windows are swept out when this many keys are held; the next sweep waits until the
# table has doubled, so a sweep costs O(1) per hit on average.
SWEEP_AT_KEYS = 10_000


class MemoryWindows:
    def __init__(self, clock=time.time):
        self._windows = {}   # (key, amount, seconds) -> [ends_at, count]
        self._lock = threading.Lock()
        self._sweep_at = SWEEP_AT_KEYS
        self._clock = clock

    def hit(self, limit, key):
        now = self._clock()
        slot = (key, limit.amount, limit.get_expiry())
        with self._lock:
            window = self._windows.get(slot)
            if window is None or window[0] <= now:
                if len(self._windows) >= self._sweep_at:
                    self._sweep(now)
                window = self._windows[slot] = [now + slot[2], 0]
            allowed = window[1] < limit.amount
            if allowed:
                window[1] += 1
            return allowed, window[0], limit.amount - window[1]

    def _sweep(self, now):
        self._windows = {slot: w for slot, w in self._windows.items() if w[0] > now}
        self._sweep_at = max(SWEEP_AT_KEYS, 2 * len(self._windows))

    def __len__(self):
        return len(self._windows)


class SharedWindows:
    """Every process of every instance counts in one storage."""

    def __init__(self, storage):
        self._limiter = FixedWindowRateLimiter(storage)

    def hit(self, limit, key):
        allowed = self._limiter.hit(limit, key)
        ends_at, remaining = self._limiter.get_window_stats(limit, key)
        return allowed, ends_at, remaining
