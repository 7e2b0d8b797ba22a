"""Searches run in a process of their own, at a lower CPU priority.

A worst-case search is tens to hundreds of milliseconds of Python. Inside a gunicorn worker
it holds the interpreter lock that the competence answers of the same worker need, and the
kernel cannot tell it from them. In a child process, niced, it never shares a lock with the
fast path and only gets the CPU the fast path leaves: under load, searches get slower (and
run into their time budget, a 503), competence answers do not.

One child per worker process, started on the first search (spawn: nothing of the threaded
parent is copied); a child whose parent is gone ends itself, and a parent ends its child
when it exits (gunicorn's worker_exit, the interpreter's exit), so a stop prints nothing.
"""
import atexit
import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import sys
import threading

from ..http.errors import ServiceUnavailable

NICENESS = 10
# Longer than the search's own time budget: past it, the child is considered stuck.
STUCK_AFTER_SECONDS = 10
_pool = None
_pool_lock = threading.Lock()


def _child_start(parent_pid):
    os.nice(NICENESS)
    # Ctrl-C is the parent's to handle. The child was born with SIGINT blocked (see
    # _deaf_to_ctrl_c): ignoring it discards one that came while it started, then unblock.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def watch_parent():
        while os.getppid() == parent_pid:
            threading.Event().wait(1)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()


@contextlib.contextmanager
def _main_not_rerun():
    """A spawned child re-runs the parent's __main__ file; an application embedded in a
    script read from standard input (`python - <<EOF`) has none to re-run ('<stdin>'), and
    the search child needs nothing of it: hidden while the child starts."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    hide = path is not None and getattr(main, "__spec__", None) is None \
        and not os.path.isfile(path)
    if hide:
        del main.__file__
    try:
        yield
    finally:
        if hide:
            main.__file__ = path


@contextlib.contextmanager
def _deaf_to_ctrl_c():
    """A Ctrl-C reaches the whole process group, the child too, and a child still importing
    the application would print a KeyboardInterrupt traceback. A child inherits the signal
    mask of the thread that spawns it: SIGINT stays blocked in this thread while the child
    starts (any thread may do this; the signal goes to the others meanwhile)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _get_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_start, initargs=(os.getpid(),))
            with _main_not_rerun(), _deaf_to_ctrl_c():
                _pool.submit(os.getpid)  # the child starts now, while __main__ is hidden
        return _pool


def _discard_pool(pool):
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    children = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        child.kill()


def prestart():
    """Start this worker's search process now, in the background: importing the application
    takes it about a second, which the first search should not wait for."""
    _get_pool()


def run(function, *args):
    """function(*args) in the search process. The function answers ("ok", value) or
    ("unavailable", detail, retry_after); the latter becomes a 503 here (exceptions of our
    own are not sent across the process boundary)."""
    pool = _get_pool()
    try:
        answer = pool.submit(function, *args).result(timeout=STUCK_AFTER_SECONDS)
    except (concurrent.futures.TimeoutError, concurrent.futures.process.BrokenProcessPool):
        _discard_pool(pool)
        raise ServiceUnavailable("the search process did not answer; try again shortly",
                                 retry_after=5) from None
    return unwrap(answer)


def unwrap(answer):
    if answer[0] == "unavailable":
        raise ServiceUnavailable(answer[1], retry_after=answer[2])
    return answer[1]


def stop():
    """End this process's search child (tests, shutdown)."""
    with _pool_lock:
        pool = _pool
    if pool is not None:
        _discard_pool(pool)


atexit.register(stop)
