"""A registration never tells whether an e-mail or an organisation code exists: one whose
e-mail belongs to an existing account, or whose organisation code is taken, is accepted like
any other and flagged for the data managers' review (`conflicts`); the applicant's own name
and role are kept with it (`applicant`), since the account it points at is not theirs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE registration ADD COLUMN conflicts jsonb NOT NULL DEFAULT '[]';
    ALTER TABLE registration ADD COLUMN applicant jsonb;
    """)


def downgrade():
    op.execute("""
    ALTER TABLE registration DROP COLUMN applicant;
    ALTER TABLE registration DROP COLUMN conflicts;
    """)
