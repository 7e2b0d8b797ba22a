"""How catalogue objects appear on the pages: German labels, which fields a list shows, and
which codes link to other objects. Documents are the API's own (same visibility rules)."""
from ..access.policy import PERMISSION_READERS
from ..catalog.eu_requirements import eu_requirements
from ..catalog.evidence_types import evidence_types
from ..catalog.offers import offers
from ..catalog.organisations import organisations
from ..catalog.permissions import permissions
from ..catalog.registers import registers
from ..catalog.services import services
from ..search.engine import TYPE_PATHS

# Singular type names (search hits, /id/<type>/<code> URIs) <-> collection names (pages).
COLLECTION_OF_TYPE = TYPE_PATHS
TYPE_OF_COLLECTION = {collection: kind for kind, collection in TYPE_PATHS.items()}


# Query parameters of the list pages whose API names clash with the pages' own URL parts.
WEB_PARAMS = {"kind": "art"}


class Kind:
    def __init__(self, collection, plural, singular, filters, columns, readers=None):
        self.collection, self.plural, self.singular = collection, plural, singular
        self.readers = readers      # None: everyone
        self.filters = filters      # query parameters the list page passes to the API's list
        self.columns = columns      # (field, label) shown in the list table

    @property
    def name(self):
        return self.collection.name


KINDS = {k.name: k for k in (
    Kind(evidence_types, "Nachweistypen", "Nachweistyp", ("register",),
         [("code", "Code"), ("title", "Bezeichnung"), ("registers", "Register"),
          ("status", "Status")]),
    Kind(registers, "Register", "Register", ("name", "keeper"),
         [("code", "Code"), ("idnrg_number", "Nr. (IDNrG)"), ("name", "Bezeichnung"),
          ("keepers", "Registerführung"), ("status", "Status")]),
    Kind(services, "Leistungen", "Leistung", ("name", "evidence_type"),
         [("code", "Code"), ("name", "Bezeichnung"), ("leistungsschluessel",
                                                     "Leistungsschlüssel"),
          ("status", "Status")]),
    Kind(organisations, "Organisationen", "Organisation", ("name", "kind"),
         [("code", "Code"), ("name", "Name"), ("kind", "Art"), ("seat_name", "Sitz"),
          ("status", "Status")]),
    Kind(offers, "Nachweisangebote", "Nachweisangebot", ("provider", "evidence_type", "area"),
         [("code", "Code"), ("provider_name", "Datenbereitsteller"),
          ("evidence_type", "Nachweistyp"), ("areas", "Gebiete"),
          ("valid_from", "gültig ab"), ("status", "Status")]),
    Kind(permissions, "Berechtigungen", "Berechtigung", ("consumer", "service",
                                                         "evidence_type"),
         [("code", "Code"), ("consumer", "Datennutzer"), ("service", "Leistung"),
          ("evidence_type", "Nachweistyp"), ("provider", "von"), ("status", "Status")],
         readers=PERMISSION_READERS),
    Kind(eu_requirements, "EU-Anforderungen", "EU-Anforderung", ("procedure", "evidence_type"),
         [("code", "Code"), ("name", "Bezeichnung"), ("identifier", "Kennung (EU)"),
          ("status", "Status")]),
)}

FILTER_LABELS = {"art": "Art", "consumer": "Datennutzer (Code)", "service": "Leistung (Code)",
                 "name": "Name enthält", "kind": "Art", "keeper": "Registerführung (Code)",
                 "register": "Register (Code)", "evidence_type": "Nachweistyp (Code)",
                 "provider": "Datenbereitsteller (Code)", "area": "Gebietsschlüssel",
                 "procedure": "EU-Verfahren (z. B. R1)"}

# Fields whose values are codes of other objects: where they link.
LINKS = {"registers": "registers", "keepers": "organisations",
         "federal_counterparts": "organisations", "provider": "organisations",
         "evidence_type": "evidence-types", "consumer": "organisations",
         "service": "services", "register": "registers", "access_service": "organisations"}

