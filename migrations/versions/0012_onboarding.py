"""Onboarding records (Anbindungsvorhaben): how far an organisation is in connecting
to NOOTS in one environment - as a provider of a register or evidence type, or as a consumer
for a service - with its state, dated milestones, a target date and notes. Versioned and
audited like every catalogue object; data managers write them, the organisation reads its own.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE onboarding (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code            code_slug NOT NULL UNIQUE,
        organisation_id bigint NOT NULL REFERENCES organisation (id),
        role            text NOT NULL CHECK (role IN ('provider', 'consumer')),
        register_id     bigint REFERENCES register (id),
        evidence_type_id bigint REFERENCES evidence_type (id),
        service_id      bigint REFERENCES service (id),
        environment     text NOT NULL
            CHECK (environment IN ('reference', 'test', 'production')),
        state           text NOT NULL CHECK (state IN ('planned', 'in_preparation', 'running',
                                                       'completed', 'paused')),
        first_contact_on      date,
        evidence_specified_on date,
        readiness_checked_on  date,
        readiness_result      text,
        connected_on          date,
        target_date     date,
        notes           text,
        status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        illustrative    boolean NOT NULL DEFAULT false,
        version         integer NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        -- A provider connects a register or an evidence type, a consumer a service.
        CONSTRAINT onboarding_subject CHECK (
            (role = 'provider' AND service_id IS NULL
             AND (register_id IS NOT NULL OR evidence_type_id IS NOT NULL))
            OR (role = 'consumer' AND service_id IS NOT NULL
                AND register_id IS NULL AND evidence_type_id IS NULL))
    );
    CREATE INDEX onboarding_organisation ON onboarding (organisation_id);
    """)


def downgrade():
    op.execute("DROP TABLE onboarding;")
