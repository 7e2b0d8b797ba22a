"""Collections whose objects organisations propose and data managers review: offers
(proposed by provider admins) and permissions (requested by consumer admins).

A proposed new object is stored with status 'pending'; a proposed edit or retirement of an
active one waits as a proposal (review.proposals) while routing keeps seeing the active
version. Nobody approves what they proposed (four-eyes); data managers' own writes apply
directly and are audited, and so do owners' writes outside production (reference and test
environments; promoting an object to production is a reviewed change). The verbs
are the plain collection's, overridden: callers do not need to know which kind they hold.
"""
from ..access import environments
from ..access.policy import acts_as_owner, may_see, sees_review_state
from ..http.conventions import version_etag
from ..http.errors import Conflict, Forbidden, NotFound, ValidationFailed, param_error
from ..record import audit
from ..review import proposals
from ..values.dates import berlin_today
from .collection import Collection, check_version
from .references import References


class ReviewedCollection(Collection):
    owner_role = None          # provider_admin or consumer_admin
    owner_field = None         # body field naming the owning organisation
    body_schema = None         # re-reads a stored proposal with the API's own rules
    retire_sets_valid_to = True
    reviewed = True

    def check_owner_field(self, actor, data):
        """Organisation admins act only for their own organisation (their default);
        curators must name one."""
        owner = data.get(self.owner_field)
        if acts_as_owner(actor, self.owner_role):
            if owner not in (None, actor.organisation_code):
                raise Forbidden(f"{self.owner_field} must be your own organisation "
                                f"({actor.organisation_code})")
            return {**data, self.owner_field: actor.organisation_code}
        if not owner:
            raise ValidationFailed(f"{self.owner_field}: required",
                                   errors=[param_error(self.owner_field, "body", "required")])
        return data

    def precheck(self, conn, actor, code=None, body=None):
        if actor.is_curator:
            return
        if code is not None:
            row = self.load(conn, code)
            if row is None or not may_see(actor, row["status"], self.public_statuses,
                                          self.owner_id(row)):
                raise NotFound(self.what, code)
            self.check_may_write(actor, row)
        elif isinstance(body, dict) and body.get(self.owner_field) not in (
                None, actor.organisation_code):
            raise Forbidden(f"{self.owner_field} must be your own organisation "
                            f"({actor.organisation_code})")

    def get(self, conn, actor, code):
        """Objects of another environment than a bound token's are not there for it."""
        row = super().get(conn, actor, code)
        if "environment" in row and not environments.visible_to(actor, row["environment"]):
            raise NotFound(self.what, code)
        return row

    def unreviewed(self, data, row=None):
        """Whether an owner's write takes effect without review (environments: outside
        production, before and after). Nothing is, by default."""
        return False

    def check_may_write(self, actor, row):
        if not (actor.is_curator or actor.acts_for(self.owner_id(row))):
            raise Forbidden(f"only {row[self.owner_field]} or a data manager may change "
                            f"this {self.what}")

    # --- documents ----------------------------------------------------------------------
    def documents(self, conn, rows, actor):
        """The actor's view of each row; owners and overseers also see what awaits review."""
        reviewers_view = [r["id"] for r in rows if sees_review_state(actor, self.owner_id(r))]
        pending = proposals.pending_by_object(conn, self.name, reviewers_view)
        result = []
        for row in rows:
            document = self.document(row, actor)
            if row["id"] in reviewers_view:
                proposal = pending.get(row["id"])
                document["pending_change"] = proposals.pending_document(
                    proposal, actor, self.owner_id(row)) if proposal else None
            result.append(document)
        return result

    def view(self, conn, row, actor):
        return self.documents(conn, [row], actor)[0]

    def etag(self, conn, row):
        """The version and, while one awaits review, the pending proposal: what a reviewer
        sends back in If-Match to approve or reject exactly what they saw."""
        return version_etag(row["version"], proposals.pending_id(conn, self.name, row["id"]))

    # --- the verbs, for owners: proposals -------------------------------------------------
    def submit(self, conn, actor, data):
        """POST: curators create active objects; owners propose pending ones (and so can a
        curator who stages one for a colleague's review)."""
        data = self.check_owner_field(actor, data)
        with audit.write_transaction(conn):
            if (actor.is_curator or self.unreviewed(data)) \
                    and data.get("status", "active") == "active":
                return self._create(conn, actor, data)
            row = self._create(conn, actor, data, status="pending")
            # The rule approval would apply, said now to the proposer.
            violations = self.rule_violations(conn, [row["id"]], proposed=True)
            if violations:
                raise violations[0][1]
            proposals.propose(conn, actor, self.name, row["id"], proposals.CREATE,
                              base_version=row["version"])
            return row

    def change(self, conn, actor, code, data, expected_version, *, partial=False):
        """PUT/PATCH: curators apply; owners edit their pending object, or propose an edit
        of an active one."""
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            self.check_may_write(actor, row)
            data = self.check_owner_field(actor, {**self.editable(row), **data} if partial
                                          else data)
            if actor.is_curator:
                return self._update(conn, actor, code, data, expected_version)
            if self.unreviewed(data, row):
                return self._update(conn, actor, code, data, expected_version,
                                    status=row["status"])
            # Owners never set a status; review does.
            if row["status"] == "pending":
                return self._update(conn, actor, code, data, expected_version,
                                    status="pending")
            if row["status"] != "active":
                raise Conflict(f"{self.what} '{code}' is {row['status']} and cannot be "
                               "changed")
            check_version(row, expected_version, f"{self.what} '{code}'")
            # Validated now, not only at approval.
            self.prepare(References(conn), actor, {**data, "status": row["status"]},
                         current=row)
            self._propose(conn, actor, row, proposals.UPDATE, data)
            return row

    def withdraw(self, conn, actor, code, expected_version):
        """DELETE: curators retire; owners withdraw a pending object or propose retirement."""
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            self.check_may_write(actor, row)
            if actor.is_curator or row["status"] == "pending" or self.unreviewed({}, row):
                return self._retire(conn, actor, code, expected_version, on=berlin_today())
            check_version(row, expected_version, f"{self.what} '{code}'")
            if row["status"] != "active":
                raise Conflict(f"{self.what} '{code}' is {row['status']}")
            self._propose(conn, actor, row, proposals.RETIRE, None)
            return row

    def _retire(self, conn, actor, code, expected_version, *, on=None):
        row = super()._retire(conn, actor, code, expected_version, on=on)
        proposals.close(conn, actor, self.name, row["id"])
        return row

    def close_reviews(self, conn, actor, ids):
        for object_id in proposals.pending_by_object(conn, self.name, ids):
            proposals.close(conn, actor, self.name, object_id)

    def _propose(self, conn, actor, row, change, payload):
        proposals.propose(conn, actor, self.name, row["id"], change, payload=payload,
                          base_version=row["version"])
        audit.record(conn, actor, f"{self.what}.propose-{change}", self.name, row["code"],
                     version=row["version"], before=self.full_document(row), after=payload)

    # --- review -------------------------------------------------------------------------
    def approve(self, conn, actor, code, seen):
        """`seen`: (version, proposal id) the reviewer looked at (http.reviewed_version)."""
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            proposal = proposals.take_for_review(conn, actor, self.name, row,
                                                 f"{self.what} '{code}'", seen)
            change = proposal["kind"]
            action = f"{self.what}.approve-{change}"
            proposals.decide(conn, actor, proposal, approve=True)
            if change == proposals.CREATE:
                return self._set_status(conn, actor, row, "active", action)
            if change == proposals.UPDATE:
                if row["version"] != proposal["base_version"]:
                    raise Conflict(f"{self.what} '{code}' changed since the proposal "
                                   f"(version {proposal['base_version']} -> {row['version']});"
                                   " reject it and propose again")
                proposed = self.body_schema().load(proposal["payload"])
                values = self.prepare(References(conn), actor,
                                      {**proposed, "status": row["status"]}, current=row)
                return self._apply(conn, actor, row, values, action)
            return self._set_status(conn, actor, row, "retired", action,
                                    valid_to=berlin_today())

    def reject(self, conn, actor, code, reason, seen):
        with audit.write_transaction(conn):
            row = self.require(conn, code, for_update=True)
            proposal = proposals.take_for_review(conn, actor, self.name, row,
                                                 f"{self.what} '{code}'", seen)
            proposals.decide(conn, actor, proposal, approve=False, reason=reason)
            action = f"{self.what}.reject-{proposal['kind']}"
            if proposal["kind"] == proposals.CREATE:
                return self._set_status(conn, actor, row, "rejected", action, reason=reason)
            row = self.load(conn, code)
            before = self.full_document(row)
            audit.record(conn, actor, action, self.name, code, version=row["version"],
                         before=before, after=before, reason=reason)
            return row
