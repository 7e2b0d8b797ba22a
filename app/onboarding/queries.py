"""SQL of onboarding records, transition deadlines, Fachsynchronisation entries and their
reports. Functions take the connection first and return dict rows."""
from psycopg import sql

from ..catalog.queries.common import STATUS, Listing

# --- onboarding records (Anbindungsvorhaben) ---

# `connected_in_catalogue`: what regmap knows by itself - an active offer of the provider for
# the evidence type (or any evidence type of the register) in that environment, an active
# permission of the consumer for the service there.
_ONBOARDING_SELECT = """
    SELECT t.id, t.code, t.organisation_id, o.code AS organisation, o.name AS organisation_name,
           o.status AS organisation_status, t.role, r.code AS register, et.code AS evidence_type,
           s.code AS service, t.environment, t.state, t.first_contact_on,
           t.evidence_specified_on, t.readiness_checked_on, t.readiness_result, t.connected_on,
           t.target_date, t.notes, t.status, t.illustrative, t.version, t.created_at,
           t.updated_at,
           CASE WHEN t.role = 'provider' THEN EXISTS (
                    SELECT 1 FROM offer f
                    WHERE f.provider_id = t.organisation_id AND f.status = 'active'
                      AND f.environment = t.environment
                      AND (f.evidence_type_id = t.evidence_type_id
                           OR f.evidence_type_id IN (SELECT er.evidence_type_id
                                                     FROM evidence_type_register er
                                                     WHERE er.register_id = t.register_id)))
                ELSE EXISTS (
                    SELECT 1 FROM permission p
                    WHERE p.consumer_id = t.organisation_id AND p.status = 'active'
                      AND p.environment = t.environment AND p.service_id = t.service_id)
           END AS connected_in_catalogue
    FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
    LEFT JOIN register r ON r.id = t.register_id
    LEFT JOIN evidence_type et ON et.id = t.evidence_type_id
    LEFT JOIN service s ON s.id = t.service_id"""


_EQUAL = ("organisation_id", "register_id", "evidence_type_id", "service_id", "role",
          "environment", "state", "status")
ONBOARDING = Listing("onboarding", _ONBOARDING_SELECT, {
    **{column: f"t.{column} = %({column})s" for column in _EQUAL},
    # organisation admins: their own records only (access.policy.own_records_only)
    "only_organisation_id": "t.organisation_id = %(only_organisation_id)s"})
get_onboarding, list_onboarding = ONBOARDING.get, ONBOARDING.list


_ONBOARDING_FIELDS = ("organisation_id", "role", "register_id", "evidence_type_id",
                      "service_id", "environment", "state", "first_contact_on",
                      "evidence_specified_on", "readiness_checked_on", "readiness_result",
                      "connected_on", "target_date", "notes")


def insert_onboarding(conn, v):
    columns = ("code", *_ONBOARDING_FIELDS, "status", "illustrative")
    return conn.execute(sql.SQL("INSERT INTO onboarding ({}) VALUES ({}) RETURNING id").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder(c) for c in columns)), v).fetchone()["id"]


def update_onboarding(conn, onboarding_id, v):
    columns = (*_ONBOARDING_FIELDS, "status")
    conn.execute(sql.SQL("UPDATE onboarding SET {}, version = version + 1, updated_at = now() "
                         "WHERE id = %(id)s").format(
        sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
                           for c in columns)), {**v, "id": onboarding_id})


def onboarding_counts(conn):
    """Distinct organisations per role, environment and state, over the active records of
    active organisations (what the status report to the IT-Planungsrat counts)."""
    return conn.execute("""
        SELECT t.role, t.environment, t.state, count(DISTINCT t.organisation_id) AS n
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active'
        GROUP BY t.role, t.environment, t.state
    """).fetchall()


def demo_authority_codes(conn, limit):
    """The first `limit` active illustrative organisations by code (demo authorities)."""
    return [r["code"] for r in conn.execute(
        "SELECT code FROM organisation WHERE illustrative AND status = 'active' "
        "ORDER BY code LIMIT %(limit)s", {"limit": limit})]



