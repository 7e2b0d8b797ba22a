"""The OOTS code lists the catalogue's fields are checked against (TDD ~1.0, as shipped in
../shared/data/oots/codelists; upstream: European Commission, OOTS technical design
documents). Kept here, in one place, because they are few and the write path must not read
files: `OOTSMediaTypes-CodeList.gc`, `LevelsOfAssurance-CodeList.gc`, `JurisdictionLevel-
CodeList.gc`, and the electronic address scheme of the eDelivery party identifiers."""

# OOTSMediaTypes-CodeList.gc (its svg row carries a stray tab, dropped here).
MEDIA_TYPES = ("application/pdf", "application/xml", "application/json", "image/jpeg",
               "image/png", "image/svg+xml")
# LevelsOfAssurance-CodeList.gc (eIDAS).
LEVELS_OF_ASSURANCE = ("Low", "Substantial", "High")
# JurisdictionLevel-CodeList.gc, by the level of the area an offer covers.
JURISDICTION_LEVEL = {"federation": "Country", "land": "NUTS1", "regierungsbezirk": "NUTS2",
                      "kreis": "NUTS3", "gemeindeverband": "LAU", "municipality": "LAU"}
# Electronic Address Scheme identifiers as the OOTS examples write them
# (urn:cef.eu:names:identifier:EAS:0204 for a Leitweg-ID, 0060 for a DUNS number, …).
EAS_SCHEME = r"urn:cef\.eu:names:identifier:EAS:[0-9]{4}"
# The types a provider-classification concept's values can have (SDG InformationConcept).
CONCEPT_TYPES = ("Codelist", "String", "Date", "Boolean")
