"""The OOTS code lists the catalogue's fields are checked against (TDD ~1.0 code lists of the
European Commission's OOTS technical design documents). Kept here, in one place, because
they are few and the write path must not read files: `OOTSMediaTypes-CodeList.gc`,
`LevelsOfAssurance-CodeList.gc`, `JurisdictionLevel-CodeList.gc`, and the electronic
address scheme of the eDelivery party identifiers."""

# OOTSMediaTypes-CodeList.gc (its svg row carries a stray tab, dropped here).
MEDIA_TYPES = ("application/pdf", "application/xml", "application/json", "image/jpeg",
               "image/png", "image/svg+xml")
# LevelsOfAssurance-CodeList.gc (eIDAS).
LEVELS_OF_ASSURANCE = ("Low", "Substantial", "High")
# JurisdictionLevel-CodeList.gc, by the level of the area an offer covers.
JURISDICTION_LEVEL = {"federation": "Country", "land": "NUTS1", "regierungsbezirk": "NUTS2",
                      "kreis": "NUTS3", "gemeindeverband": "LAU", "municipality": "LAU"}
# The versions of the OOTS Exchange Data Model an access service may declare it speaks
# (DSD `AccessService/ConformsTo`): the EDM identifier follows the minor TDD version (1.0 to
# 1.2, and 2.0 for TDD 2.0.0 and 2.0.1), as the oots-france notes `versions_tdd.md` (commit
# f47b6a49, Apache-2.0) read from the TDD releases.
EDM_VERSIONS = ("oots-edm:v1.0", "oots-edm:v1.1", "oots-edm:v1.2", "oots-edm:v2.0")
EDM_VERSIONS_1X = EDM_VERSIONS[:3]
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
# Procedures-CodeList.gc: the online procedures of Annex II of Regulation (EU) 2018/1724
# (Single Digital Gateway), the procedures OOTS serves.
PROCEDURES = {
    # Not an Annex II procedure: the code TDD 1.1.2 (April 2025) admits for production smoke
    # tests (Schematron R-EB-REQ-C012 and others); the label is regmap's.
    "00": "Production smoke test of a Member State",
    "R1": "Requesting a birth certificate",
    "S1": "Requesting proof of residence",
    "T1": "Applying for a tertiary education study financing, such as study grants and loans "
          "from a public body or institution",
    "T2": "Submitting an initial application for admission to public tertiary education "
          "institution",
    "T3": "Requesting academic recognition of diplomas, certificates or other proof of "
          "studies or courses",
    "U1": "Request for determination of applicable legislation in accordance with Title II of "
          "Regulation (EC) No 883/2004",
    "U2": "Notifying changes in the personal or professional circumstances of the person "
          "receiving social security benefits, relevant for such benefits",
    "U3": "Application for a European Health Insurance Card (EHIC)",
    "U4": "Submitting an income tax declaration",
    "V1": "Registering a change of address",
    "V2": "Registering a motor vehicle originating from or already registered in a Member "
          "State, in standard procedures",
    "V3": "Obtaining stickers for the use of the national road infrastructure: time-based "
          "charges (vignette), distance-based charges (toll), issued by a public body or "
          "institution",
    "V4": "Obtaining emission stickers issued by a public body or institution",
    "W1": "Claiming pension and pre-retirement benefits from compulsory schemes",
    "W2": "Requesting information on the data related to pension from compulsory schemes",
    "X1": "Notification of business activity, permission for exercising a business activity, "
          "changes of business activity and the termination of a business activity (…)",
    "X2": "Registration of an employer (a natural person) with compulsory pension and "
          "insurance schemes",
    "X3": "Registration of employees with compulsory pension and insurance schemes",
    "X4": "Submitting a corporate tax declaration",
    "X5": "Notification to the social security schemes of the end of contract with an "
          "employee, excluding procedures for the collective termination of employee "
          "contracts",
    "X6": "Payment of social contributions for employees",
}
# The procedures of TDD 2.0 that 1.x does not know: the codes the Commission's 2.0 Evidence
# Broker answers with (tests/oots/tdd-2.0-captured/eb_requirements_catalogue.xml, captured
# 2026 by oots-france, Apache-2.0), labelled with the English titles of the frameworks there
# (the 2.0 code list file itself is not available here). A 1.x answer names none of them.
PROCEDURES_2_0 = {
    **PROCEDURES,
    "AM1": "Recognition of foreign professional qualification",
    "X10": "Notification of a data intermediation services provider",
    "X11": "Registration as a data altruism organisation recognised in the Union",
}
