"""The life cycle every catalogue collection shares: create, replace or patch, retire.

Each write runs in one transaction with its audit entry (before/after documents) and its
change-feed position; a stale If-Match is a 412; nothing is ever hard-deleted.
"""
from ..errors import Conflict, NotFound
from ..governance import audit
from ..governance.auth import Actor
from . import common, queries

# The view audit entries and curators get: every field.
FULL_VIEW = Actor(role="admin")


class Collection:
    name = None              # URL segment and audit collection, e.g. "organisations"
    what = None              # singular for messages and audit actions, e.g. "organisation"
    table = None
    public_statuses = ("active", "retired")
    retired_status = "retired"
    retire_sets_valid_to = False

    # --- to be provided by each collection ---------------------------------------------
    def load(self, conn, code, for_update=False):
        raise NotImplementedError

    def document(self, row, actor):
        raise NotImplementedError

    def editable(self, row):
        """The current state in the shape of a create body (PATCH merges into it)."""
        raise NotImplementedError

    def prepare(self, conn, actor, data, current=None):
        """Validated column values for insert/update (references resolved, 422 otherwise)."""
        raise NotImplementedError

    def insert(self, conn, values):
        raise NotImplementedError

    def update_row(self, conn, row, values):
        raise NotImplementedError

    def owner_id(self, row):
        """The organisation that owns the object, for owners' extra rights."""
        return None

    def check_values(self, conn, values, current=None):
        """Rules across objects, checked inside the write transaction (e.g. overlaps)."""

    # --- shared life cycle ------------------------------------------------------------------
    def view(self, conn, row, actor):
        """One object as the actor may see it (reviewed collections add what awaits review)."""
        return self.document(row, actor)

    def full_document(self, row):
        return self.document(row, FULL_VIEW)

    def get(self, conn, actor, code):
        row = self.load(conn, code)
        common.get_visible(row, actor, self.public_statuses, self.what, code,
                           self.owner_id(row) if row else None)
        return row

    def require(self, conn, code, for_update=False):
        row = self.load(conn, code, for_update=for_update)
        if row is None:
            raise NotFound(self.what, code)
        return row

    def create(self, conn, actor, data, *, status=None):
        with audit.write_transaction(conn):
            values = self.prepare(conn, actor, data)
            if status:
                values["status"] = status
            self.check_values(conn, values)
            if queries.code_exists(conn, self.table, values["code"]):
                raise Conflict(f"{self.what} '{values['code']}' exists already")
            self.insert(conn, values)
            row = self.load(conn, values["code"])
            audit.record(conn, actor, f"{self.what}.create", self.name, row["code"],
                         version=row["version"], after=self.full_document(row))
        return row

    def update(self, conn, actor, code, data, expected_version, *, partial=False):
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            common.check_version(row, expected_version, f"{self.what} '{code}'")
            merged = {**self.editable(row), **data} if partial else data
            values = self.prepare(conn, actor, merged, current=row)
            self.check_values(conn, values, current=row)
            before = self.full_document(row)
            self.update_row(conn, row, values)
            row = self.load(conn, code)
            audit.record(conn, actor, f"{self.what}.update", self.name, code,
                         version=row["version"], before=before, after=self.full_document(row))
        return row

    def retire(self, conn, actor, code, expected_version, *, on=None):
        """DELETE: the object stays, retired (offers and permissions: valid until `on`)."""
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            common.check_version(row, expected_version, f"{self.what} '{code}'")
            if row["status"] == self.retired_status:
                raise Conflict(f"{self.what} '{code}' is retired already")
            before = self.full_document(row)
            queries.set_status(conn, self.table, row["id"], self.retired_status,
                               valid_to=on if self.retire_sets_valid_to else None)
            row = self.load(conn, code)
            audit.record(conn, actor, f"{self.what}.retire", self.name, code,
                         version=row["version"], before=before, after=self.full_document(row))
        return row
