"""Data governance: accounts (users, API tokens, sign-in) and the self-service registration
of authorities; above the catalogue, on the low layers access, record and review."""
from . import errors as _errors  # noqa: F401  (registers governance's constraint messages)
