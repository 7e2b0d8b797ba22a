"""Who sees what: every visibility rule of regmap, each written once.

API routes, web pages, competence answers (both entrances), histories and the change feed
call these functions; none of them tests a role for visibility on its own.
"""
import hashlib
import json

from ..record import history
from .roles import (
    ADMIN,
    AUDITOR,
    CONSUMER_ADMIN,
    CURATORS,
    DATA_MANAGER,
    ORGANISATION_ROLES,
    OVERSIGHT,
    ROUTING,
)

# Besides these roles, an offer's owning provider sees its own offers' parameters.
CONNECTION_PARAMETER_ROLES = (ROUTING, DATA_MANAGER, ADMIN)
# Who reads abstract permissions (the API's permission paths and the catalogue pages).
PERMISSION_READERS = (CONSUMER_ADMIN, ROUTING) + OVERSIGHT
# Who asks the abstract permission check (the Vermittlungsstelle's, § 7 Abs. 2 IDNrG).
PERMISSION_CHECKERS = (ROUTING,) + OVERSIGHT
# Who reads onboarding records: the organisation's admins (their own) and overseers.
ONBOARDING_READERS = ORGANISATION_ROLES + OVERSIGHT
# Collections whose payloads the routing service may read in the change feed.
_ROUTING_READS = ("organisations", "registers", "evidence-types", "services", "offers",
                  "permissions")


def may_check_permissions(actor):
    """May `actor` ask /permissions/check (both entrances: the fast path and the view)?"""
    return actor.role in PERMISSION_CHECKERS


def sees_connection_parameters(actor, owner_id=None):
    """May `actor` see the connection parameters of an offer owned by `owner_id`?"""
    return actor.role in CONNECTION_PARAMETER_ROLES or actor.acts_for(owner_id)


def sees_illustrative_offers(actor, requested, routing_default):
    """Do illustrative (demo) offers take part in this actor's competence answers? As the
    caller asked (`illustrative=`), else yes — except for routing tokens, which follow the
    operator's REGMAP_ROUTING_ILLUSTRATIVE (`routing_default`)."""
    if requested is not None:
        return requested
    return routing_default if actor.role == ROUTING else True


def sees_contact(actor, organisation_id):
    """Contacts are personal data: curators, auditors and the organisation itself only."""
    return actor.is_curator or actor.role == AUDITOR or actor.acts_for(organisation_id)


def sees_every_status(actor):
    """Overseers see objects in every state (pending, rejected, ...)."""
    return role_sees_every_status(actor.role)


def role_sees_every_status(role):
    """`sees_every_status` for callers that hold a role only (search, after its cache)."""
    return role in OVERSIGHT


def visible_statuses(actor, public):
    """None: the actor sees every state; else only these (plus what it owns)."""
    return None if sees_every_status(actor) else public


def may_see(actor, status, public, owner_id=None):
    return sees_every_status(actor) or status in public or actor.acts_for(owner_id)


def sees_review_state(actor, owner_id):
    """Pending proposals and histories: overseers, and the owning organisation."""
    return actor.role in OVERSIGHT or actor.acts_for(owner_id)


def may_read(actor, readers):
    """May `actor` read what `readers` (roles; None or empty: everyone) may read?"""
    return not readers or actor.role in readers


def sees_postcode_curations(actor):
    """Pending, rejected and withdrawn postcode curations: overseers; others the active."""
    return sees_every_status(actor)


def acts_as_owner(actor, owner_role):
    """Is `actor` the organisation admin kind that owns a reviewed collection's objects
    (provider_admin: offers, consumer_admin: permissions)? It acts for its own organisation
    only, and sees its own objects in every state."""
    return actor.role == owner_role


def owner_filter(actor, owner_role):
    """The organisation whose non-public objects a list adds for `actor` (None: none)."""
    return actor.organisation_id if acts_as_owner(actor, owner_role) else None


def manages_every_user(actor):
    """Admins manage every user and token."""
    return actor.role == ADMIN


def manages_a_team(actor):
    """Admins and organisation admins manage users (the latter their organisation's)."""
    return manages_every_user(actor) or actor.role in ORGANISATION_ROLES


def manages_users_of(actor, organisation_id):
    return manages_every_user(actor) or (actor.role in ORGANISATION_ROLES
                                         and actor.acts_for(organisation_id))


def may_issue_own_tokens(actor):
    """An IAM-B identity authenticates with IAM-B's tokens only: a regmap token of its own
    would outlive its revocation at the IdP. (Admins acting through IAM-B still issue tokens
    for the local users they manage.)"""
    return actor.subject is None


def may_add_user_with_role(actor, role):
    """Admins add users of every role; organisation admins a second user of their own."""
    return manages_every_user(actor) or role == actor.role


def own_records_only(actor):
    """The organisation whose records an organisation admin is limited to (-1 when it acts
    for none: nothing), or None for everyone else (overseers read all)."""
    return (actor.organisation_id or -1) if actor.role in ORGANISATION_ROLES else None


def may_decide_reviews(actor):
    return actor.role in CURATORS


def fingerprint(value):
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode())
    return {"sha256": digest.hexdigest()[:16]}


def redact(document, actor, owner_id=None):
    """A stored document as `actor` may see it: connection parameters it may not see become
    a fingerprint, so a change is still visible."""
    if not isinstance(document, dict) or "connection_parameters" not in document:
        return document
    if sees_connection_parameters(actor, owner_id):
        return document
    return {**document, "connection_parameters": fingerprint(
        document["connection_parameters"])}


def history_entry(row, actor, owner_id=None):
    """One audit entry as `actor` may see it (object history, audit log)."""
    entry = history.entry_document(row)
    entry["before"] = redact(entry["before"], actor, owner_id)
    entry["after"] = redact(entry["after"], actor, owner_id)
    return entry


def change_entry(row, actor):
    """A change-feed entry: ids, types and versions for everyone allowed; the payload only
    for roles that may read the object."""
    entry = history.change_document(row)
    payload = entry["payload"]
    if actor.role in CURATORS:
        return entry
    if actor.role == ROUTING:
        entry["payload"] = {k: v for k, v in payload.items() if k != "contact"} \
            if row["collection"] in _ROUTING_READS and isinstance(payload, dict) else None
        return entry
    entry["payload"] = redact(payload, actor)
    return entry
