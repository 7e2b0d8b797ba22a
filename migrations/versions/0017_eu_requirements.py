"""EU requirements: what an EU procedure (the SDG Annex II procedures, code list
"Procedures") requires as proof, and the lists of German evidence types that satisfy it —
what the OOTS Evidence Broker answers from.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE eu_requirement (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        -- The requirement's identifier in the OOTS Semantic Repository (a URI).
        identifier      text NOT NULL UNIQUE,
        name_en         text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 500),
        name_de         text CHECK (length(name_de) BETWEEN 1 AND 500),
        -- [{identifier, title {en, de}, description {en, de}, procedure, jurisdiction}]:
        -- the legal frameworks (per procedure and area) that set the requirement.
        reference_frameworks jsonb NOT NULL DEFAULT '[]',
        -- [{identifier, name {en, de}}], by position; their evidence types below.
        evidence_type_lists jsonb NOT NULL DEFAULT '[]',
        status          text NOT NULL CHECK (status IN ('active', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE eu_requirement_evidence_type (
        requirement_id  bigint NOT NULL REFERENCES eu_requirement (id) ON DELETE CASCADE,
        list_position   integer NOT NULL,
        position        integer NOT NULL,
        evidence_type_id bigint NOT NULL REFERENCES evidence_type (id),
        PRIMARY KEY (requirement_id, list_position, position)
    );
    CREATE INDEX eu_requirement_evidence_type_type
        ON eu_requirement_evidence_type (evidence_type_id);
    """)


def downgrade():
    op.execute("DROP TABLE eu_requirement_evidence_type; DROP TABLE eu_requirement;")
