"""The catalogue's own problems, and what to tell users about its constraints."""
from ..http.errors import Conflict, explain_constraints


class OverlappingOffer(Conflict):
    slug, title = "overlapping-offer", "Overlapping offer"


explain_constraints({
    "service_leistungsschluessel_key": "another service has this Leistungsschlüssel",
    "register_idnrg_number_key": "another register has this IDNrG number",
    "evidence_type_uri_key": "another evidence type has this URI",
    "organisation_code_key": "an organisation with this code exists already",
    "organisation_edelivery_party_id": "another organisation has this eDelivery party id",
    "evidence_type_oots_classification": "another active evidence type has this OOTS "
                                         "evidence-type classification",
    "eu_requirement_identifier_key": "another EU requirement has this identifier",
    "eu_requirement_code_key": "an EU requirement with this code exists already",
})
