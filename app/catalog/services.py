"""Public services (Leistungen) and their requirements: each requirement is met by any one
of its evidence type lists, and every type within a list is needed (CCCEV)."""
from ..access.policy import visible_statuses
from ..http.errors import ValidationFailed, param_error
from ..values.folding import fold
from .collection import Collection
from .queries import services as queries
from .references import filter_id
from .rules import illustrative


class Services(Collection):
    name, what, table = "services", "service", "service"

    def load(self, conn, code, for_update=False):
        row = queries.get_service(conn, code, for_update)
        if row is not None:
            row = {**row, "requirements": queries.service_requirements(
                conn, [row["id"]]).get(row["id"], [])}
        return row

    def document(self, row, actor):
        return {
            "code": row["code"], "leistungsschluessel": row["leistungsschluessel"],
            # Flagged so curators find the services whose key still needs verifying.
            "leistungsschluessel_missing": row["leistungsschluessel"] is None,
            "name": {"de": row["name_de"], "en": row["name_en"]},
            "description": row["description"],
            "requirements": [{"code": r["code"], "name": r["name"],
                              "description": r["description"],
                              "evidence_type_lists": r["lists"]}
                             for r in row["requirements"]],
            "status": row["status"], "illustrative": row["illustrative"],
            "version": row["version"], "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }

    def editable(self, row):
        doc = self.document(row, None)
        return {k: doc[k] for k in ("leistungsschluessel", "name", "description",
                                    "requirements", "status")}

    def prepare(self, refs, actor, data, current=None):
        key = data.get("leistungsschluessel")
        if current:
            code = current["code"]
        else:
            code = data.get("code") or key
            if code is None:
                raise ValidationFailed("code: required when no Leistungsschlüssel is given",
                                       errors=[param_error("code", "body", "required when "
                                                           "leistungsschluessel is empty")])
        requirements = []
        for index, requirement in enumerate(data.get("requirements") or []):
            field = f"requirements[{index}].evidence_type_lists"
            all_codes = [c for lst in requirement["evidence_type_lists"] for c in lst]
            ids = refs.ids("evidence_type", all_codes, field)
            requirements.append({
                "code": requirement.get("code") or "-".join(
                    fold(requirement["name"]).split())[:60] or f"requirement-{index + 1}",
                "name": requirement["name"], "description": requirement.get("description"),
                "lists": [[ids[c] for c in lst] for lst in requirement["evidence_type_lists"]]})
        codes = [r["code"] for r in requirements]
        if len(set(codes)) != len(codes):
            raise ValidationFailed("requirements: codes must be unique within a service",
                                   errors=[param_error("requirements", "body",
                                                       "duplicate requirement codes")])
        name = data.get("name") or {}
        return {"code": code, "leistungsschluessel": key, "name_de": name.get("de"),
                "name_en": name.get("en"), "description": data.get("description"),
                "status": data.get("status") or "active",
                "illustrative": illustrative(data, current), "requirements": requirements}

    def insert(self, conn, values):
        service_id = queries.insert_service(conn, values)
        queries.replace_service_requirements(conn, service_id, values["requirements"])
        return service_id

    def update_row(self, conn, row, values):
        queries.update_service(conn, row["id"], values)
        queries.replace_service_requirements(conn, row["id"], values["requirements"])

    def list(self, conn, actor, args, window):
        evidence_type = filter_id(conn, "evidence_type", args.get("evidence_type"))
        rows, total = queries.list_services(
            conn, name_like=args.get("name"), evidence_type_id=evidence_type,
            status=args.get("status"),
            visible_statuses=visible_statuses(actor, self.public_statuses), **window)
        requirements = queries.service_requirements(conn, [r["id"] for r in rows])
        return [self.document({**r, "requirements": requirements.get(r["id"], [])}, actor)
                for r in rows], total


services = Services()
