"""A new edition of the Gemeindeverzeichnis is loaded as a reviewable change set: the parsed
edition, its preview (keys added, removed, renamed, the offers each touches), the
successions a data manager confirms, and the decision. Each loaded edition is recorded, so
a later `regmap seed` never turns the reference areas back to the shipped, older edition.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE area_import (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            text NOT NULL UNIQUE,
        edition         date NOT NULL,
        previous_edition date NOT NULL,
        status          text NOT NULL
                        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
        -- The parsed edition: area rows in the seed's staging column order.
        rows            jsonb NOT NULL,
        -- Keys added, removed, renamed, changed ARS; offers touching them; suggestions.
        preview         jsonb NOT NULL,
        -- [{"predecessor", "successor", "effective_on"}] as a data manager confirmed them.
        successions     jsonb NOT NULL DEFAULT '[]',
        created_by      text NOT NULL,
        decided_by      text,
        reason          text,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT area_import_editions_ordered CHECK (previous_edition < edition)
    );
    -- At most one change set awaits a decision.
    CREATE UNIQUE INDEX area_import_one_pending ON area_import ((true))
        WHERE status = 'pending';

    CREATE TABLE area_edition (
        edition         date PRIMARY KEY,
        source          text NOT NULL,
        import_code     text REFERENCES area_import (code),
        loaded_at       timestamptz NOT NULL DEFAULT now()
    );
    -- A catalogue seeded before this revision holds the shipped edition.
    INSERT INTO area_edition (edition, source)
    SELECT DATE '2025-11-30', 'destatis-gv100ad-2025-11-30'
    WHERE EXISTS (SELECT 1 FROM area WHERE source = 'destatis-gv100ad-2025-11-30');
    """)


def downgrade():
    op.execute("DROP TABLE area_edition; DROP TABLE area_import;")
