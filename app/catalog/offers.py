"""Evidence offers (Nachweisangebote): provider x evidence type x areas x endpoint x
validity. This is what the routing service resolves to."""
from ..areas.keys import area_key
from ..errors import OverlappingOffer, ValidationFailed, param_error
from ..governance.roles import ADMIN, DATA_MANAGER, PROVIDER_ADMIN, ROUTING
from ..governance.secrets import new_code
from . import common, queries
from .common import illustrative as _illustrative
from .reviewed import ReviewedCollection

# Who sees an offer's connection parameters besides the owning organisation.
CONNECTION_PARAMETER_ROLES = (ROUTING, DATA_MANAGER, ADMIN)


class Offers(ReviewedCollection):
    name, what, table = "offers", "offer", "offer"
    owner_role, owner_field = PROVIDER_ADMIN, "provider"

    @property
    def body_schema(self):
        from .schemas import OfferCreateSchema
        return OfferCreateSchema

    def load(self, conn, code, for_update=False):
        return queries.get_offer(conn, code, for_update)

    def owner_id(self, row):
        return row["provider_id"]

    def document(self, row, actor):
        doc = {k: row[k] for k in ("code", "provider", "provider_name", "evidence_type",
                                   "areas", "service_id", "endpoint_url", "valid_from",
                                   "valid_to", "status", "illustrative", "version",
                                   "created_at", "updated_at")}
        if actor.role in CONNECTION_PARAMETER_ROLES or actor.acts_for(row["provider_id"]):
            doc["connection_parameters"] = row["connection_parameters"]
        return doc

    def editable(self, row):
        return {k: row[k] for k in ("provider", "evidence_type", "areas", "service_id",
                                    "endpoint_url", "connection_parameters", "valid_from",
                                    "valid_to", "status")}

    def prepare(self, conn, actor, data, current=None):
        provider = common.resolve_code(conn, "organisation", data["provider"], "provider")
        evidence_type = common.resolve_code(conn, "evidence_type", data["evidence_type"],
                                            "evidence_type", active_only=True)
        areas = sorted(set(data["areas"]))
        known = queries.existing_area_keys(conn, areas)
        unknown = [key for key in areas if key not in known]
        if unknown:
            raise ValidationFailed(f"areas: unknown area keys {', '.join(unknown)}",
                                   errors=[param_error("areas", "body",
                                                       f"unknown area key '{k}'")
                                           for k in unknown])
        common.check_validity(data)
        return {"code": current["code"] if current else (data.get("code") or new_code("off")),
                "provider_id": provider, "evidence_type_id": evidence_type, "areas": areas,
                "service_id": data["service_id"], "endpoint_url": data["endpoint_url"],
                "connection_parameters": data.get("connection_parameters") or {},
                "valid_from": data.get("valid_from"), "valid_to": data.get("valid_to"),
                "status": data.get("status") or (current or {}).get("status") or "active",
                "illustrative": _illustrative(data, current)}

    def before_activation(self, conn, state, exclude_id=None):
        """Two active offers for the same evidence type, the same area key and overlapping
        validity would make routing ambiguous: refuse, naming the other offer."""
        queries.lock_offers_of_evidence_type(conn, state["evidence_type_id"])
        clashes = queries.overlapping_offers(
            conn, evidence_type_id=state["evidence_type_id"], area_keys=state["areas"],
            valid_from=state["valid_from"], valid_to=state["valid_to"], exclude_id=exclude_id)
        if clashes:
            first = clashes[0]
            raise OverlappingOffer(
                f"offer {first['code']} already covers area {first['area_key']} for this "
                "evidence type in an overlapping period",
                errors=[param_error("areas", "body",
                                    f"{c['area_key']} is covered by offer {c['code']}")
                        for c in clashes[:20]],
                conflicting_offers=sorted({c["code"] for c in clashes}))

    def insert(self, conn, values):
        offer_id = queries.insert_offer(conn, values)
        queries.replace_offer_areas(conn, offer_id, values["areas"])
        return offer_id

    def update_row(self, conn, row, values):
        queries.update_offer(conn, row["id"], values)
        queries.replace_offer_areas(conn, row["id"], values["areas"])

    def list(self, conn, actor, args, window):
        area = args.get("area")
        if area:
            area_key(area, "area", "query")
        rows, total = queries.list_offers(
            conn, provider_id=common.filter_id(conn, "organisation", args.get("provider")),
            evidence_type_id=common.filter_id(conn, "evidence_type", args.get("evidence_type")),
            area_key=area, status=args.get("status"),
            visible_statuses=common.visible_statuses(actor, self.public_statuses),
            owner_id=actor.organisation_id if actor.role == PROVIDER_ADMIN else None, **window)
        return self.documents(conn, rows, actor), total


offers = Offers()
