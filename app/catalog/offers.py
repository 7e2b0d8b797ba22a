"""Evidence offers (Nachweisangebote): provider x evidence type x areas x endpoint x
validity. This is what the routing service resolves to."""
from ..access import environments
from ..access.policy import owner_filter, sees_connection_parameters, visible_statuses
from ..access.roles import PROVIDER_ADMIN
from ..areas.keys import area_key
from ..http.errors import ValidationFailed, param_error
from ..values.dates import berlin_today
from ..values.identifiers import new_code
from . import code_lists
from .errors import OverlappingOffer
from .queries import offers as queries
from .references import References, filter_id
from .reviewed import ReviewedCollection
from .rules import check_validity, environment, illustrative, outside_production

# From this many offers written at once, the overlap check first refreshes statistics.
BULK = 1000


class Offers(ReviewedCollection):
    name, what, table = "offers", "offer", "offer"
    owner_role, owner_field = PROVIDER_ADMIN, "provider"
    starts_when_activated = True

    @property
    def body_schema(self):
        from .schemas import OfferCreateSchema
        return OfferCreateSchema

    def load(self, conn, code, for_update=False):
        return queries.get_offer(conn, code, for_update)

    def load_many(self, conn, codes):
        return queries.offers_by_codes(conn, codes)

    def owner_id(self, row):
        return row["provider_id"]

    def unreviewed(self, data, row=None):
        return outside_production(data, row)

    def document(self, row, actor):
        doc = {k: row[k] for k in ("code", "provider", "provider_name", "evidence_type",
                                   "areas", "service_id", "endpoint_url", "valid_from",
                                   "valid_to", "status", "illustrative", "environment",
                                   "distributions", "level_of_assurance",
                                   "jurisdiction_context", "classification",
                                   "access_service", "version", "created_at",
                                   "updated_at")}
        if sees_connection_parameters(actor, row["provider_id"]):
            doc["connection_parameters"] = row["connection_parameters"]
        return doc

    def editable(self, row):
        return {k: row[k] for k in ("provider", "evidence_type", "areas", "service_id",
                                    "endpoint_url", "connection_parameters", "valid_from",
                                    "valid_to", "status", "environment", "distributions",
                                    "level_of_assurance", "jurisdiction_context",
                                    "classification", "access_service")}

    def warm(self, refs, bodies):
        refs.warm("organisation", [b["provider"] for b in bodies if b.get("provider")])
        refs.warm("evidence_type", [b["evidence_type"] for b in bodies])
        refs.warm_areas([k for b in bodies for k in b["areas"]])

    def prepare(self, refs, actor, data, current=None):
        provider = refs.id("organisation", data.get("provider"), "provider")
        if provider is None:
            raise ValidationFailed("provider: required",
                                   errors=[param_error("provider", "body", "required")])
        evidence_type = refs.id("evidence_type", data["evidence_type"], "evidence_type",
                                active_only=True)
        areas = sorted(set(data["areas"]))
        unknown = refs.unknown_areas(areas)
        if unknown:
            raise ValidationFailed(f"areas: unknown area keys {', '.join(unknown)}",
                                   errors=[param_error("areas", "body",
                                                       f"unknown area key '{k}'")
                                           for k in unknown])
        check_validity(data)
        status = data.get("status") or (current or {}).get("status") or "active"
        starts = _start(data, current, status)
        if starts and data.get("valid_to") and starts >= data["valid_to"]:
            raise ValidationFailed(
                "an offer activated without valid_from starts today, after its valid_to",
                errors=[param_error("valid_from", "body", "required when valid_to lies "
                                                          "before today")])
        return {"code": current["code"] if current else (data.get("code") or new_code("off")),
                "provider_id": provider, "evidence_type_id": evidence_type, "areas": areas,
                "service_id": data["service_id"], "endpoint_url": data["endpoint_url"],
                "connection_parameters": data.get("connection_parameters") or {},
                "valid_from": starts, "valid_to": data.get("valid_to"),
                "status": status, "illustrative": illustrative(data, current),
                "environment": environment(data, current),
                **_oots_fields(refs, data, evidence_type)}

    def lock_for_rules(self, conn, values_list):
        # Serialise with other writers of these evidence types before the overlap check.
        for type_id in sorted({v["evidence_type_id"] for v in values_list}):
            queries.lock_offers_of_evidence_type(conn, type_id)

    def apply_rules(self, conn, actor, ids):
        """A real offer that becomes active displaces the illustrative offers of its
        evidence type on the same key or below it (docs/api-conventions.md, "One overlap rule"): an
        illustrative offer loses the keys covered; one left with none ends where the real
        offer starts, or is retired when it starts no earlier. Each change is audited."""
        for found in queries.illustrative_offers_displaced(conn, ids):
            row = self.load(conn, found["code"], for_update=True)
            reason = "displaced by the real offer(s) " + ", ".join(sorted(found["real_codes"]))
            remaining = [k for k in row["areas"] if k not in found["covered"]]
            starts, real_from = row["valid_from"], found["real_from"]
            if not remaining and (starts is not None and real_from is not None
                                  and starts >= real_from or real_from is None):
                self._set_status(conn, actor, row, "retired", "offer.displace",
                                 valid_to=berlin_today(), reason=reason)
                continue
            edited = {**self.editable(row), "areas": remaining} if remaining \
                else {**self.editable(row), "valid_to": real_from}
            values = self.prepare(References(conn), actor, edited, current=row)
            self._apply(conn, actor, row, values, "offer.displace", reason=reason)

    def rule_violations(self, conn, ids, *, proposed=False):
        """Two active offers for the same evidence type, the same area key and overlapping
        validity would make routing ambiguous. Between two offers written together, the
        later one is named (it is the one that collides). `proposed`: check pending offers
        as if they were approved (a proposal is refused at once, not at approval)."""
        if len(set(ids)) > BULK:
            queries.analyze_offers(conn)
        clashes = {}
        statuses = ("active", "pending") if proposed else ("active",)
        for c in queries.offer_overlaps(conn, ids, statuses):
            clashes.setdefault(c["id"], []).append(c)
        return [(offer_id, _overlap_problem(found)) for offer_id, found in clashes.items()]

    def insert(self, conn, values):
        offer_id = queries.insert_offer(conn, values)
        queries.replace_offer_areas(conn, offer_id, values["evidence_type_id"],
                                    values["areas"])
        return offer_id

    def insert_many(self, conn, values_list):
        return queries.insert_offers(conn, values_list)

    def update_row(self, conn, row, values):
        queries.update_offer(conn, row["id"], values)
        queries.replace_offer_areas(conn, row["id"], values["evidence_type_id"],
                                    values["areas"])

    def list(self, conn, actor, args, window):
        area = args.get("area")
        if area:
            area_key(area, "area", "query")
        rows, total = queries.list_offers(
            conn, provider_id=filter_id(conn, "organisation", args.get("provider")),
            evidence_type_id=filter_id(conn, "evidence_type", args.get("evidence_type")),
            area_key=area, status=args.get("status"),
            environment=environments.list_filter(args.get("environment"), actor.environment),
            visible_statuses=visible_statuses(actor, self.public_statuses),
            owner_id=owner_filter(actor, PROVIDER_ADMIN), **window)
        return self.documents(conn, rows, actor), total


