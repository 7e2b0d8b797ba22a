"""Why a retired key has no successor: a retirement the sources record without a receiving
municipality (or with only part of one) keeps its 410, now with the reason and its source,
so no removed key answers 410 unexplained. Loaded by the seed
(catalog_seed/areas/ohne_nachfolge_...).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE area ADD COLUMN retirement_reason text, ADD COLUMN retirement_source text;
    ALTER TABLE area ADD CONSTRAINT area_retirement_reason_sourced
        CHECK ((retirement_reason IS NULL) = (retirement_source IS NULL));
    """)


def downgrade():
    op.execute("ALTER TABLE area DROP COLUMN retirement_reason, DROP COLUMN retirement_source")