_FACHSYNC_SELECT = """
    SELECT t.id, t.code, o.code AS organisation, o.abbreviation, o.name AS organisation_name,
           r.code AS register, r.idnrg_number, t.status_on, t.contacted, t.status, t.source,
           t.recorded_at, t.recorded_by
    FROM fachsynchronisation t JOIN organisation o ON o.id = t.organisation_id
    LEFT JOIN register r ON r.id = t.register_id"""


FACHSYNCHRONISATION = Listing("fachsynchronisation", _FACHSYNC_SELECT, {
    "organisation_id": "t.organisation_id = %(organisation_id)s",
    "register_id": "t.register_id = %(register_id)s",
    # only the newest entry per actor and register (its status)
    "latest": """NOT EXISTS (
        SELECT 1 FROM fachsynchronisation n
        WHERE n.organisation_id = t.organisation_id
          AND n.register_id IS NOT DISTINCT FROM t.register_id
          AND (n.status_on, n.id) > (t.status_on, t.id))"""},
    order="t.status_on DESC, o.code, r.idnrg_number, t.id")
# Entries, newest status first.
get_fachsynchronisation, list_fachsynchronisation = (FACHSYNCHRONISATION.get,
                                                     FACHSYNCHRONISATION.list)


def insert_fachsynchronisation(conn, v):
    conn.execute("""
        INSERT INTO fachsynchronisation (code, organisation_id, register_id, status_on,
                                         contacted, status, source, recorded_by)
        VALUES (%(code)s, %(organisation_id)s, %(register_id)s, %(status_on)s,
                %(contacted)s, %(status)s, %(source)s, %(recorded_by)s)""", v)


def fachsynchronisation_exists(conn, organisation_id, register_id, status_on, source):
    return conn.execute("""
        SELECT 1 FROM fachsynchronisation
        WHERE organisation_id = %(org)s AND register_id IS NOT DISTINCT FROM %(register)s
          AND status_on = %(on)s AND source = %(source)s""",
                        {"org": organisation_id, "register": register_id, "on": status_on,
                         "source": source}).fetchone() is not None


def federal_counterpart_of(conn, organisation_id, register_id):
    return conn.execute("""
        SELECT 1 FROM register_organisation
        WHERE organisation_id = %(org)s AND register_id = %(register)s
          AND relation = 'federal_counterpart'""", {"org": organisation_id,
                                        "register": register_id}).fetchone() is not None


# --- transition deadlines (Übergangsfristen) ---

_DEADLINE_SELECT = """
    SELECT t.id, t.code, t.register_id, r.code AS register, t.evidence_type_id,
           et.code AS evidence_type, t.due_on, t.legal_source, t.notes, t.status,
           t.illustrative, t.version, t.created_at, t.updated_at
    FROM deadline t LEFT JOIN register r ON r.id = t.register_id
    LEFT JOIN evidence_type et ON et.id = t.evidence_type_id"""


DEADLINES = Listing("deadline", _DEADLINE_SELECT, {
    "register_id": "t.register_id = %(register_id)s",
    "evidence_type_id": "t.evidence_type_id = %(evidence_type_id)s",
    "status": STATUS}, order="t.due_on, t.code")
get_deadline, list_deadlines = DEADLINES.get, DEADLINES.list


def insert_deadline(conn, v):
    return conn.execute("""
        INSERT INTO deadline (code, register_id, evidence_type_id, due_on, legal_source,
                              notes, status, illustrative)
        VALUES (%(code)s, %(register_id)s, %(evidence_type_id)s, %(due_on)s,
                %(legal_source)s, %(notes)s, %(status)s, %(illustrative)s)
        RETURNING id""", v).fetchone()["id"]


def update_deadline(conn, deadline_id, v):
    conn.execute("""
        UPDATE deadline SET register_id = %(register_id)s,
               evidence_type_id = %(evidence_type_id)s, due_on = %(due_on)s,
               legal_source = %(legal_source)s, notes = %(notes)s, status = %(status)s,
               version = version + 1, updated_at = now()
        WHERE id = %(id)s""", {**v, "id": deadline_id})


