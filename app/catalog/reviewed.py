"""Collections whose objects organisations propose and data managers review: offers
(proposed by provider admins) and permissions (requested by consumer admins).

A proposed new object is stored with status 'pending'; a proposed edit or retirement of an
active one waits in `proposal` while routing keeps seeing the active version. Nobody approves
what they proposed (four-eyes); data managers' own writes apply directly and are audited.
"""
from ..dates import berlin_today
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed, param_error
from ..governance import audit
from ..governance import queries as governance_queries
from ..governance.roles import OVERSIGHT
from . import common, queries
from .collection import Collection


class ReviewedCollection(Collection):
    owner_role = None          # provider_admin or consumer_admin
    owner_field = None         # body field naming the owning organisation
    body_schema = None         # re-reads a stored proposal with the API's own rules
    retire_sets_valid_to = True

    def check_owner_field(self, actor, data):
        """Organisation admins act only for their own organisation (their default);
        curators must name one."""
        owner = data.get(self.owner_field)
        if actor.role == self.owner_role:
            if owner not in (None, actor.organisation_code):
                raise Forbidden(f"{self.owner_field} must be your own organisation "
                                f"({actor.organisation_code})")
            return {**data, self.owner_field: actor.organisation_code}
        if not owner:
            raise ValidationFailed(f"{self.owner_field}: required",
                                   errors=[param_error(self.owner_field, "body", "required")])
        return data

    def precheck(self, conn, actor, code=None, body=None):
        """Before the body is even parsed: may this actor write this object at all?
        (A denied caller learns nothing about its body's validity.)"""
        if actor.is_curator:
            return
        if code is not None:
            row = self.load(conn, code)
            if row is None or not common.may_see(actor, row, self.public_statuses,
                                                 self.owner_id(row)):
                raise NotFound(self.what, code)
            self.check_may_write(actor, row)
        elif isinstance(body, dict) and body.get(self.owner_field) not in (
                None, actor.organisation_code):
            raise Forbidden(f"{self.owner_field} must be your own organisation "
                            f"({actor.organisation_code})")

    def before_activation(self, conn, state, exclude_id=None):
        """Checks an object must pass to become (or stay) active; offers check overlap.
        `state` is a loaded row or prepared values (both carry the fields checked)."""

    def check_values(self, conn, values, current=None):
        if values["status"] == "active":
            self.before_activation(conn, values, exclude_id=current["id"] if current else None)

    # --- documents ----------------------------------------------------------------------
    def documents(self, conn, rows, actor):
        """The actor's view of each row; owners and overseers also see what awaits review."""
        reviewers_view = [r["id"] for r in rows
                          if actor.role in OVERSIGHT or actor.acts_for(self.owner_id(r))]
        pending = governance_queries.pending_proposals(conn, self.name, reviewers_view) \
            if reviewers_view else {}
        result = []
        for row in rows:
            document = self.document(row, actor)
            if row["id"] in reviewers_view:
                proposal = pending.get(row["id"])
                document["pending_change"] = _pending_document(proposal) if proposal else None
            result.append(document)
        return result

    def view(self, conn, row, actor):
        return self.documents(conn, [row], actor)[0]

    # --- writes -------------------------------------------------------------------------
    def submit(self, conn, actor, data):
        """POST: curators create active objects; owners propose pending ones."""
        data = self.check_owner_field(actor, data)
        if actor.is_curator and data.get("status", "active") == "active":
            return self.create(conn, actor, data)
        # Owners' submissions, and what a curator stages for a colleague's review.
        with audit.write_transaction(conn):
            row = self.create(conn, actor, data, status="pending")
            governance_queries.insert_proposal(
                conn, collection=self.name, object_id=row["id"], kind="create", payload=None,
                base_version=row["version"], proposed_by=actor.user_id)
        return row

    def change(self, conn, actor, code, data, expected_version, *, partial):
        """PUT/PATCH: curators apply; owners edit their pending object, or propose an edit
        of an active one."""
        row = self.require(conn, code)
        self.check_may_write(actor, row)
        data = self.check_owner_field(actor, {**self.editable(row), **data} if partial
                                      else data)
        if actor.is_curator:
            return self.update(conn, actor, code, data, expected_version)
        data["status"] = row["status"]  # owners never set a status; review does
        if row["status"] == "pending":
            return self.update(conn, actor, code, data, expected_version)
        if row["status"] != "active":
            raise Conflict(f"{self.what} '{code}' is {row['status']} and cannot be changed")
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            common.check_version(row, expected_version, f"{self.what} '{code}'")
            self.prepare(conn, actor, data, current=row)  # validate now, not at approval
            self._propose(conn, actor, row, "update", data)
        return row

    def withdraw(self, conn, actor, code, expected_version):
        """DELETE: curators retire; owners withdraw a pending object or propose retirement."""
        row = self.require(conn, code)
        self.check_may_write(actor, row)
        if actor.is_curator or row["status"] == "pending":
            return self.retire(conn, actor, code, expected_version, on=berlin_today())
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            common.check_version(row, expected_version, f"{self.what} '{code}'")
            if row["status"] != "active":
                raise Conflict(f"{self.what} '{code}' is {row['status']}")
            self._propose(conn, actor, row, "retire", None)
        return row

    def _propose(self, conn, actor, row, kind, payload):
        previous = governance_queries.pending_proposal(conn, self.name, row["id"],
                                                       for_update=True)
        if previous:
            governance_queries.decide_proposal(conn, previous["id"], "superseded",
                                               decided_by=actor.user_id)
        governance_queries.insert_proposal(
            conn, collection=self.name, object_id=row["id"], kind=kind, payload=payload,
            base_version=row["version"], proposed_by=actor.user_id)
        audit.record(conn, actor, f"{self.what}.propose-{kind}", self.name, row["code"],
                     version=row["version"], before=self.full_document(row),
                     after=payload)

    def check_may_write(self, actor, row):
        if not (actor.is_curator or actor.acts_for(self.owner_id(row))):
            raise Forbidden(f"only {row[self.owner_field]} or a data manager may change "
                            f"this {self.what}")

    # --- review -------------------------------------------------------------------------
    def approve(self, conn, actor, code):
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            proposal = self._pending_for_review(conn, actor, row)
            before = self.full_document(row)
            if proposal["kind"] == "create":
                self.before_activation(conn, row, exclude_id=row["id"])
                queries.set_status(conn, self.table, row["id"], "active")
            elif proposal["kind"] == "update":
                if row["version"] != proposal["base_version"]:
                    raise Conflict(f"{self.what} '{code}' changed since the proposal "
                                   f"(version {proposal['base_version']} -> {row['version']});"
                                   " reject it and propose again")
                proposed = self.body_schema().load(proposal["payload"])
                values = self.prepare(conn, actor, {**proposed, "status": row["status"]},
                                      current=row)
                self.before_activation(conn, values, exclude_id=row["id"])
                self.update_row(conn, row, values)
            else:
                queries.set_status(conn, self.table, row["id"], "retired",
                                   valid_to=berlin_today())
            governance_queries.decide_proposal(conn, proposal["id"], "approved",
                                               decided_by=actor.user_id)
            row = self.load(conn, code)
            audit.record(conn, actor, f"{self.what}.approve-{proposal['kind']}", self.name,
                         code, version=row["version"], before=before,
                         after=self.full_document(row))
        return row

    def reject(self, conn, actor, code, reason):
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            proposal = self._pending_for_review(conn, actor, row)
            before = self.full_document(row)
            if proposal["kind"] == "create":
                queries.set_status(conn, self.table, row["id"], "rejected")
            governance_queries.decide_proposal(conn, proposal["id"], "rejected",
                                               decided_by=actor.user_id, reason=reason)
            row = self.load(conn, code)
            audit.record(conn, actor, f"{self.what}.reject-{proposal['kind']}", self.name,
                         code, version=row["version"], before=before,
                         after=self.full_document(row), reason=reason)
        return row

    def _pending_for_review(self, conn, actor, row):
        proposal = governance_queries.pending_proposal(conn, self.name, row["id"],
                                                       for_update=True)
        if proposal is None:
            raise Conflict(f"nothing of {self.what} '{row['code']}' awaits review")
        if proposal["proposed_by"] == actor.user_id:
            raise Forbidden("four-eyes: you cannot review what you proposed")
        return proposal


def _pending_document(proposal):
    return {"kind": proposal["kind"], "proposed_at": proposal["proposed_at"],
            "proposed_by": proposal["proposed_by_email"], "changes": proposal["payload"]}
