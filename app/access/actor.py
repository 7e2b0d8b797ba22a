"""The acting party of a request or command: a role, and for organisation admins one
organisation."""
from dataclasses import dataclass

from .roles import ADMIN, ANONYMOUS, CURATORS, ORGANISATION_ROLES


@dataclass(frozen=True)
class Actor:
    role: str
    user_id: int | None = None
    user_code: str | None = None
    email: str | None = None
    organisation_id: int | None = None
    organisation_code: str | None = None
    token_code: str | None = None  # the API token acting (never the token itself)
    environment: str | None = None  # the environment the token is bound to (None: any)
    subject: str | None = None  # an IAM-B caller: issuer, subject, client (iam.subject_label)
    client_id: str | None = None  # an IAM-B machine client acting as itself (`client_id`)

    @property
    def label(self):
        """How the audit and check logs name the actor."""
        return self.subject or self.email or self.role

    @property
    def is_curator(self):
        return self.role in CURATORS

    def acts_for(self, organisation_id):
        return (self.role in ORGANISATION_ROLES and organisation_id is not None
                and organisation_id == self.organisation_id)


ANONYMOUS_ACTOR = Actor(role=ANONYMOUS)
# The view audit entries and curators get of an object: every field.
FULL_VIEW = Actor(role=ADMIN)


def system_actor(label):
    """Changes made from the command line (seed, import): audited under this label."""
    return Actor(role=ADMIN, email=label)


def registrant(email, user_id=None):
    """An authority registering itself: anonymous, audited under its e-mail address (and,
    once it exists, the id of the pending user it registers)."""
    return Actor(role=ANONYMOUS, user_id=user_id, email=f"registrant:{email}")
