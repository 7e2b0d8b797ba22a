"""German wording for the web pages: the API's validation messages and problems, said the
way a clerk in a Bürgeramt would want to read them. The rules stay the API's own (the same
marshmallow schemas and domain checks run); only the words change here."""
import re

from ..http.errors import flatten_messages

# API message (regular expression) -> German text; groups are carried over.
_TRANSLATIONS = [
    (r"Missing data for required field\.|required", "Bitte ausfüllen."),
    (r"Field may not be null\.", "Bitte ausfüllen."),
    (r"Not a valid email address\.", "Bitte eine gültige E-Mail-Adresse angeben."),
    (r"not an absolute http\(s\) URL.*", "Bitte eine vollständige Adresse angeben (https://…), "
                                          "Sonderzeichen %-kodiert."),
    (r"a production endpoint must use https://",
     "Produktive Endpunkte nur mit https:// angeben."),
    (r"Not a valid date\.", "Bitte ein Datum angeben (TT.MM.JJJJ oder JJJJ-MM-TT)."),
    (r"Not a valid integer\.", "Bitte eine ganze Zahl angeben."),
    (r"Not a valid UUID\.", "Bitte eine UUID angeben (die Kennung im OOTS Semantic "
                             "Repository)."),
    (r"Length must be between (\d+) and (\d+)\.", r"Mindestens \1 und höchstens \2 Zeichen."),
    (r"Shorter than minimum length (\d+)\.", r"Mindestens \1 Zeichen."),
    (r"Longer than maximum length (\d+)\.", r"Höchstens \1 Zeichen."),
    (r"Must be greater than or equal to (\d+) and less than or equal to (\d+)\.",
     r"Bitte eine Zahl von \1 bis \2."),
    (r"Must be one of: .*", "Bitte einen der angebotenen Werte wählen."),
    (r"8 digits", "Bitte einen Gemeindeschlüssel (AGS) mit 8 Ziffern angeben."),
    (r"DE or a key of 2, 3, 5, 8 \(AGS\) or 9 digits",
     "Gebietsschlüssel: DE oder 2, 3, 5, 8 (AGS) bzw. 9 Ziffern."),
    (r"lowercase letters, digits, '-' and '\.', at most 80",
     "Nur Kleinbuchstaben, Ziffern, „-“ und „.“, höchstens 80 Zeichen."),
    (r"unknown municipality", "Diese Gemeinde kennen wir nicht."),
    (r"unknown area key '(.+)'", r"Den Gebietsschlüssel „\1“ kennen wir nicht."),
    (r"unknown code '(.+)'", r"„\1“ kennen wir nicht."),
    (r"'(.+)' is (\w+)", r"„\1“ ist nicht aktiv (\2)."),
    (r"(\S+) is covered by offer (\S+)",
     r"Gebiet \1 ist für diesen Nachweistyp schon durch Angebot \2 abgedeckt."),
    (r"must be after valid_from", "Das Ende muss nach dem Beginn liegen (das Ende zählt nicht "
                                  "mehr zur Gültigkeit)."),
    (r"between 1 and (\d+)", r"Zwischen 1 und \1 Tagen."),
    (r"Unknown field\.", "Dieses Feld gibt es nicht."),
    (r"Not a valid string\.", "Bitte Text angeben."),
    (r"Not a valid mapping type\.", "Bitte ein JSON-Objekt angeben ({…})."),
    (r"Invalid value\.", "Ungültiger Wert."),
]
_COMPILED = [(re.compile(rf"^(?:{pattern})$"), german) for pattern, german in _TRANSLATIONS]

