"""`regmap demo retire`: the illustrative demo catalogue leaves routing in one audited unit
of work once real data is in. Every illustrative object that is not retired yet is retired
(pending ones too, their proposals withdrawn), dependants before what they depend on. The
evidence types the plain seed ships are real entries and stay."""
from ..record import audit
from .eu_requirements import eu_requirements
from .evidence_types import evidence_types
from .offers import offers
from .organisations import organisations
from .permissions import permissions
from .queries import common as queries
from .registers import registers
from .services import services

# Dependants first: offers and permissions name services, evidence types, organisations.
ORDER = (offers, permissions, services, eu_requirements, evidence_types, registers,
         organisations)
NOT_RETIRED = ("pending", "active", "suspended")
REASON = "regmap demo retire: the illustrative demo catalogue is retired"


def retire_demo(conn, actor, dependants=()):
    """{collection name: objects retired}, all in one transaction; `dependants` are the
    collections of higher packages that name catalogue objects (onboarding records), retired
    first."""
    counts = {}
    with audit.write_transaction(conn):
        for collection in (*dependants, *ORDER):
            codes = queries.illustrative_codes(conn, collection.table, NOT_RETIRED)
            counts[collection.name] = collection.retire_many(
                conn, actor, collection.load_many(conn, codes), reason=REASON)
    return counts
