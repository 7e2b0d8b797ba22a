"""Codes in a body -> internal ids, with 422s naming the field of an unknown code.

One `References` serves one unit of work: a single write looks up what its body names; a
bulk write warms it with every code of every row in one query per table, so checking
50,000 rows costs a handful of queries, and both run the very same `prepare`."""
from ..http.errors import ValidationFailed, param_error
from .queries import code_lists as code_list_queries
from .queries import common as queries

_UNKNOWN = object()


def _refuse(errors):
    raise ValidationFailed("; ".join(f"{e['name']}: {e['detail']}" for e in errors),
                           errors=errors)


class References:
    def __init__(self, conn):
        self.conn = conn
        self._rows = {}       # (table, code) -> {"id", "status"} or None
        self._areas = {}      # area key -> exists?
        self._codes = {}      # OOTS code list -> {code: [TDD lines]}

    def warm(self, table, codes):
        missing = [c for c in dict.fromkeys(codes) if (table, c) not in self._rows]
        if missing:
            found = queries.status_by_code(self.conn, table, missing)
            for code in missing:
                self._rows[(table, code)] = found.get(code)

    def codes(self, name):
        """The codes of an OOTS code list (catalog/code_lists.py), read once per unit of work
        and held until it commits."""
        if name not in self._codes:
            self._codes[name] = code_list_queries.codes(self.conn, name, lock=True)
        return self._codes[name]

    def warm_areas(self, keys):
        missing = [k for k in dict.fromkeys(keys) if k not in self._areas]
        if missing:
            found = queries.existing_area_keys(self.conn, missing)
            for key in missing:
                self._areas[key] = key in found

    def ids(self, table, codes, field, *, active_only=False):
        """{code: id}; unknown codes (or inactive ones, when asked) are a 422 naming
        `field`."""
        codes = list(dict.fromkeys(codes))
        self.warm(table, codes)
        errors = []
        for code in codes:
            row = self._rows[(table, code)]
            if row is None:
                errors.append(param_error(field, "body", f"unknown code '{code}'"))
            elif active_only and row["status"] != "active":
                errors.append(param_error(field, "body", f"'{code}' is {row['status']}"))
        if errors:
            _refuse(errors)
        return {code: self._rows[(table, code)]["id"] for code in codes}

    def id(self, table, code, field, *, active_only=False):
        if code is None:
            return None
        row = self._rows.get((table, code), _UNKNOWN)
        if row is _UNKNOWN or row is None or (active_only and row["status"] != "active"):
            # Not looked up yet, or a 422 to phrase: the general path.
            return self.ids(table, [code], field, active_only=active_only)[code]
        return row["id"]

    def unknown_areas(self, keys):
        """Those of `keys` that name no area (known or retired areas all count)."""
        self.warm_areas(keys)
        return [k for k in keys if not self._areas[k]]


def filter_id(conn, table, code):
    """The id behind a list filter's code; an unknown code matches nothing (id -1)."""
    if not code:
        return None
    return queries.ids_by_code(conn, table, [code]).get(code, -1)
