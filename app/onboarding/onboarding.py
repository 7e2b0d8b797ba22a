"""Onboarding records (Anbindungsvorhaben): an organisation connecting to NOOTS in
one environment - as provider of a register or an evidence type, or as consumer for a
service - with its state, dated milestones, a target date and notes.

Data managers write them (the Anbindungsbegleitung); the organisation reads its own, and
overseers all. Whether the organisation is connected is derived where regmap knows it (an
active offer of the provider, an active permission of the consumer in that environment) and
taken from the `connected_on` milestone where it does not.
"""
from datetime import date

from ..access.environments import ENVIRONMENTS
from ..access.policy import own_records_only
from ..catalog.collection import Collection
from ..catalog.references import filter_id
from ..catalog.rules import environment, illustrative
from ..http.conventions import csv_text
from ..http.errors import ValidationFailed, param_error
from ..values.dates import berlin_today
from ..values.identifiers import new_code
from . import queries

MILESTONES = ("first_contact_on", "evidence_specified_on", "readiness_checked_on",
              "connected_on")


class Onboarding(Collection):
    name, what, table = "onboarding", "onboarding record", "onboarding"
    public_statuses = ()  # the organisation itself and overseers only (owner_id)

    def load(self, conn, code, for_update=False):
        return queries.get_onboarding(conn, code, for_update)

    def owner_id(self, row):
        return row["organisation_id"]

    def document(self, row, actor):
        doc = {k: row[k] for k in (
            "code", "organisation", "organisation_name", "role", "register", "evidence_type",
            "service", "environment", "state", *MILESTONES, "readiness_result",
            "target_date", "notes", "status", "illustrative", "version", "created_at",
            "updated_at")}
        doc["connected"] = row["connected_in_catalogue"] or row["connected_on"] is not None
        doc["connected_known_from"] = "catalogue" if row["connected_in_catalogue"] else \
            "milestone" if row["connected_on"] is not None else None
        return doc

    def editable(self, row):
        return {k: row[k] for k in ("organisation", "role", "register", "evidence_type",
                                    "service", "environment", "state", *MILESTONES,
                                    "readiness_result", "target_date", "notes", "status")}

    def prepare(self, refs, actor, data, current=None):
        role = data["role"]
        subject = {"register": data.get("register"), "evidence_type": data.get("evidence_type"),
                   "service": data.get("service")}
        if role == "provider" and (subject["service"] or not (
                subject["register"] or subject["evidence_type"])):
            raise _subject_problem("a provider connects a register or an evidence type "
                                   "(not a service)")
        if role == "consumer" and (not subject["service"] or subject["register"]
                                   or subject["evidence_type"]):
            raise _subject_problem("a consumer connects for a service (not a register or "
                                   "evidence type)")
        return {"code": current["code"] if current else (data.get("code")
                                                         or new_code("anb")),
                "organisation_id": refs.id("organisation", data["organisation"],
                                           "organisation"),
                "role": role,
                "register_id": refs.id("register", subject["register"], "register"),
                "evidence_type_id": refs.id("evidence_type", subject["evidence_type"],
                                            "evidence_type"),
                "service_id": refs.id("service", subject["service"], "service"),
                "environment": environment(data, current), "state": data["state"],
                **{m: data.get(m) for m in MILESTONES},
                "readiness_result": data.get("readiness_result"),
                "target_date": data.get("target_date"), "notes": data.get("notes"),
                "status": data.get("status") or (current or {}).get("status") or "active",
                "illustrative": illustrative(data, current)}

    def insert(self, conn, values):
        return queries.insert_onboarding(conn, values)

    def update_row(self, conn, row, values):
        queries.update_onboarding(conn, row["id"], values)

    def list(self, conn, actor, args, window):
        rows, total = queries.list_onboarding(
            conn, organisation_id=filter_id(conn, "organisation", args.get("organisation")),
            register_id=filter_id(conn, "register", args.get("register")),
            evidence_type_id=filter_id(conn, "evidence_type", args.get("evidence_type")),
            service_id=filter_id(conn, "service", args.get("service")),
            role=args.get("role"), environment=args.get("environment"),
            state=args.get("state"), status=args.get("status"),
            only_organisation_id=own_records_only(actor), **window)
        return [self.document(r, actor) for r in rows], total


