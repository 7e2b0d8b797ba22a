"""Evidence types (Nachweistypen): what a provider delivers, from which register, in which
formats, and what a request must carry to identify the person or company."""
from flask import current_app

from ..access.policy import visible_statuses
from ..http.errors import ValidationFailed, param_error
from .collection import Collection
from .queries import evidence_types as queries
from .references import filter_id
from .rules import illustrative


class EvidenceTypes(Collection):
    name, what, table = "evidence-types", "evidence type", "evidence_type"

    def load(self, conn, code, for_update=False):
        return queries.get_evidence_type(conn, code, for_update)

    def document(self, row, actor):
        return {
            "code": row["code"], "uri": row["uri"],
            "title": {"de": row["title_de"], "en": row["title_en"]},
            "description": {"de": row["description_de"], "en": row["description_en"]},
            "registers": row["registers"], "formats": row["formats"],
            "identity_attributes": row["identity_attributes"],
            "oots_classification_uri": row["oots_classification_uri"],
            "classification_concepts": row["classification_concepts"],
            "status": row["status"], "illustrative": row["illustrative"],
            "version": row["version"], "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }

    def editable(self, row):
        doc = self.document(row, None)
        return {k: doc[k] for k in ("title", "description", "registers", "formats",
                                    "identity_attributes", "oots_classification_uri",
                                    "classification_concepts", "status")}

    def prepare(self, refs, actor, data, current=None):
        registers = refs.ids("register", data.get("registers") or [],
                                         "registers")
        code = current["code"] if current else data["code"]
        # A stable URI, fixed at creation: it names the type in exports and EU exchanges.
        uri = current["uri"] if current else (
            data.get("uri") or f"{current_app.config['PUBLIC_BASE_URL']}/id/evidence-type/{code}")
        title = data.get("title") or {}
        description = data.get("description") or {}
        return {"code": code, "uri": uri, "title_de": title.get("de"),
                "title_en": title.get("en"), "description_de": description.get("de"),
                "description_en": description.get("en"),
                "formats": data.get("formats") or [],
                "identity_attributes": data.get("identity_attributes") or [],
                "oots_classification_uri": data.get("oots_classification_uri"),
                "classification_concepts": _concepts(data.get("classification_concepts")),
                "status": data.get("status") or "active",
                "illustrative": illustrative(data, current),
                "register_ids": list(registers.values())}

    def insert(self, conn, values):
        type_id = queries.insert_evidence_type(conn, values)
        queries.replace_evidence_type_registers(conn, type_id, values["register_ids"])
        return type_id

    def update_row(self, conn, row, values):
        queries.update_evidence_type(conn, row["id"], values)
        queries.replace_evidence_type_registers(conn, row["id"], values["register_ids"])

    def list(self, conn, actor, args, window):
        register = filter_id(conn, "register", args.get("register"))
        rows, total = queries.list_evidence_types(
            conn, register_id=register, status=args.get("status"),
            visible_statuses=visible_statuses(actor, self.public_statuses), **window)
        return [self.document(r, actor) for r in rows], total


def _concepts(concepts):
    """Classification concepts as stored: codes and identifiers unique within the type."""
    concepts = concepts or []
    for field in ("code", "identifier"):
        seen = [str(c[field]) for c in concepts]
        twice = sorted({v for v in seen if seen.count(v) > 1})
        if twice:
            raise ValidationFailed(
                f"classification_concepts: {field} {', '.join(twice)} named twice",
                errors=[param_error("classification_concepts", "body",
                                    f"{field} '{v}' named twice") for v in twice])
    return [{"code": c["code"], "identifier": str(c["identifier"]),
             "type": c.get("type") or "Codelist", "value_expression": c["value_expression"],
             "description": c.get("description") or {},
             "values": list(dict.fromkeys(c["values"]))} for c in concepts]


evidence_types = EvidenceTypes()
