"""The life cycle every catalogue collection shares, and its one write path.

Public verbs — `submit` (POST), `change` (PUT/PATCH), `withdraw` (DELETE) and the bulk
`submit_many` — are what routes, web pages, the importer, the seed and registrations call.
Each owns its write transaction (record.audit.write_transaction; a verb called inside another
unit of work joins it), writes its audit entries and change-feed positions, and runs the
collection's rules. Reviewed collections (reviewed.py) override the verbs; callers never ask
which kind of collection they hold. Nothing is ever hard-deleted; a stale If-Match is a 412.
"""
from ..access.actor import FULL_VIEW
from ..access.policy import may_see
from ..http.conventions import version_etag
from ..http.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..record import audit
from ..values.dates import berlin_today
from .queries import common as queries
from .references import References


def check_version(row, expected, what):
    """`expected` None means If-Match: * (any version)."""
    if expected is not None and row["version"] != expected:
        raise PreconditionFailed(f"{what} is at version {row['version']}, not {expected}; "
                                 "GET it again and reapply your change",
                                 current_version=row["version"])


class Collection:
    name = None              # URL segment and audit collection, e.g. "organisations"
    what = None              # singular for messages and audit actions, e.g. "organisation"
    table = None
    public_statuses = ("active", "retired")
    retired_status = "retired"
    retire_sets_valid_to = False
    # Objects that start, when activated without a start, on the Berlin day of activation.
    starts_when_activated = False
    # Whether organisations propose and data managers review (approve/reject routes).
    reviewed = False

    # --- to be provided by each collection ---------------------------------------------
    def load(self, conn, code, for_update=False):
        raise NotImplementedError

    def load_many(self, conn, codes):
        return [self.load(conn, code) for code in codes]

    def document(self, row, actor):
        raise NotImplementedError

    def editable(self, row):
        """The current state in the shape of a create body (PATCH merges into it)."""
        raise NotImplementedError

    def prepare(self, refs, actor, data, current=None):
        """Validated column values for insert/update (references resolved through `refs`,
        a references.References; 422 otherwise)."""
        raise NotImplementedError

    def warm(self, refs, bodies):
        """Look up every code the bodies name at once (bulk writes)."""

    def insert(self, conn, values):
        raise NotImplementedError

    def insert_many(self, conn, values_list):
        """{code: id} of new rows (bulk writes; collections may do it set-based)."""
        return {v["code"]: self.insert(conn, v) for v in values_list}

    def update_row(self, conn, row, values):
        raise NotImplementedError

    def owner_id(self, row):
        """The organisation that owns the object, for owners' extra rights."""
        return None

    def lock_for_rules(self, conn, values_list):
        """Serialise with other writers before the rules run (offers: per evidence type)."""

    def apply_rules(self, conn, actor, ids):
        """Changes the rows `ids` bring about in other objects, in the same transaction and
        audited (offers: a real offer displaces illustrative ones), before rule_violations."""

    def rule_violations(self, conn, ids, *, proposed=False):
        """Rules across objects, checked inside the write transaction once the rows are
        written, set-based: [(object id, Problem)] for the rows that break one. `proposed`:
        the rows are proposals, checked as if they were approved."""
        return []

    # --- reading ------------------------------------------------------------------------
    def view(self, conn, row, actor):
        """One object as the actor may see it (reviewed collections add what awaits review)."""
        return self.document(row, actor)

    def etag(self, conn, row):
        """The object's ETag (reviewed collections add the pending proposal)."""
        return version_etag(row["version"])

    def full_document(self, row):
        return self.document(row, FULL_VIEW)

    def get(self, conn, actor, code):
        """The row, or a 404 that does not reveal hidden objects exist."""
        row = self.load(conn, code)
        if row is None or not may_see(actor, row["status"], self.public_statuses,
                                      self.owner_id(row)):
            raise NotFound(self.what, code)
        return row

    def require(self, conn, code, for_update=False):
        row = self.load(conn, code, for_update=for_update)
        if row is None:
            raise NotFound(self.what, code)
        return row

    # --- public verbs (each owns its transaction) ------------------------------------------
    def precheck(self, conn, actor, code=None, body=None):
        """Before the body is even parsed: may this actor write this object at all?
        Curators may write every collection; reviewed collections let owners in too."""

    def submit(self, conn, actor, data):
        """POST: a new object."""
        with audit.write_transaction(conn):
            return self._create(conn, actor, data)

    def change(self, conn, actor, code, data, expected_version, *, partial=False):
        """PUT/PATCH: the new state (PATCH: only the fields given)."""
        with audit.write_transaction(conn):
            return self._update(conn, actor, code, data, expected_version, partial=partial)

    def withdraw(self, conn, actor, code, expected_version):
        """DELETE: the object stays, retired."""
        with audit.write_transaction(conn):
            return self._retire(conn, actor, code, expected_version)

    def submit_many(self, conn, actor, bodies, *, labels=None, dry_run=False,
                    one_entry=None):
        """Many new objects at once (CSV import, seeds, generated catalogues), with the same
        `prepare` and the same rules as `submit`, set-based: every row is checked, and
        then all are written, audited and published, or none (a 422 lists every row's
        problems, each named by its label). `dry_run` checks and writes nothing.

        Each object gets its own audit entry and change-feed position, unless `one_entry`
        (a dict describing the batch) asks for a single '<what>.create-many' entry: for
        generated catalogues of hundreds of thousands of rows, which caches answer with a
        rebuild. Returns the new rows (with `one_entry`: their prepared values)."""
        labels = labels or [f"row {n}" for n in range(1, len(bodies) + 1)]
        try:
            with audit.write_transaction(conn):
                rows = self._create_many(conn, actor, bodies, labels, one_entry)
                if dry_run:
                    raise _DryRun(rows)
        except _DryRun as done:
            return done.rows
        return rows

    # --- steps, inside the verb's transaction -----------------------------------------------
    def _create(self, conn, actor, data, *, status=None):
        values = self.prepare(References(conn), actor,
                              {**data, "status": status} if status else data)
        if queries.code_exists(conn, self.table, values["code"]):
            raise Conflict(f"{self.what} '{values['code']}' exists already")
        self.lock_for_rules(conn, [values])
        object_id = self.insert(conn, values)
        self._enforce_rules(conn, actor, [object_id])
        row = self.load(conn, values["code"])
        audit.record(conn, actor, f"{self.what}.create", self.name, row["code"],
                     version=row["version"], after=self.full_document(row))
        return row

    def _update(self, conn, actor, code, data, expected_version, *, partial=False,
                status=None):
        row = self.require(conn, code, for_update=True)
        check_version(row, expected_version, f"{self.what} '{code}'")
        merged = {**self.editable(row), **data} if partial else data
        if status:
            merged = {**merged, "status": status}
        values = self.prepare(References(conn), actor, merged, current=row)
        return self._apply(conn, actor, row, values, f"{self.what}.update")

    def _apply(self, conn, actor, row, values, action, *, reason=None):
        """Write prepared values over `row`, check the rules, audit under `action`."""
        before = self.full_document(row)
        self.lock_for_rules(conn, [values])
        self.update_row(conn, row, values)
        self._enforce_rules(conn, actor, [row["id"]])
        row = self.load(conn, row["code"])
        audit.record(conn, actor, action, self.name, row["code"], version=row["version"],
                     before=before, after=self.full_document(row), reason=reason)
        return row

    def _retire(self, conn, actor, code, expected_version, *, on=None):
        row = self.require(conn, code, for_update=True)
        check_version(row, expected_version, f"{self.what} '{code}'")
        if row["status"] == self.retired_status:
            raise Conflict(f"{self.what} '{code}' is retired already")
        return self._set_status(conn, actor, row, self.retired_status, f"{self.what}.retire",
                                valid_to=on if self.retire_sets_valid_to else None)

    def retire_many(self, conn, actor, rows, *, reason):
        """Retire these rows at once, set-based (one audit entry each, under `reason`);
        inside the caller's unit of work. Reviewed kinds also close pending proposals."""
        if not rows:
            return 0
        before = {r["code"]: self.full_document(r) for r in rows}
        ids = [r["id"] for r in rows]
        queries.set_status_many(conn, self.table, ids, self.retired_status,
                                valid_to=berlin_today() if self.retire_sets_valid_to else None)
        self.close_reviews(conn, actor, ids)
        audit.record_many(conn, actor, f"{self.what}.retire", self.name,
                          [self.full_document(r) for r in self.load_many(conn, list(before))],
                          before=before, reason=reason)
        return len(rows)

    def close_reviews(self, conn, actor, ids):
        """Objects leaving review (reviewed collections withdraw pending proposals)."""

    def _set_status(self, conn, actor, row, status, action, *, valid_to=None, reason=None):
        before = self.full_document(row)
        self.lock_for_rules(conn, [row])
        starts = berlin_today() if status == "active" and self.starts_when_activated else None
        queries.set_status(conn, self.table, row["id"], status, valid_to=valid_to,
                           valid_from=starts)
        self._enforce_rules(conn, actor, [row["id"]])
        row = self.load(conn, row["code"])
        audit.record(conn, actor, action, self.name, row["code"], version=row["version"],
                     before=before, after=self.full_document(row), reason=reason)
        return row

    def _enforce_rules(self, conn, actor, ids):
        self.apply_rules(conn, actor, ids)
        violations = self.rule_violations(conn, ids)
        if violations:
            raise violations[0][1]

    def _create_many(self, conn, actor, bodies, labels, one_entry=None):
        refs = References(conn)
        self.warm(refs, bodies)
        errors, prepared = [], []
        for label, body in zip(labels, bodies):
            try:
                prepared.append((label, self.prepare(refs, actor, body)))
            except ValidationFailed as problem:
                errors += _labelled(label, problem)
        taken = queries.existing_codes(conn, self.table, [v["code"] for _, v in prepared])
        errors += [{"name": f"{label}: code", "in": "body",
                    "detail": f"{self.what} '{v['code']}' exists already"}
                   for label, v in prepared if v["code"] in taken]
        prepared = [(label, v) for label, v in prepared if v["code"] not in taken]
        self.lock_for_rules(conn, [v for _, v in prepared])
        inserted = self.insert_many(conn, [v for _, v in prepared]) if prepared else {}
        ids = {inserted[v["code"]]: label for label, v in prepared}
        self.apply_rules(conn, actor, list(ids))
        for object_id, problem in self.rule_violations(conn, list(ids)):
            errors += _labelled(ids[object_id], problem)
        if errors:
            raise ValidationFailed(
                f"{len(errors)} problem(s) in {len(bodies)} rows; nothing was written",
                errors=errors[:MAX_REPORTED_ERRORS], error_count=len(errors))
        if one_entry is not None:
            audit.record(conn, actor, f"{self.what}.create-many", self.name, BATCH_CODE,
                         after={**one_entry, "count": len(prepared)})
            return [v for _, v in prepared]
        rows = self.load_many(conn, [v["code"] for _, v in prepared])
        audit.record_many(conn, actor, f"{self.what}.create", self.name,
                          [self.full_document(r) for r in rows])
        return rows


MAX_REPORTED_ERRORS = 200
# The object a '<what>.create-many' audit entry names: the batch, not one object.
BATCH_CODE = "*"


class _DryRun(Exception):
    """Leaves a bulk write's transaction, so that everything it wrote rolls back."""

    def __init__(self, rows):
        super().__init__("dry run")
        self.rows = rows


def _labelled(label, problem):
    """A problem's errors as entries of a bulk answer, named by the row's label."""
    entries = problem.errors or [{"name": "_schema", "in": "body", "detail": problem.detail}]
    return [{**e, "name": f"{label}: {e['name']}"} for e in entries]