LABELS = {
    "code": "Code", "uri": "URI", "title": "Bezeichnung", "name": "Bezeichnung",
    "description": "Beschreibung", "registers": "Register", "formats": "Formate",
    "identity_attributes": "Identifizierende Merkmale",
    "oots_classification_uri": "EU-OOTS-Klassifikation", "idnrg_number": "Nr. (IDNrG-Anlage)",
    "legal_basis": "Rechtsgrundlage", "keeping_authority_type": "Registerführende Stelle",
    "data_categories": "Datenkategorien", "keepers": "Registerführung",
    "federal_counterparts": "Bundesbehörden", "leistungsschluessel": "Leistungsschlüssel",
    "leistungsschluessel_missing": "Leistungsschlüssel fehlt",
    "requirements": "Erforderliche Nachweise", "abbreviation": "Kurzbezeichnung",
    "kind": "Art", "seat_ags": "Sitz (AGS)", "seat_name": "Sitz", "contact": "Kontakt",
    "dvdv_key": "DVDV-Schlüssel", "provider": "Datenbereitsteller",
    "provider_name": "Datenbereitsteller", "evidence_type": "Nachweistyp",
    "areas": "Gebiete (Zuständigkeit)", "service_id": "Dienst-ID",
    "endpoint_url": "Endpunkt", "connection_parameters": "Verbindungsparameter",
    "valid_from": "gültig ab", "valid_to": "gültig bis (ausschließlich)", "status": "Status",
    "illustrative": "Beispieldatensatz", "version": "Version", "created_at": "angelegt",
    "updated_at": "geändert", "pending_change": "Wartende Änderung", "consumer": "Datennutzer",
    "service": "Leistung", "may_use_identification_number": "Darf Identifikationsnummer nutzen",
    "environment": "Umgebung",
    # EU OOTS
    "name_en": "Name (englisch)", "address": "Anschrift",
    "edelivery_party_id": "eDelivery-Kennung (OOTS)",
    "edm_versions": "EDM-Versionen des Zugangspunkts (OOTS)",
    "classification_concepts": "Klassifikationsmerkmale (OOTS)",
    "distributions": "Formate (OOTS)", "level_of_assurance": "Vertrauensniveau (eIDAS)",
    "jurisdiction_context": "Zuständigkeitsbezug", "classification": "Klassifikation",
    "access_service": "Zugang über (OOTS)", "identifier": "Kennung (EU)",
    "reference_frameworks": "Rechtsrahmen (EU-Verfahren)",
    "evidence_type_lists": "Nachweistyp-Listen",
}
HIDDEN = {"provider_name"}
# Names of the parts of structured values (contact, connection parameters).
PART_LABELS = {"email": "E-Mail", "phone": "Telefon", "name": "Ansprechperson",
               "protocol": "Protokoll", "dvdv_service": "DVDV-Dienst"}
ENVIRONMENT_NAMES = {"production": "Produktivumgebung", "test": "Testumgebung",
                     "reference": "Referenzumgebung"}
# Fields whose values are codes that people read in German.
VALUE_NAMES = {"environment": ENVIRONMENT_NAMES}


def label_of(field):
    """The German name of a field, or of a part of a structured value."""
    return LABELS.get(field) or PART_LABELS.get(field, field)


def field_text(field, value):
    """A field's value for people: coded values by their German names, else text_of."""
    names = VALUE_NAMES.get(field)
    if names and isinstance(value, str):
        return names.get(value, value)
    return text_of(value)


def text_of(value):
    """Localised texts ({"de": …, "en": …}) in German; lists joined."""
    if isinstance(value, dict) and "de" in value:
        return value.get("de") or value.get("en") or ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value


def detail_rows(document):
    """(field, label, value) for a detail page, in the document's order."""
    return [(field, label_of(field), value) for field, value in document.items()
            if field not in HIDDEN and value not in (None, [], {}, "")]
