"""Transition deadlines (Übergangsfristen): per register or evidence type,
the day by which its providers must be connected in production, set by data managers with
its legal source (the NOOTS state treaty, a specialised law).

The providers obliged are the register's keeping organisations (register map) and every
organisation with an active provider onboarding record for it; one is connected when it has
an active production offer of an evidence type the deadline covers. The report names who is
late and who is due within DUE_SOON_DAYS.
"""
from datetime import timedelta

from ..catalog.collection import Collection
from ..catalog.references import filter_id
from ..catalog.rules import illustrative
from ..http.conventions import csv_text
from ..http.errors import ValidationFailed, param_error
from ..values.dates import berlin_today
from ..values.identifiers import new_code
from . import queries

DUE_SOON_DAYS = 90


class Deadlines(Collection):
    name, what, table = "deadlines", "deadline", "deadline"

    def load(self, conn, code, for_update=False):
        return queries.get_deadline(conn, code, for_update)

    def document(self, row, actor):
        return {k: row[k] for k in ("code", "register", "evidence_type", "due_on",
                                    "legal_source", "notes", "status", "illustrative",
                                    "version", "created_at", "updated_at")}

    def editable(self, row):
        return {k: row[k] for k in ("register", "evidence_type", "due_on", "legal_source",
                                    "notes", "status")}

    def prepare(self, refs, actor, data, current=None):
        if (data.get("register") is None) == (data.get("evidence_type") is None):
            detail = "name exactly one of register and evidence_type"
            raise ValidationFailed(detail, errors=[param_error(n, "body", detail)
                                                   for n in ("register", "evidence_type")])
        return {"code": current["code"] if current else (data.get("code")
                                                         or new_code("frist")),
                "register_id": refs.id("register", data.get("register"), "register"),
                "evidence_type_id": refs.id("evidence_type", data.get("evidence_type"),
                                            "evidence_type"),
                "due_on": data["due_on"], "legal_source": data["legal_source"],
                "notes": data.get("notes"),
                "status": data.get("status") or (current or {}).get("status") or "active",
                "illustrative": illustrative(data, current)}

    def insert(self, conn, values):
        return queries.insert_deadline(conn, values)

    def update_row(self, conn, row, values):
        queries.update_deadline(conn, row["id"], values)

    def list(self, conn, actor, args, window):
        rows, total = queries.list_deadlines(
            conn, register_id=filter_id(conn, "register", args.get("register")),
            evidence_type_id=filter_id(conn, "evidence_type", args.get("evidence_type")),
            status=args.get("status"), **window)
        return [self.document(r, actor) for r in rows], total


def report(conn, today=None):
    """Every obliged provider of every active deadline, with its standing: `connected`,
    `late` (not connected, the day has passed), `due` (not connected, within
    DUE_SOON_DAYS) or `open`."""
    today = today or berlin_today()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    rows = []
    for r in queries.deadline_obligations(conn):
        standing = "connected" if r["connected"] else "late" if r["due_on"] < today \
            else "due" if r["due_on"] <= soon else "open"
        rows.append({**{k: r[k] for k in ("deadline", "due_on", "legal_source", "register",
                                          "evidence_type", "organisation",
                                          "organisation_name", "obliged_as")},
                     "standing": standing})
    return {"at": today, "due_within_days": DUE_SOON_DAYS,
            "late": sum(r["standing"] == "late" for r in rows),
            "due": sum(r["standing"] == "due" for r in rows), "providers": rows}


REPORT_COLUMNS = ("deadline", "due_on", "register", "evidence_type", "organisation",
                  "organisation_name", "obliged_as", "standing", "legal_source")


def report_csv(document):
    return csv_text(REPORT_COLUMNS, ([" ".join(row[c]) if c == "obliged_as" else row[c]
                                      for c in REPORT_COLUMNS]
                                     for row in document["providers"]))


deadlines = Deadlines()
