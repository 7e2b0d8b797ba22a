"""Rules several catalogue collections share."""
from ..access.environments import PRODUCTION
from ..http.errors import ValidationFailed, param_error

# Set by `regmap seed` only (no API schema lets it through): the shipped data declares an
# entry real that an older demo seed created as illustrative.
SHIPPED_AS_REAL = "_shipped_as_real"


def illustrative(data, current):
    """Demo entries stay demo entries: the flag is set at creation (seeding) only, except
    that the shipped seed may declare one real (SHIPPED_AS_REAL)."""
    if data.get(SHIPPED_AS_REAL):
        return False
    return current["illustrative"] if current else bool(data.get("illustrative", False))


def check_validity(data):
    """Validity is half-open [valid_from, valid_to): the end must come after the start."""
    if data.get("valid_from") and data.get("valid_to") \
            and data["valid_from"] >= data["valid_to"]:
        raise ValidationFailed("valid_to must be after valid_from (validity is half-open)",
                               errors=[param_error("valid_to", "body", "must be after valid_from")])


def outside_production(data, current=None):
    """An owner's write that needs no review: the object is outside production
    before and after it. Promotion to production is reviewed like any production change."""
    return environment(data, current) != PRODUCTION and (
        current is None or current["environment"] != PRODUCTION)


def environment(data, current):
    """The environment an offer or permission is written in: as given, else the one it is
    in, else production (everything that existed before environments is production)."""
    return data.get("environment") or (current or {}).get("environment") or PRODUCTION
