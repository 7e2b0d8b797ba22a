"""The OOTS code lists as data, per TDD line ('1.x', '2.0'): each list with the edition it was
shipped from and a revision that every added or removed value moves on, and its values in
order. `regmap seed` loads the shipped lists (catalog_seed/catalog/oots_code_lists.csv);
data managers add and remove values (catalog/code_lists.py owns the rules).

The offer's level-of-assurance CHECK goes: the list it names may grow, and the write path
checks every coded field against the lists instead. `published_offer` gains the offer's level
of assurance and access service, which the export names.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_PUBLISHED_OFFER = """
    CREATE OR REPLACE VIEW published_offer AS
    SELECT o.id, o.code, o.provider_id, o.evidence_type_id, o.endpoint_url, o.environment,
           o.illustrative, o.updated_at,
           EXISTS (SELECT 1 FROM evidence_type_register er JOIN register r
                   ON r.id = er.register_id
                   WHERE er.evidence_type_id = o.evidence_type_id AND r.status = 'active'
                     AND NOT r.illustrative) AS real_register{more}
    FROM offer o JOIN organisation p ON p.id = o.provider_id
    WHERE o.status = 'active' AND p.status = 'active'
      AND EXISTS (SELECT 1 FROM evidence_type_register er JOIN register r
                  ON r.id = er.register_id
                  WHERE er.evidence_type_id = o.evidence_type_id AND r.status = 'active')
"""


def upgrade():
    op.execute("""
    CREATE TABLE oots_code_list (
        list text NOT NULL CHECK (list ~ '^[a-z][a-z-]{1,40}$'),
        line text NOT NULL CHECK (line IN ('1.x', '2.0')),
        edition text CHECK (length(edition) BETWEEN 1 AND 40),
        revision integer NOT NULL DEFAULT 1 CHECK (revision > 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (list, line)
    );
    CREATE TABLE oots_code_value (
        list text NOT NULL,
        line text NOT NULL,
        code text NOT NULL CHECK (length(code) BETWEEN 1 AND 100),
        label text NOT NULL CHECK (length(label) BETWEEN 1 AND 500),
        source text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
        position integer NOT NULL,
        PRIMARY KEY (list, line, code),
        FOREIGN KEY (list, line) REFERENCES oots_code_list (list, line)
    );
    ALTER TABLE offer DROP CONSTRAINT IF EXISTS offer_level_of_assurance_check;
    """)
    # The export names an offer's level of assurance and its access point's EDM versions.
    op.execute(_PUBLISHED_OFFER.format(more=",\n           o.level_of_assurance, "
                                            "o.access_service_id"))


def downgrade():
    op.execute("DROP VIEW published_offer")
    op.execute(_PUBLISHED_OFFER.replace("OR REPLACE ", "").format(more=""))
    op.execute("""COMMENT ON VIEW published_offer IS
        'Offers as the public catalogue shows them: active, of an active provider, of an '
        'evidence type from an active register (ARCHITECTURE.md, "Read models")'""")
    op.execute("""
    DROP TABLE oots_code_value;
    DROP TABLE oots_code_list;
    ALTER TABLE offer ADD CONSTRAINT offer_level_of_assurance_check
        CHECK (level_of_assurance IN ('Low', 'Substantial', 'High')) NOT VALID;
    """)
