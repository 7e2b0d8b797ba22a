"""Recording that an area was succeeded by another (mergers). Only people record these:
the reference data has no dates, and a guessed successor would route evidence wrongly."""
from ..access.actor import system_actor
from ..http.errors import Conflict, ValidationFailed, param_error
from ..record import audit
from . import queries
from .errors import UnknownArea
from .keys import area_key


def add_succession(conn, predecessor, successor, effective_on, recorded_by):
    """`predecessor` is valid until the day before `effective_on`; lookups then follow it
    to `successor`."""
    level, predecessor = area_key(predecessor, "OLD", "argument")
    _, successor = area_key(successor, "NEW", "argument")
    if predecessor == successor:
        raise ValidationFailed("an area cannot succeed itself",
                               errors=[param_error("NEW", "argument", "same as OLD")])
    with audit.write_transaction(conn):
        old = queries.lock_area(conn, predecessor)
        if old is None:
            raise UnknownArea("area", predecessor)
        new = queries.lock_area(conn, successor)
        if new is None:
            raise UnknownArea("area", successor)
        if new["level"] != old["level"]:
            raise ValidationFailed(
                f"{predecessor} is a {old['level']}, {successor} a {new['level']}",
                errors=[param_error("NEW", "argument", f"must be a {old['level']}")])
        existing = queries.successor_of(conn, predecessor)
        if existing:
            raise Conflict(f"{predecessor} already has the successor "
                           f"{existing['successor_key']} (from {existing['effective_on']})")
        if old["last_seen"] and effective_on <= old["last_seen"]:
            raise ValidationFailed(
                f"{predecessor} was still current on {old['last_seen']}",
                errors=[param_error("--date", "argument", f"must be after {old['last_seen']}")])
        if old["valid_from"] and effective_on <= old["valid_from"]:
            raise ValidationFailed(
                f"{predecessor} only became valid on {old['valid_from']}",
                errors=[param_error("--date", "argument",
                                    f"must be after {old['valid_from']}")])
        if new["valid_to"] and effective_on >= new["valid_to"]:
            raise ValidationFailed(
                f"{successor} is no longer valid on {effective_on}",
                errors=[param_error("--date", "argument",
                                    f"must be before {new['valid_to']}")])
        _refuse_cycle(conn, predecessor, successor)
        queries.insert_succession(conn, predecessor, successor, effective_on, recorded_by)
        audit.record(conn, system_actor(recorded_by), "area.succession", "areas", predecessor,
                     after={"predecessor": predecessor, "successor": successor,
                            "effective_on": effective_on})
    return {"predecessor": predecessor, "successor": successor, "effective_on": effective_on}


def _refuse_cycle(conn, predecessor, successor):
    seen, key = {successor}, successor
    while (step := queries.successor_of(conn, key)) is not None:
        key = step["successor_key"]
        if key == predecessor:
            raise Conflict(f"{successor} already leads back to {predecessor}")
        if key in seen:
            break
        seen.add(key)
