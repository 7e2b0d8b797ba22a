"""German names and the template filters and page context every page uses."""
import re
from zoneinfo import ZoneInfo

from flask import g

from ..access.actor import ANONYMOUS_ACTOR
from ..access.policy import (
    acts_as_owner,
    may_decide_reviews,
    sees_every_status,
)
from ..access.roles import (
    ADMIN,
    ANONYMOUS,
    AUDITOR,
    CONSUMER_ADMIN,
    DATA_MANAGER,
    PROVIDER_ADMIN,
    ROUTING,
    acts_for_an_organisation,
)
from . import present, sessions
from .blueprint import blp

ROLE_NAMES = {ANONYMOUS: "nicht angemeldet", PROVIDER_ADMIN: "Datenbereitsteller",
              CONSUMER_ADMIN: "Datennutzer", ROUTING: "Registerdatennavigation",
              DATA_MANAGER: "Datenmanagement (FKS)", AUDITOR: "Prüfung/Revision",
              ADMIN: "Administration"}
STATUS_NAMES = {"active": "aktiv", "pending": "wartet auf Prüfung", "retired": "außer Kraft",
                "rejected": "abgelehnt", "suspended": "gesperrt", "withdrawn": "zurückgezogen",
                "approved": "freigegeben", "deactivated": "deaktiviert", "current": "aktuell",
                "superseded": "ersetzt"}

ACTION_NAMES = {"create": "angelegt", "update": "geändert", "retire": "außer Kraft gesetzt",
                "propose-create": "vorgeschlagen", "propose-update": "Änderung vorgeschlagen",
                "propose-retire": "Außerkraftsetzung beantragt", "approve": "freigegeben",
                "reject": "abgelehnt", "submit": "eingereicht", "withdraw": "zurückgezogen",
                "resubmit": "erneut eingereicht"}
BERLIN = ZoneInfo("Europe/Berlin")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@blp.app_template_filter("status")
def _status_name(status):
    return STATUS_NAMES.get(status, status)


@blp.app_template_filter("date_de")
def _date_de(value):
    """2026-11-29 -> 29.11.2026 (dates and timestamps; None stays empty)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = value[:10]
        year, month, day = value.split("-")
        return f"{day}.{month}.{year}"
    return value.strftime("%d.%m.%Y")


@blp.app_template_filter("value_de")
def _value_de(value):
    """A field value for people: ISO dates as 29.11.2026, lists joined, texts in German."""
    if hasattr(value, "strftime") or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return _date_de(value)
    return present.text_of(value)


@blp.app_template_filter("number_de")
def _number_de(value):
    """10952 -> 10.952"""
    return f"{value:,}".replace(",", ".")


@blp.app_template_filter("when")
def _when(value):
    """A timestamp as Berlin wall-clock time, e.g. 29.11.2026 14:05."""
    if not value:
        return ""
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


@blp.app_template_filter("action_de")
def _action_name(action):
    """'offer.propose-update' -> 'Änderung vorgeschlagen' (audit actions, for people)."""
    verb = action.split(".", 1)[-1]
    return ACTION_NAMES.get(verb, ACTION_NAMES.get(verb.split("-", 1)[0], action))


@blp.app_template_filter("label_de")
def _label_de(field):
    """'abbreviation' -> 'Kurzbezeichnung' (field names, for people)."""
    return present.label_of(field)


@blp.app_context_processor
def _page_context():
    actor = g.get("actor") or ANONYMOUS_ACTOR
    return {"csrf_token": sessions.csrf_token, "csrf_field": sessions.CSRF_FIELD,
            "me": g.get("web_user"), "role": actor.role,
            "role_name": ROLE_NAMES.get(actor.role, actor.role),
            "is_curator": may_decide_reviews(actor), "is_overseer": sees_every_status(actor),
            "is_provider": acts_as_owner(actor, PROVIDER_ADMIN),
            "is_org_admin": acts_for_an_organisation(actor.role),
            "label_of": present.label_of, "field_text": present.field_text}
