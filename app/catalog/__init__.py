"""The catalogue: organisations, registers, evidence types, services (Leistungen), offers
(Nachweisangebote) and abstract permissions."""