# Problem details of conflicts and refusals (whole sentences).
_PROBLEMS = [
    (r"a user with e-mail (\S+) exists already",
     r"Es gibt bereits ein Konto mit der E-Mail-Adresse \1."),
    (r"organisation code '(.+)' is taken", r"Der Kurzname „\1“ ist schon vergeben."),
    (r"your organisation (\S+) is suspended.*",
     r"Ihre Organisation „\1“ ist gesperrt. Bitte wenden Sie sich an die Datenverwaltung."),
    (r"your organisation (\S+) is (\w+).*",
     r"Ihre Organisation „\1“ ist nicht aktiv (Status: \2)."),
    (r"four-eyes: .*", "Vier-Augen-Prinzip: Was Sie selbst vorgeschlagen haben, prüft eine "
                       "andere Person."),
    (r"nothing of .* awaits review", "Hier wartet nichts (mehr) auf eine Prüfung."),
    (r"registration \S+ is (\w+), not pending", r"Diese Registrierung ist nicht mehr offen "
                                               r"(Status: \1)."),
    (r"registration \S+ is (\w+)", r"Diese Registrierung ist im Status „\1“."),
    (r"only a rejected registration can be resubmitted.*",
     "Nur eine abgelehnte Registrierung kann erneut eingereicht werden."),
    (r"offer (\S+) already covers area (\S+) .*",
     r"Gebiet \2 ist für diesen Nachweistyp in diesem Zeitraum schon durch Angebot \1 "
     r"abgedeckt."),
    (r".* changed since the proposal .*",
     "Der Eintrag wurde seit dem Vorschlag geändert. Bitte ablehnen und neu vorschlagen "
     "lassen."),
    (r".* is at version (\d+), not .*", r"Der Eintrag wurde inzwischen geändert (jetzt "
                                         r"Version \1). Bitte laden Sie die Seite neu."),
    (r".* '(.+)' exists already", r"„\1“ gibt es schon."),
    (r"'(.+)' is in \S+ \(\S+\) already", r"„\1“ steht schon in dieser Liste."),
    (r"'(.+)' of \S+ is still used: (.*); change them first",
     r"„\1“ wird noch verwendet: \2. Bitte diese Einträge zuerst ändern."),
    (r"code list .* is at revision (\d+), not .*", r"Die Liste wurde inzwischen geändert "
                                                   r"(jetzt Revision \1). Bitte laden Sie "
                                                   r"die Seite neu."),
    (r".* '(.+)' is retired already", r"„\1“ ist schon außer Kraft."),
    (r"wrong e-mail or password.*", "E-Mail-Adresse oder Passwort stimmen nicht, oder das "
                                    "Konto ist noch nicht freigegeben."),
    (r"too many failed sign-ins.*", "Zu viele Fehlversuche. Bitte später erneut versuchen."),
    (r"send the claim secret.*", "Bitte Registrierungsnummer und Zugangscode angeben."),
    (r"unknown registration or wrong claim secret",
     "Registrierungsnummer oder Zugangscode stimmen nicht."),
    (r"user (\S+) is deactivated already", "Dieses Konto ist bereits deaktiviert."),
    (r"token (\S+) is revoked already", "Dieser Token ist bereits widerrufen."),
    (r"you may add .*", "Sie können nur Konten Ihrer eigenen Organisation mit Ihrer Rolle "
                        "anlegen."),
    (r".* is (\w+) and cannot be changed", r"Dieser Eintrag ist im Status „\1“ und kann "
                                           r"nicht geändert werden."),
]
_PROBLEMS_COMPILED = [(re.compile(rf"^(?:{p})$"), german) for p, german in _PROBLEMS]


def german(message):
    """One API validation message in German (unknown ones are shown as they are)."""
    message = (message or "").strip()
    for pattern, text in _COMPILED:
        if pattern.match(message):
            return pattern.sub(text, message)
    return message


def german_problem(problem):
    """The headline of a refused request."""
    detail = problem.detail or ""
    for pattern, text in _PROBLEMS_COMPILED:
        if pattern.match(detail):
            return pattern.sub(text, detail)
    return {400: "Die Anfrage enthält Zeichen oder Angaben, die wir nicht verarbeiten können.",
            401: "Bitte melden Sie sich an.",
            403: "Dafür fehlt Ihnen die Berechtigung.",
            404: "Nicht gefunden.",
            409: "Das geht im aktuellen Zustand nicht.",
            412: "Der Eintrag oder der Vorschlag hat sich geändert, seit Sie ihn geöffnet "
                 "haben. Bitte prüfen Sie den jetzigen Stand unten und entscheiden Sie erneut.",
            428: "Die Seite ist veraltet. Bitte prüfen Sie den jetzigen Stand unten und "
                 "entscheiden Sie erneut.",
            410: "Dieses Gebiet gibt es nicht mehr.",
            413: "Die Eingabe ist zu groß.",
            422: "Bitte prüfen Sie die markierten Felder.",
            429: "Zu viele Versuche. Bitte später erneut versuchen."}.get(
                problem.status, "Das hat nicht geklappt.")


def field_errors(messages, field_names):
    """marshmallow's nested messages -> {form field: German text}. `field_names` maps the
    API's dotted names (organisation.contact.email) to the form's field names."""
    errors = {}
    for name, text in flatten_messages(messages):
        _put(errors, name, text, field_names)
    return errors


def problem_field_errors(problem, field_names):
    errors = {}
    for entry in problem.errors:
        _put(errors, entry["name"], entry["detail"], field_names)
    return errors


# A list position in an error's name: "formats[0].media_type" (a refusal) or
# "reference_frameworks.0.identifier" (marshmallow).
_POSITION = re.compile(r"\[(\d+)\]|\.(\d+)(?=\.|$)")


def _put(errors, api_name, text, field_names):
    positions = [int(a or b) for a, b in _POSITION.findall(api_name)]
    name = _POSITION.sub("", api_name)
    field = field_names.get(name, field_names.get(name.split(".")[-1], "_form"))
    errors.setdefault(field, [])
    german_text = german(text)
    if positions:
        german_text = f"Eintrag {positions[0] + 1}: {german_text}"
    if german_text not in errors[field]:
        errors[field].append(german_text)
