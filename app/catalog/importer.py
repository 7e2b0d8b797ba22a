"""Bulk import of offers from CSV (`regmap offers import`, `POST /offers/import`): the
thousands of municipal offers a Land delivers at once. Every row is checked (syntax,
references, overlaps within the file and with active offers); then all rows are written in
one transaction, or none."""
import json

import marshmallow as ma

from ..http.api import strict_json_loads
from ..http.csv_input import read_rows
from ..http.errors import ValidationFailed, flatten_messages, param_error
from .collection import MAX_REPORTED_ERRORS
from .offers import offers
from .schemas import OfferCreateSchema

COLUMNS = ("provider", "evidence_type", "areas", "service_id", "endpoint_url", "valid_from",
           "valid_to", "connection_parameters", "environment")
REQUIRED = ("provider", "evidence_type", "areas", "service_id", "endpoint_url")
MAX_ROWS = 50_000


def parse(text):
    """(row number, raw dict) per data row (the shared CSV reader, offers' columns)."""
    return read_rows(text, columns=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)


def _row_body(raw):
    body = {k: v.strip() for k, v in raw.items() if k in COLUMNS and v and v.strip()}
    if "areas" in body:
        body["areas"] = body["areas"].replace(";", " ").split()
    if "connection_parameters" in body:
        try:
            body["connection_parameters"] = strict_json_loads(body["connection_parameters"])
        except json.JSONDecodeError:
            body["connection_parameters"] = "not JSON"
    return body


def _bodies(rows):
    """(label, body) of every row the offer schema accepts, and the errors of the others."""
    schema = OfferCreateSchema()
    errors, loaded = [], []
    for line, raw in rows:
        if None in raw:
            errors.append(param_error(f"row {line}", "body", "too many columns"))
            continue
        try:
            loaded.append((f"row {line}", schema.load(_row_body(raw))))
        except ma.ValidationError as exc:
            errors += [param_error(f"row {line}: {field}", "body", detail)
                       for field, detail in flatten_messages(exc.messages)]
    return loaded, errors


def import_offers(conn, actor, text, *, dry_run=False):
    """Every row goes through the offers' own bulk verb (same preparation, references,
    validity and overlap rule as a single offer), after the file's syntax is checked."""
    loaded, errors = _bodies(parse(text))
    labels = [label for label, _ in loaded]
    bodies = [body for _, body in loaded]
    try:
        # Rows the schema refused already fail the import: check the others, write nothing.
        rows = offers.submit_many(conn, actor, bodies, labels=labels,
                                  dry_run=dry_run or bool(errors))
    except ValidationFailed as problem:
        raise _failed(errors + problem.errors,
                      len(errors) + problem.extensions["error_count"]) from None
    if errors:
        raise _failed(errors, len(errors))
    return {"dry_run": dry_run, "rows": len(rows),
            "created": [] if dry_run else [r["code"] for r in rows]}


def _failed(errors, count):
    errors = sorted(errors, key=lambda e: _row_number(e["name"]))
    return ValidationFailed(f"{count} problem(s) in the file; nothing was imported",
                            errors=errors[:MAX_REPORTED_ERRORS], error_count=count)


def _row_number(name):
    digits = name.split(":")[0].removeprefix("row ")
    return int(digits) if digits.isdigit() else 0
