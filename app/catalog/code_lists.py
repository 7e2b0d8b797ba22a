"""The OOTS code lists, per TDD line: the one owner of which codes a coded field may hold and
which codes an answer in a TDD line may name.

Each list of each line ('1.x', '2.0') is shipped with the edition it was taken from
(catalog_seed/catalog/oots_code_lists.csv, loaded by `regmap seed`) and has a revision:
adding a value or removing one moves it on, audited. Removing a value that an active or
pending object still uses is refused (409 naming them), the rule of the OOTS write interface:
a published answer must never name a code its version's list no longer has.

- Writes check a coded field against the union of the lines (`check`): an EU requirement of
  procedure AM1 (2.0 only) is valid; a 1.x answer simply leaves it out.
- Answers read their line's lists (`of_line`) and name only values from them."""
from ..http.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed, param_error
from ..record import audit
from . import oots_codes
from .queries import code_lists as queries

LINES = ("1.x", "2.0")
# The lists, and what each codes.
LISTS = {
    "procedures": "Procedures (Single Digital Gateway Annex II): an EU requirement's "
                  "reference frameworks",
    "levels-of-assurance": "eIDAS levels of assurance: an offer's level_of_assurance",
    "jurisdiction-levels": "the level of the area an offer covers (DSD:ERR:0005)",
    "edm-versions": "EDM versions an organisation's access point declares (ConformsTo)",
    "media-types": "OOTS media types: an offer's distributions, evidence-type formats "
                   "named in DSD answers",
}
COLLECTION = "code-lists"


class LineCodes:
    """The codes of one TDD line, as an answer reads them: `codes[list]` is {code: label}."""

    def __init__(self, rows):
        self._lists = {r["list"]: {v["code"]: v["label"] for v in r["values"]} for r in rows}

    def __getitem__(self, name):
        return self._lists.get(name, {})


def of_line(conn, line):
    return LineCodes(queries.lists(conn, line))


def problems(refs, name, values, field):
    """The param errors of the values that are no code of list `name` in any TDD line
    (`refs`: the unit of work's references.References, which reads each list once)."""
    values = [v for v in dict.fromkeys(values) if v is not None]
    known = refs.codes(name) if values else {}
    return [param_error(field, "body", f"'{v}' is not a code of the OOTS code list {name} "
                                       f"(GET /api/v1/code-lists)")
            for v in values if v not in known]


def check(refs, name, values, field):
    """422 unless every value is a code of list `name` in some TDD line."""
    errors = problems(refs, name, values, field)
    if errors:
        raise ValidationFailed("; ".join(f"{e['name']}: {e['detail']}" for e in errors),
                               errors=errors)


def in_list_order(refs, name, values):
    """`values` once each, in the order of the list (codes only 2.0 knows last)."""
    order = {code: i for i, code in enumerate(refs.codes(name))}
    return sorted(dict.fromkeys(values), key=lambda v: (order.get(v, len(order)), v))


def choices(conn, name):
    """(code, label) of every code list `name` has in some TDD line, in list order (codes
    only 2.0 knows last): what a form may offer for a field coded by it."""
    found = {}
    for row in queries.lists(conn, name=name):
        found.update({v["code"]: v["label"] for v in row["values"] if v["code"] not in found})
    return list(found.items())


def documents(conn, line=None):
    return [_document(r) for r in queries.lists(conn, line)]


def document(conn, name, line):
    found = queries.lists(conn, line, name)
    if not found:
        raise NotFound("code list", f"{name}/{line}")
    return _document(found[0])


def _document(row):
    return {"list": row["list"], "line": row["line"], "edition": row["edition"],
            "revision": row["revision"], "updated_at": row["updated_at"],
            "description": LISTS.get(row["list"]), "values": row["values"]}


def add_value(conn, actor, name, line, value, expected_revision=None):
    """A new code at the end of the list; the list's revision moves on."""
    with audit.write_transaction(conn):
        before = _locked(conn, name, line, expected_revision)
        if queries.value_exists(conn, name, line, value["code"]):
            raise Conflict(f"'{value['code']}' is in {name} ({line}) already")
        queries.insert_value(conn, name, line, value["code"], value["label"],
                             value.get("source") or f"added by {actor.label}")
        return _changed(conn, actor, name, line, before, "code-list.add-value",
                        value["code"])


def remove_value(conn, actor, name, line, code, expected_revision=None):
    """The code leaves the list, unless an object still uses it (409 naming them)."""
    with audit.write_transaction(conn):
        before = _locked(conn, name, line, expected_revision)
        if not queries.value_exists(conn, name, line, code):
            raise NotFound(f"code of {name} ({line})", code)
        users = queries.users_of(conn, name, code, area_levels=[
            level for level, jl in oots_codes.JURISDICTION_LEVEL.items() if jl == code])
        if users:
            described = "; ".join(
                f"{n} {kind} ({', '.join(codes)}{', …' if n > len(codes) else ''})"
                for kind, (n, codes) in users.items())
            raise Conflict(f"'{code}' of {name} is still used: {described}; change them "
                           "first", used_by={kind: {"count": n, "codes": codes}
                                             for kind, (n, codes) in users.items()})
        queries.delete_value(conn, name, line, code)
        return _changed(conn, actor, name, line, before, "code-list.remove-value", code)


def _locked(conn, name, line, expected_revision):
    row = queries.code_list(conn, name, line, for_update=True)
    if row is None:
        raise NotFound("code list", f"{name}/{line}")
    if expected_revision is not None and row["revision"] != expected_revision:
        raise PreconditionFailed(f"code list {name} ({line}) is at revision {row['revision']}, "
                                 f"not {expected_revision}; GET it again and reapply your "
                                 "change", current_version=row["revision"])
    return document(conn, name, line)


def _changed(conn, actor, name, line, before, action, code):
    queries.set_revision(conn, name, line)
    after = document(conn, name, line)
    audit.record(conn, actor, action, COLLECTION, f"{name}/{line}",
                 version=after["revision"], before=before, after=after, reason=code)
    return after


def merge_shipped(conn, rows):
    """The shipped lists: a list the database lacks is created with its values; one whose
    shipped edition differs from the stored one gains the values it lacks (none removed:
    the rule above decides that) and the new edition. Returns the lists changed."""
    shipped = {}
    for r in rows:
        shipped.setdefault((r["list"], r["line"]), []).append(r)
    changed = []
    for (name, line), values in shipped.items():
        edition = values[0]["edition"] or None
        current = queries.code_list(conn, name, line, for_update=True)
        if current is not None and current["edition"] == edition:
            continue
        if current is None:
            queries.insert_list(conn, name, line, edition)
        have = queries.codes(conn, name)
        for v in values:
            if line not in have.get(v["code"], ()):
                queries.insert_value(conn, name, line, v["code"], v["label"], v["source"])
        if current is not None:
            queries.set_revision(conn, name, line, edition=edition, keep_edition=False)
        changed.append(f"{name}/{line}")
    return changed
