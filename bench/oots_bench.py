"""The OOTS Data Service Directory query against the JSON competence endpoint (goal: DSD
>= 0.5x JSON), with a bare Flask hello under the same gunicorn settings, in one run, on the
demo catalogue with its birth-certificate sample and, added by this
benchmark through the collections' bulk verb, a registry office (Standesamt) with a birth
certificate offer on each of the 2,000 municipalities the JSON lookups use (place of birth,
for people who lived in Germany), reached through the demo's Intermediäre Plattform.

DSD: 4,000 distinct second-step queries (context and classification given), each
municipality with both classification values: "has lived in Germany" finds its registry
office (200), "never lived in Germany" finds none outside Berlin (DSD:ERR:0001, 404), as the
EU's requesters would see it. JSON: the same 2,000 municipalities x the three evidence types
of the writes benchmark, with a routing token. Each round measures both quiet and while the
writes benchmark's writer works (organisation edits, offer edit proposals and approvals, token
creation at WRITES_PER_SECOND): changes that do not reach OOTS answers keep the DSD's cache.

    .venv/bin/python bench/oots_bench.py
Needs wrk and a database (DATABASE_URL, else the embedded one); seeds the demo catalogue.
DURATION, CONNECTIONS, WORKERS, RUNS as in bench/writes_bench.py.
"""
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Config  # noqa: E402
from app.db.pool import resolve_database_url  # noqa: E402
from app.oots.dsd import QUERY_ID  # noqa: E402
from bench.harness import gunicorn, lua_paths, regmap, wrk  # noqa: E402
from bench.writes_bench import (  # noqa: E402
    CONNECTIONS,
    DURATION,
    RUNS,
    WORKERS,
    WRITES_PER_SECOND,
    Writer,
    lookups,
)

BIRTH = "https://sr.oots.tech.europa.eu/evidencetypeclassifications/DE/" \
        "ca8afed6-2dc0-422a-a931-d21c3d8d370e"
RESIDENCE = "b07146b6-1468-41a7-a10f-ee2a61429dbc"
VALUES = ("ApplicantHasNeverBeenResidentInGermany", "ApplicantHasBeenResidentInGermany")


def dsd_paths(ags_list):
    return ["/rest/search?" + urlencode({
        "queryId": QUERY_ID, "evidence-type-classification": BIRTH, "country-code": "DE",
        "jurisdiction-admin-l3": ags,
        "jurisdiction-context-id": "5ce148b9-5578-4049-aecf-af7bb55714b5", RESIDENCE: value})
        for ags in ags_list for value in VALUES]


def registry_offices(database_url, ags_list):
    """A Standesamt with a birth certificate offer per municipality (once per database)."""
    from app import create_app
    from app.access.actor import system_actor
    from app.catalog.offers import offers
    from app.catalog.organisations import organisations
    from app.db.pool import get_conn
    app = create_app({"DATABASE_URL": database_url, "CACHE_POLL_SECONDS": 0})
    actor = system_actor("bench")
    with app.app_context():
        conn = get_conn()
        missing = [a for a in ags_list if organisations.load(conn, f"bench-sta-{a}") is None]
        if missing:
            organisations.submit_many(conn, actor, [
                {"code": f"bench-sta-{a}", "name": f"Standesamt {a}", "kind": "Standesamt",
                 "seat_ags": a, "status": "active", "illustrative": True,
                 "edelivery_party_id": {"scheme": "urn:cef.eu:names:identifier:EAS:0204",
                                        "value": f"bench-standesamt-{a}"}} for a in missing])
            offers.submit_many(conn, actor, [
                {"code": f"bench-geburt-{a}", "provider": f"bench-sta-{a}",
                 "evidence_type": "geburtsurkunde", "areas": [a],
                 "service_id": f"urn:bench:geburtsurkunde:{a}",
                 "endpoint_url": f"https://standesamt.bench.example/{a}",
                 "access_service": "demo-intermediaere-plattform",
                 "level_of_assurance": "High", "jurisdiction_context": "place-of-birth",
                 "classification": {"countryresidence": [VALUES[1]]}, "status": "active",
                 "illustrative": True} for a in missing])
    app.extensions["regmap.pool"].close()


