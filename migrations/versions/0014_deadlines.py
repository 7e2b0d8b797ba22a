"""Transition deadlines (Übergangsfristen): per register or evidence type, the day
by which its providers must be connected in production, with the legal source that sets it.
Versioned and audited like every catalogue object; data managers write them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE deadline (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        register_id     bigint REFERENCES register (id),
        evidence_type_id bigint REFERENCES evidence_type (id),
        due_on          date NOT NULL,
        legal_source    text NOT NULL CHECK (length(legal_source) BETWEEN 1 AND 1000),
        notes           text,
        status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT deadline_subject CHECK ((register_id IS NULL) <> (evidence_type_id IS NULL))
    );
    """)


def downgrade():
    op.execute("DROP TABLE deadline;")
