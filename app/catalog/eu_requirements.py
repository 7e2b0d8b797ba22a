"""EU requirements (OOTS Evidence Broker): what an EU procedure (Procedures code
list: R1 "Requesting a birth certificate", …) requires as proof, under which legal
frameworks (per procedure and area), and the lists of German evidence types satisfying it —
any one list suffices, as in CCCEV. Curated by data managers; the identifiers are those of the
OOTS Semantic Repository."""
from ..access.policy import visible_statuses
from ..http.errors import ValidationFailed, param_error
from . import code_lists
from .collection import Collection
from .queries import eu_requirements as queries
from .references import filter_id
from .rules import illustrative


class EuRequirements(Collection):
    name, what, table = "eu-requirements", "EU requirement", "eu_requirement"

    def load(self, conn, code, for_update=False):
        row = queries.get_eu_requirement(conn, code, for_update)
        return None if row is None else self._with_types(conn, [row])[0]

    def _with_types(self, conn, rows):
        types = queries.eu_requirement_evidence_types(conn, [r["id"] for r in rows])
        return [{**r, "evidence_type_codes": types.get(r["id"], [])} for r in rows]

    def document(self, row, actor):
        codes = row["evidence_type_codes"]
        return {
            "code": row["code"], "identifier": row["identifier"],
            "name": {"en": row["name_en"], "de": row["name_de"]},
            "description": {"en": row["description_en"], "de": row["description_de"]},
            "reference_frameworks": row["reference_frameworks"],
            "evidence_type_lists": [
                {**lst, "evidence_types": codes[i] if i < len(codes) else []}
                for i, lst in enumerate(row["evidence_type_lists"])],
            "status": row["status"], "illustrative": row["illustrative"],
            "version": row["version"], "created_at": row["created_at"],
            "updated_at": row["updated_at"]}

    def editable(self, row):
        doc = self.document(row, None)
        return {k: doc[k] for k in ("identifier", "name", "description", "reference_frameworks",
                                    "evidence_type_lists", "status")}

    def prepare(self, refs, actor, data, current=None):
        lists = []
        for index, lst in enumerate(data.get("evidence_type_lists") or []):
            ids = refs.ids("evidence_type", lst["evidence_types"],
                           f"evidence_type_lists[{index}].evidence_types")
            lists.append({"identifier": str(lst["identifier"]), "name": lst["name"],
                          "evidence_type_ids": [ids[c] for c in lst["evidence_types"]]})
        frameworks = [{**f, "identifier": str(f["identifier"])}
                      for f in data.get("reference_frameworks") or []]
        code_lists.check(refs, "procedures", [f["procedure"] for f in frameworks],
                         "reference_frameworks.procedure")
        unknown = [f["jurisdiction"] for f in frameworks
                   if refs.unknown_areas([f["jurisdiction"]])]
        if unknown:
            raise ValidationFailed(
                f"reference_frameworks: unknown area keys {', '.join(unknown)}",
                errors=[param_error("reference_frameworks", "body", f"unknown area key '{k}'")
                        for k in unknown])
        name, description = data["name"], data.get("description") or {}
        return {"code": current["code"] if current else data["code"],
                "identifier": data["identifier"], "name_en": name["en"],
                "name_de": name.get("de"), "description_en": description.get("en"),
                "description_de": description.get("de"), "reference_frameworks": frameworks,
                "evidence_type_lists": lists,
                "status": data.get("status") or (current or {}).get("status") or "active",
                "illustrative": illustrative(data, current)}

    def insert(self, conn, values):
        requirement_id = queries.insert_eu_requirement(conn, values)
        queries.replace_eu_requirement_evidence_types(conn, requirement_id,
                                                      values["evidence_type_lists"])
        return requirement_id

    def update_row(self, conn, row, values):
        queries.update_eu_requirement(conn, row["id"], values)
        queries.replace_eu_requirement_evidence_types(conn, row["id"],
                                                      values["evidence_type_lists"])

    def list(self, conn, actor, args, window):
        rows, total = queries.list_eu_requirements(
            conn, procedure=args.get("procedure"),
            evidence_type_id=filter_id(conn, "evidence_type", args.get("evidence_type")),
            status=args.get("status"),
            visible_statuses=visible_statuses(actor, self.public_statuses), **window)
        return [self.document(r, actor) for r in self._with_types(conn, rows)], total


eu_requirements = EuRequirements()