def _start(data, current, status):
    """An offer activated without a start starts on the Berlin day of its activation
    (docs/api-conventions.md, "Dates and validity"); an active offer keeps the start it has (old
    rows: none)."""
    if data.get("valid_from") or status != "active":
        return data.get("valid_from")
    if current is not None and current["status"] == "active":
        return current["valid_from"]
    return berlin_today()


def _oots_fields(refs, data, evidence_type):
    """What OOTS needs of an offer, checked against the code lists, the evidence type's
    classification concepts and the shipped jurisdiction contexts. Bulk writes without these
    fields (the generated national catalogue) cost no query."""
    errors = []
    context = data.get("jurisdiction_context")
    if context and context not in {r["code"] for r in queries.jurisdiction_contexts(refs.conn)}:
        errors.append(param_error("jurisdiction_context", "body",
                                  f"unknown jurisdiction context '{context}'"))
    classification, concepts = data.get("classification") or {}, {}
    if classification:
        concepts = {c["code"]: c for c in
                    queries.classification_concepts_of(refs.conn, evidence_type)}
        for code, values in sorted(classification.items()):
            if code not in concepts:
                errors.append(param_error(f"classification.{code}", "body",
                                          "not a classification concept of the evidence "
                                          "type"))
                continue
            unknown = [v for v in values if v not in concepts[code]["values"]]
            if unknown:
                errors.append(param_error(f"classification.{code}", "body",
                                          f"not among the concept's values: "
                                          f"{', '.join(unknown)}"))
    access_service = refs.id("organisation", data.get("access_service"), "access_service",
                             active_only=True) if data.get("access_service") else None
    if access_service and not queries.edelivery_party_id_of(refs.conn, access_service):
        errors.append(param_error("access_service", "body",
                                  "the organisation has no eDelivery party id"))
    distributions = data.get("distributions") or []
    errors += code_lists.problems(refs, "levels-of-assurance",
                                  [data.get("level_of_assurance")], "level_of_assurance")
    for i, distribution in enumerate(distributions):
        errors += code_lists.problems(refs, "media-types", [distribution["format"]],
                                      f"distributions.{i}.format")
    if errors:
        raise ValidationFailed("; ".join(f"{e['name']}: {e['detail']}" for e in errors),
                               errors=errors)
    return {"distributions": distributions,
            "level_of_assurance": data.get("level_of_assurance"),
            "jurisdiction_context": context,
            # Values in the concept's order, each once.
            "classification": {k: [v for v in concepts[k]["values"] if v in values]
                               for k, values in classification.items()},
            "access_service_id": access_service}


def _overlap_problem(clashes):
    first = clashes[0]
    return OverlappingOffer(
        f"offer {first['other_code']} already covers area {first['area_key']} for this "
        "evidence type in an overlapping period",
        errors=[param_error("areas", "body", f"{c['area_key']} is covered by offer "
                                             f"{c['other_code']}") for c in clashes[:20]],
        conflicting_offers=sorted({c["other_code"] for c in clashes}))


offers = Offers()
