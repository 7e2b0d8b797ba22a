"""Form state for the templates: what was typed (kept when there are errors, so nothing is
lost) and the German errors tied to each field."""
import marshmallow as ma

from ..http.errors import ValidationFailed
from . import messages


class Form:
    def __init__(self, values=None):
        self.values = {k: v for k, v in (values or {}).items() if k != "csrf_token"}
        self.errors = {}       # field -> [German messages]; "_form" for the whole form
        self.headline = None   # what the error summary says first

    def get(self, name, default=""):
        return self.values.get(name, default)

    @property
    def has_errors(self):
        return bool(self.errors)

    def add(self, field, message):
        self.errors.setdefault(field, []).append(message)

    def fail(self, headline=None):
        self.headline = headline or "Bitte prüfen Sie die markierten Felder."


def from_request(request):
    """The submitted fields as strings (trimmed)."""
    return Form({key: request.form.get(key, "").strip() for key in request.form})


def load(form, schema, payload, field_names):
    """Validate `payload` with the API's own schema; marshmallow's messages land, in
    German, on the form's fields. Returns the loaded data, or None."""
    try:
        return schema.load(payload)
    except ma.ValidationError as error:
        form.errors.update(messages.field_errors(error.messages, field_names))
        form.fail()
        return None


def refused(form, problem, field_names):
    """A domain refusal (422, 409, 403 …) shown on the form it answered."""
    form.errors.update(messages.problem_field_errors(problem, field_names))
    form.fail(messages.german_problem(problem) if not isinstance(problem, ValidationFailed)
              or not problem.errors else None)


def blank_to_none(value):
    return value if value not in ("", None) else None


def german_date(text):
    """TT.MM.JJJJ or JJJJ-MM-TT -> ISO text for the API's schema (which reports errors)."""
    text = (text or "").strip()
    if not text:
        return None
    parts = text.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        day, month, year = parts
        return f"{year.zfill(4)}-{month.zfill(2)}-{day.zfill(2)}"
    return text


def decision_form(request):
    """A review decision as submitted: approve, or reject with a reason (every review
    page: catalogue proposals, registrations, postcode curations)."""
    form = from_request(request)
    if form.get("decision") not in ("approve", "reject"):
        form.add("_form", "Bitte „Freigeben“ oder „Ablehnen“ wählen.")
    elif form.get("decision") == "reject" and not form.get("reason"):
        form.add("reason", "Bitte begründen Sie die Ablehnung; die Begründung sieht, wer "
                           "den Antrag gestellt hat.")
    elif len(form.get("reason")) > 2000:
        form.add("reason", "Höchstens 2000 Zeichen.")
    if form.has_errors:
        form.fail()
    return form
