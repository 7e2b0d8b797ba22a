"""Environments: every offer and permission belongs to one of `reference`, `test`
and `production` (what exists is production); an API token may be bound to one, and then
sees only it. The overlap rule holds within an environment.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE offer ADD COLUMN environment text NOT NULL DEFAULT 'production'
        CHECK (environment IN ('reference', 'test', 'production'));
    ALTER TABLE permission ADD COLUMN environment text NOT NULL DEFAULT 'production'
        CHECK (environment IN ('reference', 'test', 'production'));
    -- NULL: a token that may ask about any environment.
    ALTER TABLE api_token ADD COLUMN environment text
        CHECK (environment IN ('reference', 'test', 'production'));
    ALTER TABLE permission_check ADD COLUMN environment text NOT NULL DEFAULT 'production';
    """)


def downgrade():
    op.execute("""
    ALTER TABLE permission_check DROP COLUMN environment;
    ALTER TABLE api_token DROP COLUMN environment;
    ALTER TABLE permission DROP COLUMN environment;
    ALTER TABLE offer DROP COLUMN environment;
    """)
