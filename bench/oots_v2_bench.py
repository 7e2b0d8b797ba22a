"""OOTS TDD 2.0 DSD answers, signed, against the same queries answered unsigned in TDD 1.x
(goal: signed 2.0 >= 0.7x unsigned 1.x), with a bare Flask hello under 2 sync gunicorn
workers, in one run, on the catalogue of bench/oots_bench.py (the demo plus a registry office
on each of 2,000 municipalities). The same 4,000 second-step DSD queries; one service with
OOTS_SIGNING_KEY and OOTS_SIGNING_CHAIN set (a P-256 key and a two-certificate chain made
for the run), asked once with `Accept-Version: oots-cs:v2.0` and once without. A signature is
made once per cached answer, so identical answers reuse it. Quiet and while the writes
benchmark's writer works.

    .venv/bin/python bench/oots_v2_bench.py
Needs wrk and a database (DATABASE_URL, else the embedded one); seeds the demo catalogue.
DURATION, CONNECTIONS, WORKERS, RUNS as in bench/writes_bench.py.
"""
import os
import sys
import tempfile
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from bench.harness import gunicorn, lua_paths, print_medians, regmap, wrk  # noqa: E402
from bench.oots_bench import dsd_paths, registry_offices  # noqa: E402
from bench.writes_bench import (  # noqa: E402
    CONNECTIONS,
    DURATION,
    RUNS,
    WORKERS,
    Writer,
    lookups,
)


def signing_files(directory):
    """A P-256 signing key and its chain (signing certificate, root) as PEM files."""
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    from tests.test_oots_signature import certificate_authority
    _, root, leaf, leaf_key = certificate_authority()
    key, chain = Path(directory) / "key.pem", Path(directory) / "chain.pem"
    key.write_bytes(leaf_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    chain.write_bytes(leaf.public_bytes(Encoding.PEM) + root.public_bytes(Encoding.PEM))
    return str(key), str(chain)


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    _, ags_list = lookups(env["DATABASE_URL"])
    ags_list = [a for a in ags_list if a not in ("11000000", "02000000")]
    registry_offices(env["DATABASE_URL"], ags_list)
    script = lua_paths("dsd", dsd_paths(ags_list))
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        orgs = [r[0] for r in conn.execute(
            "SELECT code FROM organisation WHERE code LIKE 'gemeinde-%' ORDER BY md5(code) "
            "LIMIT 500")]
    provider_org = f"gemeinde-{ags_list[-1]}"
    dm = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-dm@regmap.example", "--role", "data_manager",
        env=env)}
    provider = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", f"bench-{provider_org}@regmap.example",
        "--role", "provider_admin", "--org", provider_org, env=env)}
    v2 = {"Accept-Version": "oots-cs:v2.0"}
    runs = {"hello": [], "1.x unsigned": [], "2.0 signed": [],
            "1.x unsigned, with writes": [], "2.0 signed, with writes": []}
    with tempfile.TemporaryDirectory() as directory:
        key, chain = signing_files(directory)
        with gunicorn("bench.hello_app:app", 18395, "/hello", workers=WORKERS,
                      worker_class="sync") as hello, \
                gunicorn("app.wsgi:app", 18396, "/readyz", workers=WORKERS,
                         env={"DATABASE_URL": env["DATABASE_URL"], "OOTS_SIGNING_KEY": key,
                              "OOTS_SIGNING_CHAIN": chain}) as api:
            for headers in ({}, v2):   # every answer computed (and signed) once per worker
                wrk(api, connections=CONNECTIONS, duration="20s", script=script,
                    headers=headers)
            for _ in range(RUNS):
                runs["hello"].append(wrk(f"{hello}/hello", connections=CONNECTIONS,
                                         duration=DURATION))
                for name, headers in (("1.x unsigned", {}), ("2.0 signed", v2)):
                    runs[name].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                          script=script, headers=headers))
                    writer = Writer(api, dm, provider, f"demo-gewerbe-{ags_list[-1]}", orgs)
                    writer.start()
                    runs[f"{name}, with writes"].append(wrk(
                        api, connections=CONNECTIONS, duration=DURATION, script=script,
                        headers=headers))
                    writer.stop.set()
                    writer.join()
    print(f"gunicorn {WORKERS} workers (hello: sync); wrk {CONNECTIONS} connections, "
          f"{DURATION} per run, median of {RUNS}")
    print_medians(runs, "hello")
    print_medians({k: v for k, v in runs.items() if k != "hello"}, "1.x unsigned")


if __name__ == "__main__":
    main()
