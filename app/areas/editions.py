"""A new edition of the Gemeindeverzeichnis as a reviewable change set (`regmap areas import
FILE`, `POST /area-imports`): the edition is parsed and compared with the areas in force — keys
added, removed, renamed, ARS changed — and nothing changes until a data manager has
confirmed the successions the edition cannot tell by itself (it lists keys, not who succeeded
whom) and approved. Approval applies the edition, records the successions and the edition
(so that a later seed never turns the areas back). What it means for offers (which offers a
change touches, offers following their successor) is the catalogue's part:
catalog/area_imports.py, which calls these functions.
"""
from datetime import date

from ..http.errors import (
    Conflict,
    InvalidParameter,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
    param_error,
)
from ..record import audit
from ..values.identifiers import new_code
from . import gv100ad, queries
from .keys import municipality_key

SOURCE = "destatis-gv100ad-{edition}"


def document(row):
    return {"code": row["code"], "edition": row["edition"],
            "previous_edition": row["previous_edition"], "status": row["status"],
            "preview": row["preview"], "successions": row["successions"],
            "created_by": row["created_by"], "decided_by": row["decided_by"],
            "reason": row["reason"], "version": row["version"],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def get(conn, code, for_update=False):
    row = queries.get_area_import(conn, code, for_update)
    if row is None:
        raise NotFound("area import", code)
    return row


def listing(conn, window):
    """(change sets, total), newest first."""
    return queries.list_area_imports(conn, **window)


def propose(conn, actor, text):
    """Parse the edition, compute what it changes; a pending change set (one at a time)."""
    previous = queries.current_edition(conn)
    if previous is None:
        raise Conflict("no edition of the Gemeindeverzeichnis is loaded yet: run regmap seed")
    try:
        edition, rows = gv100ad.parse(text, SOURCE.format(edition="pending"))
    except gv100ad.NotAnEdition as exc:
        raise ValidationFailed(f"not a GV100AD edition: {exc}", errors=[
            param_error("body", "body", str(exc))]) from None
    if edition <= previous:
        raise Conflict(f"the edition of {edition} is not newer than the one in force "
                       f"({previous})")
    rows = [(*r[:14], SOURCE.format(edition=edition.isoformat()), *r[15:]) for r in rows]
    with audit.write_transaction(conn):
        if queries.pending_area_import(conn):
            raise Conflict("another area import awaits a decision; approve, reject or "
                           "withdraw it first")
        preview = _preview(conn, rows, edition)
        row = queries.insert_area_import(conn, {
            "code": new_code("gv"), "edition": edition, "previous_edition": previous,
            "rows": [list(r) for r in rows], "preview": preview,
            "created_by": actor.label})
        audit.record(conn, actor, "areas.import-propose", "areas", row["code"],
                     version=row["version"], after=_summary(row))
        return row


def _preview(conn, rows, edition):
    """Keys added, removed, renamed and re-parented (ARS), and suggested successors (added
    keys in the same Kreis) for removed municipalities."""
    current = {r["key"]: r for r in queries.current_areas(conn, edition)}
    new = {r[0]: r for r in rows}
    added = sorted(k for k in new if k not in current)
    removed = sorted(k for k in current if k not in new)
    renamed = sorted(k for k in new if k in current and new[k][3] != current[k]["name"])
    ars_changed = sorted(k for k in new if k in current and new[k][1] == "municipality"
                         and new[k][2] != current[k]["ars"])

    def area(key, row=None):
        level, name = (row[1], row[3]) if row else (current[key]["level"], current[key]["name"])
        return {"key": key, "level": level, "name": name}

    suggestions = {}
    for key in removed:
        if current[key]["level"] == "municipality":
            suggestions[key] = [k for k in added if new[k][1] == "municipality"
                                and k[:5] == key[:5]]
    return {
        "added": [area(k, new[k]) for k in added],
        "removed": [area(k) for k in removed],
        "renamed": [{**area(k, new[k]), "before": current[k]["name"]} for k in renamed],
        "ars_changed": [{"key": k, "before": current[k]["ars"], "after": new[k][2]}
                        for k in ars_changed],
        "suggested_successors": suggestions,
    }


def _summary(row):
    preview = row["preview"]
    return {"edition": row["edition"], "previous_edition": row["previous_edition"],
            **{k: len(preview[k]) for k in ("added", "removed", "renamed", "ars_changed")},
            "successions": row["successions"]}


def confirm(conn, actor, code, successions, expected_version):
    """The successions a data manager confirms for this change set (replacing any before):
    each predecessor a municipality the edition removes, each successor one it lists, the
    day within the two editions or none (then lookups between them ask for more)."""
    with audit.write_transaction(conn):
        row = get(conn, code, for_update=True)
        _check_open(row, expected_version)
        checked = _checked_successions(row, successions)
        after = queries.update_area_import(conn, row["id"], successions=checked)
        audit.record(conn, actor, "areas.import-confirm", "areas", code,
                     version=after["version"], before={"successions": row["successions"]},
                     after={"successions": checked})
        return after


def _check_open(row, expected_version):
    if row["status"] != "pending":
        raise Conflict(f"area import '{row['code']}' is {row['status']}")
    if expected_version is not None and expected_version != row["version"]:
        raise PreconditionFailed(f"area import '{row['code']}' changed since you looked at "
                                 "it; GET it again", current_version=row["version"])


def _checked_successions(row, successions):
    removed = {a["key"] for a in row["preview"]["removed"] if a["level"] == "municipality"}
    listed = {r[0] for r in row["rows"] if r[1] == "municipality"}
    checked, errors, seen = [], [], set()
    for n, item in enumerate(successions or []):
        where = f"successions[{n}]"
        if not isinstance(item, dict):
            errors.append(param_error(where, "body", "an object"))
            continue
        predecessor, successor = item.get("predecessor"), item.get("successor")
        try:
            municipality_key(predecessor, f"{where}.predecessor", "body")
            municipality_key(successor, f"{where}.successor", "body")
        except InvalidParameter as problem:  # collected as this item's error
            errors += problem.errors
            continue
        if predecessor not in removed:
            errors.append(param_error(f"{where}.predecessor", "body",
                                      f"{predecessor} is not a municipality this edition "
                                      "removes"))
        if successor not in listed:
            errors.append(param_error(f"{where}.successor", "body",
                                      f"{successor} is not a municipality of this edition"))
        day = item.get("effective_on")
        if day is not None:
            try:  # a date from the API's schema, a string from the web form
                day = date.fromisoformat(day) if isinstance(day, str) else \
                    day if isinstance(day, date) else None
            except ValueError:
                day = None
            if day is None or not row["previous_edition"] < day <= row["edition"]:
                errors.append(param_error(
                    f"{where}.effective_on", "body",
                    f"a date after {row['previous_edition']} and on or before "
                    f"{row['edition']}, or null when it is not known"))
        if (predecessor, successor) in seen:
            errors.append(param_error(where, "body", "given twice"))
        seen.add((predecessor, successor))
        checked.append({"predecessor": predecessor, "successor": successor,
                        "effective_on": day.isoformat() if isinstance(day, date) else None})
    if errors:
        raise ValidationFailed("successions: " + errors[0]["detail"], errors=errors)
    return checked


def decide(conn, actor, code, expected_version, *, approve, reason=None, after_apply=None):
    """Approve (apply the edition) or reject the change set as it was reviewed.
    `after_apply(conn, actor, row)`: what the layers above do in the same transaction once the
    edition is in force (the catalogue: offers follow successors); its result is audited."""
    with audit.write_transaction(conn):
        row = get(conn, code, for_update=True)
        _check_open(row, expected_version)
        if not approve:
            after = queries.decide_area_import(conn, row["id"], "rejected", actor.label,
                                               reason)
            audit.record(conn, actor, "areas.import-reject", "areas", code,
                         version=after["version"], after=_summary(after), reason=reason)
            return after
        _apply(conn, actor, row)
        consequences = after_apply(conn, actor, row) if after_apply else None
        after = queries.decide_area_import(conn, row["id"], "approved", actor.label, reason)
        audit.record(conn, actor, "areas.import-approve", "areas", code,
                     version=after["version"], after={**_summary(after),
                                                      "consequences": consequences},
                     reason=reason)
        return after


def withdraw(conn, actor, code):
    with audit.write_transaction(conn):
        row = get(conn, code, for_update=True)
        _check_open(row, None)
        after = queries.decide_area_import(conn, row["id"], "withdrawn", actor.label, None)
        audit.record(conn, actor, "areas.import-withdraw", "areas", code,
                     version=after["version"], after=_summary(after))
        return after


def _apply(conn, actor, row):
    """The edition in force: areas merged (removed keys retired, last seen in the previous
    edition), successions recorded, new keys dated, the edition recorded."""
    edition, previous = row["edition"], row["previous_edition"]
    queries.create_stage_tables(conn)
    queries.copy_rows(conn, "area_stage", queries.AREA_STAGE_COLUMNS,
                      [tuple(r) for r in row["rows"]])
    queries.merge_areas(conn, retired_by=edition)
    queries.drop_stage_tables(conn)
    removed = [a["key"] for a in row["preview"]["removed"]]
    queries.mark_last_seen(conn, removed, previous)
    source = f"area import {row['code']} (GV100AD {edition}), confirmed by {actor.label}"
    queries.merge_successions(
        conn, [(s["predecessor"], s["successor"],
                date.fromisoformat(s["effective_on"]) if s["effective_on"] else None, source)
               for s in row["successions"]],
        [a["key"] for a in row["preview"]["added"] if a["level"] == "municipality"],
        first_listed=edition)
    queries.record_edition(conn, edition, SOURCE.format(edition=edition.isoformat()),
                           row["code"])


def unambiguous_successors(row):
    """{removed key: its one confirmed successor} (a split is never followed)."""
    from_key = {}
    for s in row["successions"]:
        from_key.setdefault(s["predecessor"], []).append(s["successor"])
    return {k: v[0] for k, v in from_key.items() if len(v) == 1}
