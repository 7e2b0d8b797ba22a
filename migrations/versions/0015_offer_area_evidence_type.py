"""Each offer–area row carries its offer's evidence type: the overlap rule asks
"which other offers of this evidence type are on this key?", and without the type in the
index it visited every offer on the key (about 50 per municipality at national scale) and
fetched each one to compare types — 46 of the 95 seconds of `regmap seed --national`.

The copy cannot drift: the foreign key is (offer_id, evidence_type_id) with ON UPDATE
CASCADE, so changing an offer's evidence type rewrites its rows in the same statement.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE offer ADD CONSTRAINT offer_id_evidence_type UNIQUE (id, evidence_type_id);
    ALTER TABLE offer_area ADD COLUMN evidence_type_id bigint;
    UPDATE offer_area oa SET evidence_type_id = o.evidence_type_id
        FROM offer o WHERE o.id = oa.offer_id;
    ALTER TABLE offer_area ALTER COLUMN evidence_type_id SET NOT NULL;
    ALTER TABLE offer_area DROP CONSTRAINT offer_area_offer_id_fkey;
    ALTER TABLE offer_area ADD CONSTRAINT offer_area_offer_fkey
        FOREIGN KEY (offer_id, evidence_type_id) REFERENCES offer (id, evidence_type_id)
        ON DELETE CASCADE ON UPDATE CASCADE;
    CREATE INDEX offer_area_type_key ON offer_area (evidence_type_id, area_key, offer_id);
    """)


def downgrade():
    op.execute("""
    DROP INDEX offer_area_type_key;
    ALTER TABLE offer_area DROP CONSTRAINT offer_area_offer_fkey;
    ALTER TABLE offer_area ADD CONSTRAINT offer_area_offer_id_fkey
        FOREIGN KEY (offer_id) REFERENCES offer (id) ON DELETE CASCADE;
    ALTER TABLE offer_area DROP COLUMN evidence_type_id;
    ALTER TABLE offer DROP CONSTRAINT offer_id_evidence_type;
    """)