def _subject_problem(detail):
    return ValidationFailed(detail, errors=[param_error("role", "body", detail)])


onboarding = Onboarding()


# The report's table: these states, in this order, as the status report counts them;
# `planned` and `paused` are shown apart.
REPORT_STATES = ("in_preparation", "running", "completed")
APART_STATES = ("planned", "paused")


def report(conn, today=None):
    """DC/DP counts (distinct organisations) per state and environment - overall, per Land
    of the seat and per federal actor -, the registers without any production offer, and
    progress over time by month."""
    counts = {(r["role"], r["environment"], r["state"]): r["n"]
              for r in queries.onboarding_counts(conn)}
    grouped = {}
    for r in queries.onboarding_counts_by_group(conn):
        grouped.setdefault((r["grouping"], r["key"]), {})[
            (r["role"], r["environment"], r["state"])] = r["n"]
    lands = sorted(key for grouping, key in grouped if grouping == "land")
    names = queries.area_names(conn, lands)
    return {"table": _cells(counts, REPORT_STATES), "apart": _cells(counts, APART_STATES),
            "by_land": [{"land": key, "name": names.get(key),
                         "table": _cells(grouped[("land", key)], REPORT_STATES)}
                        for key in lands],
            "by_federal_actor": [{"organisation": key,
                                  "table": _cells(grouped[("actor", key)], REPORT_STATES)}
                                 for grouping, key in sorted(grouped) if grouping == "actor"],
            "registers_without_production_offer": [
                dict(r) for r in queries.registers_without_production_offer(conn)],
            "progress": progress(queries.onboarding_milestones(conn),
                                 today or berlin_today())}


def _cells(counts, states):
    return [{"state": state, "environment": env,
             "dc": counts.get(("consumer", env, state), 0),
             "dp": counts.get(("provider", env, state), 0)}
            for state in states for env in ENVIRONMENTS]


PROGRESS_MILESTONES = ("first_contact_on", "evidence_specified_on", "readiness_checked_on",
                       "connected_on")


PROGRESS_MONTHS = 120  # at most the last ten years, whatever dates were entered


def progress(records, today):
    """Per month from the first milestone (at most PROGRESS_MONTHS back) to `today`: how many
    distinct organisations (DC, DP) had reached each milestone by the month's end."""
    reached = {}  # (role, milestone) -> {organisation: first day reached}
    for r in records:
        for milestone in PROGRESS_MILESTONES:
            day = r[milestone]
            if day is not None:
                seen = reached.setdefault((r["role"], milestone), {})
                seen[r["organisation_id"]] = min(day, seen.get(r["organisation_id"], day))
    days = [d for seen in reached.values() for d in seen.values()]
    if not days:
        return []
    earliest = max(min(days), date(today.year - PROGRESS_MONTHS // 12, today.month, 1))
    months, month = [], date(earliest.year, earliest.month, 1)
    while month <= today:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        months.append({"month": month.strftime("%Y-%m"), **{
            role_key: {m.removesuffix("_on"): sum(
                d < following for d in reached.get((role, m), {}).values())
                for m in PROGRESS_MILESTONES}
            for role, role_key in (("consumer", "dc"), ("provider", "dp"))}})
        month = following
    return months


CSV_TABLES = ("states", "lands", "actors", "progress")


def report_csv(document, table="states"):
    """One part of the report as CSV: the DC/DP table (planned and paused after it), per
    Land, per federal actor, or progress per month."""
    cells = ("state", "environment", "dc", "dp")
    if table == "states":
        return csv_text(cells, ([row[c] for c in cells]
                                for row in document["table"] + document["apart"]))
    if table in ("lands", "actors"):
        key, group_cells = ("by_land", ("land", "name")) if table == "lands" \
            else ("by_federal_actor", ("organisation",))
        return csv_text(group_cells + cells, ([*(group[c] for c in group_cells),
                                               *(row[c] for c in cells)]
                                              for group in document[key]
                                              for row in group["table"]))
    steps = [m.removesuffix("_on") for m in PROGRESS_MILESTONES]
    return csv_text(["month", *(f"{role}_{step}" for role in ("dc", "dp") for step in steps)],
                    ([m["month"], *(m[role][step] for role in ("dc", "dp") for step in steps)]
                     for m in document["progress"]))
