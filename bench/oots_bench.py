"""The OOTS Data Service Directory query against the JSON competence endpoint (issue 15: DSD
>= 0.5x JSON), with a bare Flask hello under the same gunicorn settings, in one run, on the
demo catalogue (its birth-certificate sample, issue 15 item 7).

DSD: 2,000 distinct second-step queries (context and classification given) over
municipalities, half with each classification value: Berlin and Hamburg answer with their
registry office, every other municipality DSD:ERR:0001 (the demo has no other registry
office), as the EU's requesters would see it. JSON: the same 2,000 municipalities x the three
evidence types of the writes benchmark, with a routing token.

    .venv/bin/python bench/oots_bench.py
Needs wrk and a database (DATABASE_URL, else the embedded one); seeds the demo catalogue.
DURATION, CONNECTIONS, WORKERS, RUNS as in bench/writes_bench.py.
"""
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db import resolve_database_url  # noqa: E402
from app.oots.dsd import QUERY_ID  # noqa: E402
from bench.harness import gunicorn, lua_paths, regmap, wrk  # noqa: E402
from bench.writes_bench import CONNECTIONS, DURATION, RUNS, WORKERS, lookups  # noqa: E402

BIRTH = "https://sr.oots.tech.europa.eu/evidencetypeclassifications/DE/" \
        "ca8afed6-2dc0-422a-a931-d21c3d8d370e"
RESIDENCE = "b07146b6-1468-41a7-a10f-ee2a61429dbc"
VALUES = ("ApplicantHasNeverBeenResidentInGermany", "ApplicantHasBeenResidentInGermany")


def dsd_paths(ags_list):
    return ["/rest/search?" + urlencode({
        "queryId": QUERY_ID, "evidence-type-classification": BIRTH, "country-code": "DE",
        "jurisdiction-admin-l3": ags,
        "jurisdiction-context-id": "5ce148b9-5578-4049-aecf-af7bb55714b5",
        RESIDENCE: VALUES[n % 2]})
        for n, ags in enumerate(["11000000", "02000000", *ags_list])]


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    json_script, ags_list = lookups(env["DATABASE_URL"])
    dsd_script = lua_paths("dsd", dsd_paths(ags_list))
    routing = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-routing@regmap.example", "--role", "routing",
        env=env)}
    results = {"hello": [], "json": [], "dsd": []}
    with gunicorn("bench.hello_app:app", 18393, "/hello", workers=WORKERS) as hello, \
            gunicorn("app.wsgi:app", 18394, "/readyz", workers=WORKERS,
                     env={"DATABASE_URL": env["DATABASE_URL"]}) as api:
        # Warm both: the index and the answers of every lookup, the DSD's first queries.
        wrk(api, connections=CONNECTIONS, duration="20s", script=json_script, headers=routing)
        wrk(api, connections=CONNECTIONS, duration="10s", script=dsd_script)
        for _ in range(RUNS):
            results["hello"].append(wrk(f"{hello}/hello", connections=CONNECTIONS,
                                        duration=DURATION))
            results["json"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                       script=json_script, headers=routing))
            results["dsd"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                      script=dsd_script))
    hello_rps = statistics.median(r["rps"] for r in results["hello"])
    print(f"gunicorn {WORKERS} workers; wrk {CONNECTIONS} connections, {DURATION} per run, "
          f"median of {RUNS}")
    for name, label in (("hello", "bare Flask hello"), ("json", "JSON competence"),
                        ("dsd", "DSD query (XML)")):
        rps = statistics.median(r["rps"] for r in results[name])
        print(f"{label:<20} {rps:>8.0f} req/s ({rps / hello_rps:4.2f}x hello)  "
              f"p50 {statistics.median(r['p50_ms'] for r in results[name]):6.2f} ms  "
              f"p99 {statistics.median(r['p99_ms'] for r in results[name]):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in results[name])}")
    dsd = statistics.median(r["rps"] for r in results["dsd"])
    json_rps = statistics.median(r["rps"] for r in results["json"])
    print(f"DSD / JSON: {dsd / json_rps:4.2f}")


if __name__ == "__main__":
    main()
