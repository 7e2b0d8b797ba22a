"""Dates are Europe/Berlin calendar days; validity is half-open [valid_from, valid_to)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_today():
    return datetime.now(BERLIN).date()


def parse_iso_date(text):
    """A strict YYYY-MM-DD date, or ValueError."""
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError("expected a date as YYYY-MM-DD")
    return date.fromisoformat(text)