def main():
    env = dict(os.environ)
    env["DATABASE_URL"] = resolve_database_url(Config.from_env())
    regmap("db", "upgrade", env=env)
    regmap("seed", "--demo", env=env)
    json_script, ags_list = lookups(env["DATABASE_URL"])
    # Berlin and Hamburg have the sample's offices already.
    ags_list = [a for a in ags_list if a not in ("11000000", "02000000")]
    registry_offices(env["DATABASE_URL"], ags_list)
    dsd_script = lua_paths("dsd", dsd_paths(ags_list))
    routing = {"Authorization": "Bearer " + regmap(
        "token", "create", "--email", "bench-routing@regmap.example", "--role", "routing",
        env=env)}
    # The writes benchmark's writer: organisation edits, offer edit proposals and approvals
    # (of a municipality's Gewerbeanzeige offer), token creation.
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
    results = {"hello": [], "json": [], "dsd": [], "json_writes": [], "dsd_writes": []}
    with gunicorn("bench.hello_app:app", 18393, "/hello", workers=WORKERS) as hello, \
            gunicorn("app.wsgi:app", 18394, "/readyz", workers=WORKERS,
                     env={"DATABASE_URL": env["DATABASE_URL"]}) as api:
        # The DSD's first answers (every query new to each worker: the cache fills up), then
        # warm both: the competence index and the answers of every lookup.
        cold = wrk(api, connections=CONNECTIONS, duration="5s", script=dsd_script)
        wrk(api, connections=CONNECTIONS, duration="20s", script=json_script, headers=routing)
        wrk(api, connections=CONNECTIONS, duration="20s", script=dsd_script)
        for _ in range(RUNS):
            results["hello"].append(wrk(f"{hello}/hello", connections=CONNECTIONS,
                                        duration=DURATION))
            results["json"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                       script=json_script, headers=routing))
            results["dsd"].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                      script=dsd_script))
            for name, script, headers in (("json_writes", json_script, routing),
                                          ("dsd_writes", dsd_script, {})):
                writer = Writer(api, dm, provider, f"demo-gewerbe-{ags_list[-1]}", orgs)
                writer.start()
                results[name].append(wrk(api, connections=CONNECTIONS, duration=DURATION,
                                         script=script, headers=headers))
                writer.stop.set()
                writer.join()
    hello_rps = statistics.median(r["rps"] for r in results["hello"])
    print(f"gunicorn {WORKERS} workers; wrk {CONNECTIONS} connections, {DURATION} per run, "
          f"median of {RUNS}")
    print(f"writes while measuring '… with writes': {WRITES_PER_SECOND}/s, as in "
          "bench/writes_bench.py")
    for name, label in (("hello", "bare Flask hello"), ("json", "JSON competence"),
                        ("dsd", "DSD query (XML)"), ("json_writes", "JSON, with writes"),
                        ("dsd_writes", "DSD, with writes")):
        rps = statistics.median(r["rps"] for r in results[name])
        print(f"{label:<20} {rps:>8.0f} req/s ({rps / hello_rps:4.2f}x hello)  "
              f"p50 {statistics.median(r['p50_ms'] for r in results[name]):6.2f} ms  "
              f"p99 {statistics.median(r['p99_ms'] for r in results[name]):6.2f} ms  "
              f"non-2xx {sum(r['non_2xx'] for r in results[name])}")
    print(f"{'DSD, first 5 s cold':<20} {cold['rps']:>8.0f} req/s  p50 {cold['p50_ms']:6.2f} ms"
          f"  p99 {cold['p99_ms']:6.2f} ms  (answers computed, cache filling)")
    dsd = statistics.median(r["rps"] for r in results["dsd"])
    json_rps = statistics.median(r["rps"] for r in results["json"])
    print(f"DSD / JSON: {dsd / json_rps:4.2f}")
    dsd_w = statistics.median(r["rps"] for r in results["dsd_writes"])
    json_w = statistics.median(r["rps"] for r in results["json_writes"])
    print(f"DSD / JSON, with writes: {dsd_w / json_w:4.2f}")


if __name__ == "__main__":
    main()
