"""Rate limits shared by every worker and instance: failed sign-ins per address and client,
registrations per client, counted in the database that every process already shares.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE rate_event (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind            text NOT NULL,
        -- What is counted: an e-mail and client address, a client address; never a secret.
        key             text NOT NULL,
        at              timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX rate_event_key ON rate_event (kind, key, at);
    """)


def downgrade():
    op.execute("DROP TABLE rate_event;")
