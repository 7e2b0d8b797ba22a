"""CSV files people upload (offer imports, curated postcode pairs): strictly UTF-8, a known
header, bounded size. One reader, so every import refuses the same things the same way."""
import csv
import io

from .errors import InvalidParameter, ValidationFailed, param_error


def decode(data):
    """The CSV file as text: UTF-8 (with or without BOM), strictly. Another encoding is a 400
    naming the line, never silently replaced characters."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InvalidParameter("body", "body", f"line {line} is not UTF-8 (byte "
                               f"0x{data[exc.start]:02x}); save the file as UTF-8") from None


def read_rows(text, *, columns, required, max_rows):
    """(line number, raw dict) per data row; a wrong header is one error for the file."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        rows = list(enumerate(reader, start=2))
    except csv.Error as exc:
        raise ValidationFailed(f"not a readable CSV file: {exc}", errors=[
            param_error("body", "body", f"line {reader.line_num}: {exc}")]) from None
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in columns]
    if missing or unknown:
        raise ValidationFailed("the CSV header is not as expected", errors=[
            param_error("header", "body", f"missing columns: {', '.join(missing)}"
                        if missing else f"unknown columns: {', '.join(unknown)}")],
            expected_columns=list(columns))
    if len(rows) > max_rows:
        raise ValidationFailed(f"at most {max_rows} rows per import")
    return rows
