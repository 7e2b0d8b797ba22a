"""Registers: data holdings named in the IDNrG annex (or beyond), and who keeps them."""
from ..access.policy import visible_statuses
from ..http.errors import ValidationFailed, param_error
from .collection import Collection
from .queries import registers as queries
from .references import filter_id
from .rules import illustrative


class Registers(Collection):
    name, what, table = "registers", "register", "register"

    def load(self, conn, code, for_update=False):
        return queries.get_register(conn, code, for_update)

    def document(self, row, actor):
        return {k: row[k] for k in ("code", "idnrg_number", "name", "description",
                                    "legal_basis", "keeping_authority_type", "data_categories",
                                    "keepers", "federal_counterparts", "status",
                                    "illustrative", "version", "created_at", "updated_at")}

    def editable(self, row):
        return {k: row[k] for k in ("idnrg_number", "name", "description", "legal_basis",
                                    "keeping_authority_type", "data_categories", "keepers",
                                    "federal_counterparts", "status")}

    def prepare(self, refs, actor, data, current=None):
        keepers = refs.ids("organisation", data.get("keepers") or [],
                                       "keepers")
        counterparts = refs.ids("organisation",
                                            data.get("federal_counterparts") or [],
                                            "federal_counterparts")
        number = data.get("idnrg_number")
        code = current["code"] if current else (data.get("code")
                                                or (f"idnrg-{number}" if number else None))
        if code is None:
            raise ValidationFailed("code: required for registers outside the IDNrG annex",
                                   errors=[param_error("code", "body", "required when "
                                                       "idnrg_number is not given")])
        return {"code": code, "idnrg_number": number, "name": data["name"],
                "description": data.get("description"), "legal_basis": data.get("legal_basis"),
                "keeping_authority_type": data.get("keeping_authority_type"),
                "data_categories": data.get("data_categories") or [],
                "status": data.get("status") or "active",
                "illustrative": illustrative(data, current),
                "keeper_ids": list(keepers.values()),
                "counterpart_ids": list(counterparts.values())}

    def insert(self, conn, values):
        register_id = queries.insert_register(conn, values)
        queries.replace_register_organisations(conn, register_id, values["keeper_ids"],
                                               values["counterpart_ids"])
        return register_id

    def update_row(self, conn, row, values):
        queries.update_register(conn, row["id"], values)
        queries.replace_register_organisations(conn, row["id"], values["keeper_ids"],
                                               values["counterpart_ids"])

    def list(self, conn, actor, args, window):
        keeper = filter_id(conn, "organisation", args.get("keeper"))
        rows, total = queries.list_registers(
            conn, name_like=args.get("name"), status=args.get("status"), keeper_id=keeper,
            visible_statuses=visible_statuses(actor, self.public_statuses), **window)
        return [self.document(r, actor) for r in rows], total


registers = Registers()