def deadline_obligations(conn):
    """Per active deadline, every provider obliged - the keepers of the register (of the
    evidence type's registers) and every organisation with an active provider onboarding
    record for it - and whether it has an active production offer of an evidence type the
    deadline covers."""
    return conn.execute("""
        WITH covered AS (  -- deadline -> the evidence types and registers it concerns
            SELECT d.id AS deadline_id, et.id AS evidence_type_id, er.register_id
            FROM deadline d
            JOIN evidence_type_register er ON er.register_id = d.register_id
                                           OR er.evidence_type_id = d.evidence_type_id
            JOIN evidence_type et ON et.id = er.evidence_type_id
            WHERE d.status = 'active'
        ), obliged AS (
            SELECT c.deadline_id, ro.organisation_id, 'keeper' AS why
            FROM covered c JOIN register_organisation ro
              ON ro.register_id = c.register_id AND ro.relation = 'keeper'
            UNION
            SELECT d.id, ob.organisation_id, 'onboarding'
            FROM deadline d JOIN onboarding ob
              ON ob.role = 'provider' AND ob.status = 'active'
             AND (ob.register_id = d.register_id OR ob.evidence_type_id = d.evidence_type_id
                  OR ob.evidence_type_id IN (SELECT c.evidence_type_id FROM covered c
                                             WHERE c.deadline_id = d.id))
            WHERE d.status = 'active'
        )
        SELECT d.code AS deadline, d.due_on, d.legal_source, r.code AS register,
               et.code AS evidence_type, o.code AS organisation, o.name AS organisation_name,
               array_agg(DISTINCT ob.why ORDER BY ob.why) AS obliged_as,
               EXISTS (SELECT 1 FROM offer f JOIN covered c
                         ON c.deadline_id = d.id AND c.evidence_type_id = f.evidence_type_id
                       WHERE f.provider_id = o.id AND f.status = 'active'
                         AND f.environment = 'production') AS connected
        FROM obliged ob JOIN deadline d ON d.id = ob.deadline_id
        JOIN organisation o ON o.id = ob.organisation_id AND o.status = 'active'
        LEFT JOIN register r ON r.id = d.register_id
        LEFT JOIN evidence_type et ON et.id = d.evidence_type_id
        GROUP BY d.id, r.code, et.code, o.id
        ORDER BY d.due_on, d.code, o.code""").fetchall()


def registers_without_production_offer(conn):
    """Active annex and other registers none of whose evidence types has an active
    production offer of an active provider."""
    return conn.execute("""
        SELECT r.code, r.idnrg_number, r.name FROM register r
        WHERE r.status = 'active' AND NOT EXISTS (
            SELECT 1 FROM evidence_type_register er
            JOIN offer f ON f.evidence_type_id = er.evidence_type_id
            JOIN organisation p ON p.id = f.provider_id
            WHERE er.register_id = r.id AND f.status = 'active'
              AND f.environment = 'production' AND p.status = 'active')
        ORDER BY r.idnrg_number NULLS LAST, r.code""").fetchall()


def onboarding_counts_by_group(conn):
    """onboarding_counts per Land of the organisation's seat (`land`) and per federal actor
    (an organisation that is a register's federal counterpart, `actor`)."""
    return conn.execute("""
        SELECT 'land' AS grouping, left(o.seat_ags, 2) AS key, t.role, t.environment, t.state,
               count(DISTINCT t.organisation_id) AS n
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active' AND o.seat_ags IS NOT NULL
        GROUP BY left(o.seat_ags, 2), t.role, t.environment, t.state
        UNION ALL
        SELECT 'actor', o.code, t.role, t.environment, t.state,
               count(DISTINCT t.organisation_id)
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active'
          AND EXISTS (SELECT 1 FROM register_organisation ro
                      WHERE ro.organisation_id = o.id AND ro.relation = 'federal_counterpart')
        GROUP BY o.code, t.role, t.environment, t.state
    """).fetchall()


def onboarding_milestones(conn):
    """Per active record of an active organisation: role, organisation and its milestone
    dates (progress over time)."""
    return conn.execute("""
        SELECT t.role, t.organisation_id, t.first_contact_on, t.evidence_specified_on,
               t.readiness_checked_on, t.connected_on
        FROM onboarding t JOIN organisation o ON o.id = t.organisation_id
        WHERE t.status = 'active' AND o.status = 'active'
    """).fetchall()


def area_names(conn, keys):
    return {r["key"]: r["name"] for r in conn.execute(
        "SELECT key, name FROM area WHERE key = ANY(%(keys)s)", {"keys": list(keys)})}


