"""Shared by the Python benchmarks: start gunicorn servers, run wrk, read its numbers."""
import os
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


# Benchmarks send thousands of requests a second with one token from one address: the
# limits are set out of reach (the limiter itself still runs on every API answer), unless a
# run measures the shipped limits.
_OUT_OF_REACH = {"RATE_LIMIT_PER_TOKEN": "100000000/second",
                 "RATE_LIMIT_PER_ADDRESS": "100000000/second"}


@contextmanager
def gunicorn(app, port, ready_path, env=None, workers=2, threads=16, default_limits=False,
             worker_class=None):
    """`app` under gunicorn with app/gunicorn_conf.py; `worker_class` overrides its gthread
    (the issues' baseline is a hello under 2 sync workers); `default_limits`: the shipped
    limits."""
    with _serving([str(GUNICORN), "--config", "python:app.gunicorn_conf",
                   "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                   "--access-logfile", "/dev/null", "--no-control-socket",
                   "--log-level", "warning",
                   *(["--worker-class", worker_class] if worker_class else []), app],
                  port, ready_path, {"GUNICORN_THREADS": str(threads),
                                     **({} if default_limits else _OUT_OF_REACH),
                                     **(env or {})}) as base:
        yield base


@contextmanager
def granian(app, port, ready_path, env=None, workers=2, blocking_threads=4):
    """The same as gunicorn() with granian's WSGI interface (a Rust HTTP server)."""
    with _serving([str(GUNICORN.parent / "granian"), "--interface", "wsgi",
                   "--workers", str(workers), "--blocking-threads", str(blocking_threads),
                   "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                   "--log-level", "warning", app],
                  port, ready_path, {**_OUT_OF_REACH, **(env or {})}) as base:
        yield base


@contextmanager
def _serving(command, port, ready_path, env):
    """Run a server command; its base URL once `ready_path` answers below 500."""
    process = subprocess.Popen(command, cwd=ROOT,
                               env={**os.environ, "LOG_LEVEL": "WARNING", **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(base + ready_path, timeout=5).status_code < 500:
                    break
            except requests.RequestException:  # still booting
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def regmap(*args, env):
    """Run a `regmap` command of this checkout's venv; its standard output."""
    return subprocess.run([str(Path(sys.executable).parent / "regmap"), *args], env=env,
                          check=True, capture_output=True, text=True,
                          cwd=ROOT).stdout.strip()


def lua_paths(name, paths):
    """A wrk script cycling through `paths` (from a random start per wrk thread)."""
    script = ROOT / "bench" / "results" / f"{name}.lua"
    script.parent.mkdir(exist_ok=True)
    script.write_text("local paths = {\n" + ",\n".join(f'  "{p}"' for p in paths) + "\n}\n"
                      "local i = math.random(#paths)\nrequest = function()\n"
                      "  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
    return script


def wrk(url, *, connections=8, duration="15s", script=None, threads=2, headers=None):
    """{'rps': float, 'p50_ms': float, 'p99_ms': float, 'non_2xx': int, 'requests': int}"""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency"]
    if script:
        command += ["-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout

    def latency(label):
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": latency("50"), "p99_ms": latency("99"),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def print_medians(runs, baseline, width=36):
    """One line per run name of `runs` ({name: [wrk result per round]}): median req/s (× the
    baseline run's), p50, p99 and the non-2xx count; returns median(name, key)."""
    def median(name, key):
        return statistics.median(r[key] for r in runs[name])
    base = median(baseline, "rps")
    for name in runs:
        rps = median(name, "rps")
        print(f"{name:<{width}} {rps:>8.0f} req/s ({rps / base:4.2f}x)  "
              f"p50 {median(name, 'p50_ms'):6.2f} ms  p99 {median(name, 'p99_ms'):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in runs[name])}")
    return median
