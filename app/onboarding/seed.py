"""`regmap seed`'s onboarding facts, after the catalogue's (catalog/seed.py): the shipped
Fachsynchronisation status, and with --demo illustrative onboarding records of the demo
authorities. Idempotent like the catalogue seed."""
import json
import logging
from pathlib import Path

from ..catalog.seed import DEMO, organisation_codes, shipped_csv
from . import fachsynchronisation, queries
from .onboarding import onboarding

log = logging.getLogger(__name__)

DEMO_CONNECTIONS = "demo/anbindungen_dc_dp_2025-09.csv"
# The status report's words for states and environments -> regmap's.
_REPORT_STATES = {"in_vorbereitung": "in_preparation", "laufend": "running",
                  "abgeschlossen": "completed"}
_REPORT_ENVIRONMENTS = {"referenzumgebung": "reference", "testumgebung": "test",
                        "produktivumgebung": "production"}


def seed_onboarding(conn, seed_dir, actor):
    counts = {"Fachsynchronisation entries": fachsynchronisation.seed(
        conn, seed_dir, actor, organisation_codes(seed_dir))}
    log.info("seeded onboarding facts: %s", counts)
    return counts


def seed_demo_onboarding(conn, seed_dir, actor):
    """Illustrative onboarding records of demo authorities, one organisation per counted
    connection, so that the DC/DP report equals the status report's table (providers of the
    Meldebescheinigung, consumers for the first demo service). Codes are fixed, so a second
    seed adds nothing."""
    demo = json.loads((Path(seed_dir) / DEMO).read_text(encoding="utf-8"))
    service = demo["services"][0]["code"]
    wanted = []
    for row in shipped_csv(seed_dir, DEMO_CONNECTIONS):
        for role, column in (("consumer", "dc"), ("provider", "dp")):
            wanted += [(role, _REPORT_STATES[row["stand"]],
                        _REPORT_ENVIRONMENTS[row["umgebung"]])] * int(row[column])
    authorities = queries.demo_authority_codes(conn, len(wanted))
    bodies = []
    for n, ((role, state, environment), org) in enumerate(zip(wanted, authorities), 1):
        code = f"demo-anbindung-{n}"
        if onboarding.load(conn, code) is None:
            bodies.append({"code": code, "organisation": org, "role": role, "state": state,
                           "environment": environment, "illustrative": True,
                           **({"evidence_type": "meldebescheinigung"} if role == "provider"
                              else {"service": service})})
    created = len(onboarding.submit_many(conn, actor, bodies)) if bodies else 0
    return {"created": created}
