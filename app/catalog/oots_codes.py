"""OOTS rules that stay in code: which JurisdictionLevel an area level is, which countries a
query may name, the form of eDelivery party-id schemes and of classification-concept types.
The code lists themselves (procedures, levels of assurance, jurisdiction levels, EDM versions,
media types) are data, per TDD line: catalog/code_lists.py."""

# The JurisdictionLevel code (jurisdiction-levels code list) of the level of the area an
# offer covers.
JURISDICTION_LEVEL = {"federation": "Country", "land": "NUTS1", "regierungsbezirk": "NUTS2",
                      "kreis": "NUTS3", "gemeindeverband": "LAU", "municipality": "LAU"}
# The countries a query's `country-code` may name: ISO 3166-1 alpha-2 (the authority the SDG
# metadata profile names for country codes) of the states taking part in OOTS, the EU member
# states and the EEA EFTA states (Iceland, Liechtenstein, Norway). Anything else is "invalid
# or unknown" (EB:ERR:0006, DSD:ERR:0006), not "nothing found".
COUNTRIES = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    "IS", "LI", "NO"))




def is_country(code):
    return code in COUNTRIES


# Electronic Address Scheme identifiers as the OOTS examples write them
# (urn:cef.eu:names:identifier:EAS:0204 for a Leitweg-ID, 0060 for a DUNS number, …).
EAS_SCHEME = r"urn:cef\.eu:names:identifier:EAS:[0-9]{4}"
# The types a provider-classification concept's values can have (SDG InformationConcept).
CONCEPT_TYPES = ("Codelist", "String", "Date", "Boolean")
