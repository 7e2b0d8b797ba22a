"""The catalogue: organisations, registers, evidence types, services (Leistungen), offers
(Nachweisangebote) and abstract permissions."""
from . import errors as _errors  # noqa: F401  (registers the catalogue's constraint messages)
