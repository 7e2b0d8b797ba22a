"""The kinds of organisation a registering authority chooses from: the kinds the
shipped catalogue uses — its organisations' kinds (federal seed, demo authorities) and the
register map's keeping-authority types (tests keep both true) — a few more levels of German
administration, and "Sonstige" with a text of its own. Data managers creating organisations
directly may still name any kind."""

OTHER = "Sonstige"
# Administrative kinds (organisations.csv, the demo's municipalities and Verbände).
ADMINISTRATIVE = (
    "Gemeinde", "Stadt", "Kreisfreie Stadt", "Kreis", "Amt", "Verbandsgemeinde",
    "Samtgemeinde", "Verwaltungsgemeinschaft", "Kirchspielslandgemeinde",
    "Landesministerium", "Landesbehörde", "Fachministerkonferenz der Länder",
    "Bundesministerium", "Bundesoberbehörde", "Bundesbehörde",
    "Bundesunmittelbare Körperschaft des öffentlichen Rechts", "Rentenzahlstelle",
    "Träger der gesetzlichen Rentenversicherung",
    "Spitzenverband der gesetzlichen Krankenversicherung",
    "Spitzenverband der gesetzlichen Unfallversicherung",
    "Gemeinschaftseinrichtung der Rundfunkanstalten",
    "Träger der Künstlersozialversicherung", "Berufskammer",
    "Spitzenorganisation der Industrie- und Handelskammern",
    "Spitzenorganisation des Handwerks", "Standardisierungsvorhaben (XÖV)", "Akteursgruppe",
)
# Keeping-authority types of the register map (register_details.csv), and the functional
# kinds the registration form suggested before.
FUNCTIONAL = (
    "Meldebehörde", "Standesamt", "Ausländerbehörde", "Passbehörde", "Personalausweisbehörde",
    "eID-Karte-Behörde", "Gewerbebehörde", "Kfz-Zulassungsbehörde", "Elterngeldstelle",
    "Wohngeldbehörde", "Versorgungsamt", "Amt für Ausbildungsförderung",
    "Leistungsbehörde nach dem Asylbewerberleistungsgesetz", "Träger der Sozialhilfe",
    "Träger der Grundsicherung für Arbeitsuchende", "Jobcenter", "Finanzamt",
    "Bauaufsichtsbehörde", "Krankenkasse", "Pflegekasse", "Träger der Rentenversicherung",
    "Datenstelle der Rentenversicherung", "Träger der gesetzlichen Unfallversicherung",
    "Träger der landwirtschaftlichen Sozialversicherung", "Berufsständisches Versorgungswerk",
    "Handwerkskammer", "Industrie- und Handelskammer", "Architekten- und Ingenieurkammer",
    "Steuerberaterkammer; Wirtschaftsprüferkammer",
    "Zuständige Stelle nach dem Berufsbildungsgesetz",
    "Zulassungsstelle nach dem Umweltauditgesetz",
    "Schulen, Schulbehörden und Bildungseinrichtungen", "Öffentlicher Arbeitgeber",
)
# The gateway between NOOTS and the EU Once-Only Technical System: an access
# service in OOTS answers, and the provider of last resort for EU evidence types.
INTERMEDIARY_PLATFORM = "Intermediäre Plattform"
KINDS = (*ADMINISTRATIVE, *FUNCTIONAL, INTERMEDIARY_PLATFORM, OTHER)


def registered_kind(kind, other):
    """What is stored for a registration's choice: the kind, or "Sonstige (their text)"."""
    return f"{OTHER} ({other.strip()})" if kind == OTHER else kind


def chosen_kind(stored):
    """The form's (kind, other text) for a stored kind: the inverse of registered_kind."""
    if stored.startswith(f"{OTHER} (") and stored.endswith(")"):
        return OTHER, stored[len(OTHER) + 2:-1]
    return (stored, "") if stored in KINDS else (OTHER, stored)
