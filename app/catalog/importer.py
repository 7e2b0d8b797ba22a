"""Bulk import of offers from CSV (`regmap offers import`, `POST /offers/import`): the
thousands of municipal offers a Land delivers at once. Every row is checked (syntax,
references, overlaps within the file and with active offers) before anything is written;
then all rows are written in one transaction, or none."""
import csv
import io
import json

import marshmallow as ma

from ..errors import ValidationFailed, flatten_messages, param_error
from ..governance import audit
from ..governance.secrets import new_code
from . import queries
from .offers import offers
from .schemas import OfferCreateSchema

COLUMNS = ("provider", "evidence_type", "areas", "service_id", "endpoint_url", "valid_from",
           "valid_to", "connection_parameters")
REQUIRED = ("provider", "evidence_type", "areas", "service_id", "endpoint_url")
MAX_ROWS = 50_000
MAX_REPORTED_ERRORS = 200


def _periods_overlap(a_from, a_to, b_from, b_to):
    return (a_to is None or b_from is None or b_from < a_to) and \
           (b_to is None or a_from is None or a_from < b_to)


def parse(text):
    """(row number, raw dict) per data row; a wrong header is one error for the file."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        rows = list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise ValidationFailed(f"not a readable CSV file: {exc}", errors=[
            param_error("body", "body", f"line {reader.line_num}: {exc}")]) from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise ValidationFailed("the CSV header is not as expected", errors=[
            param_error("header", "body", f"missing columns: {', '.join(missing)}"
                        if missing else f"unknown columns: {', '.join(unknown)}")],
            expected_columns=list(COLUMNS))
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(f"at most {MAX_ROWS} rows per import")
    return rows


def _row_body(raw):
    body = {k: v.strip() for k, v in raw.items() if k in COLUMNS and v and v.strip()}
    if "areas" in body:
        body["areas"] = body["areas"].replace(";", " ").split()
    if "connection_parameters" in body:
        try:
            body["connection_parameters"] = json.loads(body["connection_parameters"])
        except json.JSONDecodeError:
            body["connection_parameters"] = "not JSON"
    return body


def check(conn, text):
    """Validated offer values per row, or a 422 listing every row's errors."""
    rows = parse(text)
    schema = OfferCreateSchema()
    errors, loaded = [], []
    for line, raw in rows:
        if None in raw:
            errors.append(param_error(f"row {line}", "body", "too many columns"))
            continue
        try:
            loaded.append((line, schema.load(_row_body(raw))))
        except ma.ValidationError as exc:
            errors += [param_error(f"row {line}: {field}", "body", detail)
                       for field, detail in flatten_messages(exc.messages)]
    providers = queries.status_by_code(conn, "organisation", {d["provider"] for _, d in loaded
                                                              if "provider" in d})
    types = queries.status_by_code(conn, "evidence_type", {d["evidence_type"]
                                                           for _, d in loaded})
    areas = queries.existing_area_keys(conn, {k for _, d in loaded for k in d["areas"]})
    values = []
    for line, data in loaded:
        row_errors = []
        if "provider" not in data:
            row_errors.append(("provider", "required"))
        elif data["provider"] not in providers:
            row_errors.append(("provider", f"unknown code '{data['provider']}'"))
        et = types.get(data["evidence_type"])
        if et is None or et["status"] != "active":
            row_errors.append(("evidence_type", f"unknown or retired '{data['evidence_type']}'"))
        row_errors += [("areas", f"unknown area key '{k}'") for k in data["areas"]
                       if k not in areas]
        if data.get("valid_from") and data.get("valid_to") \
                and data["valid_from"] >= data["valid_to"]:
            row_errors.append(("valid_to", "must be after valid_from"))
        if row_errors:
            errors += [param_error(f"row {line}: {f}", "body", d) for f, d in row_errors]
            continue
        values.append((line, {
            "code": new_code("off"), "provider_id": providers[data["provider"]]["id"],
            "evidence_type_id": et["id"], "areas": sorted(set(data["areas"])),
            "service_id": data["service_id"], "endpoint_url": data["endpoint_url"],
            "connection_parameters": data.get("connection_parameters") or {},
            "valid_from": data.get("valid_from"), "valid_to": data.get("valid_to"),
            "status": "active", "illustrative": False}))
    # Serialise with other writers of these evidence types before looking for overlaps.
    for type_id in sorted({v["evidence_type_id"] for _, v in values}):
        queries.lock_offers_of_evidence_type(conn, type_id)
    errors += _overlaps(conn, values)
    if errors:
        raise ValidationFailed(
            f"{len(errors)} problem(s) in the file; nothing was imported",
            errors=errors[:MAX_REPORTED_ERRORS], error_count=len(errors))
    return values


def _overlaps(conn, values):
    """Two rows, or a row and an active offer, for the same evidence type and area key in
    overlapping periods."""
    errors, seen = [], {}
    existing = queries.active_offer_periods(
        conn, {v["evidence_type_id"] for _, v in values},
        {k for _, v in values for k in v["areas"]})
    for offer in existing:
        seen.setdefault((offer["evidence_type_id"], offer["area_key"]), []).append(
            (f"offer {offer['code']}", offer["valid_from"], offer["valid_to"]))
    for line, v in values:
        for key in v["areas"]:
            slot = seen.setdefault((v["evidence_type_id"], key), [])
            for other, other_from, other_to in slot:
                if _periods_overlap(v["valid_from"], v["valid_to"], other_from, other_to):
                    errors.append(param_error(f"row {line}: areas", "body",
                                              f"{key} is covered by {other} in an "
                                              "overlapping period"))
                    break
            slot.append((f"row {line}", v["valid_from"], v["valid_to"]))
    return errors


def import_offers(conn, actor, text, *, dry_run=False):
    with audit.write_transaction(conn):
        # The overlap check and the writes share one transaction and the per-type locks.
        values = check(conn, text)
        if dry_run:
            return {"dry_run": True, "rows": len(values), "created": []}
        for _, v in values:
            offers.insert(conn, v)
        codes = [v["code"] for _, v in values]
        audit.record_created(conn, actor, offers.what, offers.name,
                             [offers.full_document(r)
                              for r in queries.offers_by_codes(conn, codes)])
    return {"dry_run": False, "rows": len(values), "created": codes}

