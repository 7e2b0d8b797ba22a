"""What a resolution reads — the one place that says which cached answers a change touches.

Every lookup records, while it resolves, the evidence types it looked up (by code, so an
answer "unknown evidence type" is invalidated when that type is created) and the offer slots
it consulted: (evidence type id, area key) for every key along every municipality's chain,
through successors, across every municipality of a postcode or of a Kreis, Regierungsbezirk
or Land; and the Leistungsschlüssel (LeiKa keys) it looked up services by. Reference areas
are not tracked: a change of areas rebuilds the index. A new kind of input stays exact as
long as it reads the catalogue through `CompetenceIndex.evidence_type`,
`CompetenceIndex.offers_at` and `CompetenceIndex.service_by_leika`, the only accessors that
record.
"""


class Reads:
    __slots__ = ("types", "slots", "leika")

    def __init__(self):
        self.types = set()     # evidence type codes
        self.slots = set()     # (evidence type id, area key)
        self.leika = set()     # Leistungsschlüssel
