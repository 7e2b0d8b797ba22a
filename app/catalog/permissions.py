"""Abstract permissions: may this consumer, for this purpose (Leistung, legal basis), receive
this evidence type (from this provider, or any), and use the identification number?"""
from ..access import environments
from ..access.policy import acts_as_owner, owner_filter, visible_statuses
from ..access.roles import CONSUMER_ADMIN
from ..http.errors import NotFound
from ..values.identifiers import new_code
from .queries import permissions as queries
from .references import filter_id
from .reviewed import ReviewedCollection
from .rules import check_validity, environment, illustrative, outside_production


class Permissions(ReviewedCollection):
    name, what, table = "permissions", "permission", "permission"
    owner_role, owner_field = CONSUMER_ADMIN, "consumer"

    @property
    def body_schema(self):
        from .schemas import PermissionCreateSchema
        return PermissionCreateSchema

    def load(self, conn, code, for_update=False):
        return queries.get_permission(conn, code, for_update)

    def owner_id(self, row):
        return row["consumer_id"]

    def unreviewed(self, data, row=None):
        return outside_production(data, row)

    def get(self, conn, actor, code):
        row = super().get(conn, actor, code)
        # Consumer admins see their own organisation's permissions only.
        if acts_as_owner(actor, CONSUMER_ADMIN) and not actor.acts_for(row["consumer_id"]):
            raise NotFound(self.what, code)
        return row

    def document(self, row, actor):
        return {k: row[k] for k in ("code", "consumer", "service", "evidence_type", "provider",
                                    "legal_basis", "may_use_identification_number",
                                    "valid_from", "valid_to", "status", "illustrative",
                                    "environment", "version", "created_at", "updated_at")}

    def editable(self, row):
        return {k: row[k] for k in ("consumer", "service", "evidence_type", "provider",
                                    "legal_basis", "may_use_identification_number",
                                    "valid_from", "valid_to", "status", "environment")}

    def prepare(self, refs, actor, data, current=None):
        check_validity(data)
        return {"code": current["code"] if current else new_code("perm"),
                "consumer_id": refs.id("organisation", data["consumer"], "consumer"),
                "service_pk": refs.id("service", data["service"], "service"),
                "evidence_type_id": refs.id("evidence_type", data["evidence_type"],
                                            "evidence_type"),
                "provider_id": refs.id("organisation", data.get("provider"), "provider"),
                "legal_basis": data["legal_basis"],
                "may_use_identification_number": data["may_use_identification_number"],
                "valid_from": data.get("valid_from"), "valid_to": data.get("valid_to"),
                "status": data.get("status") or (current or {}).get("status") or "active",
                "illustrative": illustrative(data, current),
                "environment": environment(data, current)}

    def insert(self, conn, values):
        return queries.insert_permission(conn, values)

    def update_row(self, conn, row, values):
        queries.update_permission(conn, row["id"], values)

    def list(self, conn, actor, args, window):
        consumer = actor.organisation_code if acts_as_owner(actor, CONSUMER_ADMIN) \
            else args.get("consumer")
        rows, total = queries.list_permissions(
            conn, consumer_id=filter_id(conn, "organisation", consumer),
            service_id=filter_id(conn, "service", args.get("service")),
            evidence_type_id=filter_id(conn, "evidence_type", args.get("evidence_type")),
            status=args.get("status"),
            environment=environments.list_filter(args.get("environment"), actor.environment),
            visible_statuses=visible_statuses(actor, self.public_statuses),
            owner_id=owner_filter(actor, CONSUMER_ADMIN), **window)
        return self.documents(conn, rows, actor), total


permissions = Permissions()
