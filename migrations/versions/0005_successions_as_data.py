"""Successions are data: a shipped, sourced table loads them with `regmap seed`. A key may
have several successors (a split), a succession may have no known date (it happened between
two editions of the Gemeindeverzeichnis: the predecessor's last_seen and the successor's
valid_from bound it), and each row names its source.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE area_succession DROP CONSTRAINT area_succession_predecessor_key_key;
    ALTER TABLE area_succession ADD CONSTRAINT area_succession_pair
        UNIQUE (predecessor_key, successor_key);
    CREATE INDEX area_succession_predecessor ON area_succession (predecessor_key);
    ALTER TABLE area_succession ALTER COLUMN effective_on DROP NOT NULL;
    -- Where the row comes from: a citation for shipped rows; NULL for people's records
    -- (recorded_by names them).
    ALTER TABLE area_succession ADD COLUMN source text;
    """)


def downgrade():
    op.execute("""
    DELETE FROM area_succession WHERE effective_on IS NULL;
    DELETE FROM area_succession s WHERE EXISTS (
        SELECT 1 FROM area_succession t
        WHERE t.predecessor_key = s.predecessor_key AND t.id < s.id);
    ALTER TABLE area_succession DROP COLUMN source;
    ALTER TABLE area_succession ALTER COLUMN effective_on SET NOT NULL;
    DROP INDEX area_succession_predecessor;
    ALTER TABLE area_succession DROP CONSTRAINT area_succession_pair;
    ALTER TABLE area_succession ADD CONSTRAINT area_succession_predecessor_key_key
        UNIQUE (predecessor_key);
    """)
