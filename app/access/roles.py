"""Roles (docs/api-conventions.md, "Roles"); the README's role × endpoint matrix is the
complete truth."""

ANONYMOUS = "anonymous"
PROVIDER_ADMIN = "provider_admin"
CONSUMER_ADMIN = "consumer_admin"
ROUTING = "routing"
DATA_MANAGER = "data_manager"
AUDITOR = "auditor"
ADMIN = "admin"

ROLES = (PROVIDER_ADMIN, CONSUMER_ADMIN, ROUTING, DATA_MANAGER, AUDITOR, ADMIN)
# Roles that act for one organisation and need one.
ORGANISATION_ROLES = (PROVIDER_ADMIN, CONSUMER_ADMIN)
# Who may see restricted fields of everything (contacts, connection parameters, pending).
CURATORS = (DATA_MANAGER, ADMIN)
OVERSIGHT = (DATA_MANAGER, AUDITOR, ADMIN)


def acts_for_an_organisation(role):
    """Does a user or token of `role` act for one organisation (and need one)?"""
    return role in ORGANISATION_ROLES
