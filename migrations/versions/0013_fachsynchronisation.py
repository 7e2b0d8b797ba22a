"""Fachsynchronisation: dated status entries of the federal actors regmap holds as
organisations (the registers' federal counterparts), per annex register or for the actor as
a whole. Entries are added, never changed: the latest per actor and register is the status.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE fachsynchronisation (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        organisation_id bigint NOT NULL REFERENCES organisation (id),
        -- NULL: the actor as a whole (the report names no register for it).
        register_id     bigint REFERENCES register (id),
        status_on       date NOT NULL,
        -- false: no interaction with the Fachsynchronisation team yet.
        contacted       boolean NOT NULL,
        status          text NOT NULL CHECK (length(status) BETWEEN 1 AND 10000),
        source          text NOT NULL CHECK (length(source) BETWEEN 1 AND 1000),
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        recorded_by     text NOT NULL
    );
    CREATE INDEX fachsynchronisation_actor
        ON fachsynchronisation (organisation_id, register_id, status_on);
    """)


def downgrade():
    op.execute("DROP TABLE fachsynchronisation;")
