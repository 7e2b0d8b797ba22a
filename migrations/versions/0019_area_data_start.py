"""Where the area history starts: the first edition of the shipped change list (31.12.2022)
is recorded as an edition, so no competence question about an earlier day is answered. The
seed records it too; this revision adds it to catalogues seeded before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    INSERT INTO area_edition (edition, source)
    SELECT DATE '2022-12-31', 'destatis-gv100ad-changes-2022-12-31-2025-11-30'
    WHERE EXISTS (SELECT 1 FROM area_edition WHERE edition = DATE '2025-11-30')
    ON CONFLICT (edition) DO NOTHING;
    """)


def downgrade():
    op.execute("DELETE FROM area_edition WHERE edition = DATE '2022-12-31' "
               "AND import_code IS NULL")
