"""Organisations: authorities that keep registers, provide evidence or consume it."""
from ..access.policy import sees_contact, visible_statuses
from ..http.errors import ValidationFailed, param_error
from ..values.folding import fold
from . import code_lists
from .collection import Collection
from .queries import common
from .queries import organisations as queries
from .rules import illustrative

# What every DSD answer declared for an access point before organisations could say.
DEFAULT_EDM_VERSION = "oots-edm:v1.0"


def slug_from_name(conn, name):
    """A readable, unused code derived from a name: 'Amt Südtondern' -> 'amt-sudtondern'."""
    base = "-".join(fold(name).split())[:60].strip("-") or "organisation"
    code, n = base, 1
    while common.code_exists(conn, "organisation", code):
        n += 1
        code = f"{base}-{n}"
    return code


def edm_versions(refs, data, current):
    """The EDM versions the organisation's access point speaks, in code-list order; without
    an eDelivery party id it has no access point, so none. Not said: what it said before,
    else `oots-edm:v1.0` — what regmap's OOTS answers declared for every access point before
    organisations could say (and what 1.x answers keep declaring for it)."""
    if not data.get("edelivery_party_id"):
        # Versions carried over from the current state go with the party id they need.
        if data.get("edm_versions") and \
                data["edm_versions"] != (current or {}).get("edm_versions"):
            raise ValidationFailed(
                "edm_versions: needs an edelivery_party_id",
                errors=[param_error("edm_versions", "body",
                                    "an organisation without an eDelivery party id has no "
                                    "access point")])
        return []
    given = data.get("edm_versions")
    if given is None:
        given = (current or {}).get("edm_versions") or [DEFAULT_EDM_VERSION]
    code_lists.check(refs, "edm-versions", given, "edm_versions")
    return code_lists.in_list_order(refs, "edm-versions", given)


class Organisations(Collection):
    name, what, table = "organisations", "organisation", "organisation"
    public_statuses = ("active", "suspended", "retired")

    def load(self, conn, code, for_update=False):
        return queries.get_organisation(conn, code, for_update)

    def owner_id(self, row):
        return row["id"]

    def document(self, row, actor):
        doc = {k: row[k] for k in ("code", "name", "abbreviation", "kind", "seat_ags",
                                   "dvdv_key", "name_en", "address", "edelivery_party_id",
                                   "edm_versions", "status", "illustrative", "version",
                                   "created_at", "updated_at")}
        doc["seat_name"] = row["seat_name"]
        if sees_contact(actor, row["id"]):
            doc["contact"] = row["contact"]
        return doc

    def editable(self, row):
        return {k: row[k] for k in ("name", "abbreviation", "kind", "seat_ags", "contact",
                                    "dvdv_key", "name_en", "address", "edelivery_party_id",
                                    "edm_versions", "status")}

    def prepare(self, refs, actor, data, current=None):
        seat = data.get("seat_ags")
        if seat and refs.unknown_areas([seat]):
            raise ValidationFailed(f"seat_ags: unknown municipality '{seat}'",
                                   errors=[param_error("seat_ags", "body",
                                                       f"unknown municipality '{seat}'")])
        code = current["code"] if current else (data.get("code")
                                                or slug_from_name(refs.conn, data["name"]))
        return {"code": code, "name": data["name"], "abbreviation": data.get("abbreviation"),
                "kind": data["kind"], "seat_ags": seat, "contact": data.get("contact"),
                "dvdv_key": data.get("dvdv_key"), "name_en": data.get("name_en"),
                "address": data.get("address"),
                "edelivery_party_id": data.get("edelivery_party_id"),
                "edm_versions": edm_versions(refs, data, current),
                "status": data.get("status") or (current or {}).get("status") or "active",
                "illustrative": illustrative(data, current)}

    def load_many(self, conn, codes):
        return queries.organisations_by_codes(conn, codes)

    def warm(self, refs, bodies):
        refs.warm_areas([b["seat_ags"] for b in bodies if b.get("seat_ags")])

    def insert(self, conn, values):
        return queries.insert_organisation(conn, values)

    def insert_many(self, conn, values_list):
        return queries.insert_organisations(conn, values_list)

    def update_row(self, conn, row, values):
        queries.update_organisation(conn, row["id"], values)

    def list(self, conn, actor, args, window):
        rows, total = queries.list_organisations(
            conn, name_like=args.get("name"), kind=args.get("kind"), status=args.get("status"),
            visible_statuses=visible_statuses(actor, self.public_statuses),
            owner_id=actor.organisation_id, **window)
        return [self.document(r, actor) for r in rows], total


organisations = Organisations()
