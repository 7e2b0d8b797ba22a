"""OOTS TDD 2.0 fields: the EDM versions an organisation's eDelivery access point speaks (the
DSD's `AccessService/ConformsTo`, which the 2.0 `specification` parameter filters on), and an
EU requirement's description (`Requirement/Description` of 2.0 answers).

Organisations that already have an eDelivery party id declared `oots-edm:v1.0` in every DSD
answer so far (a constant until now): they keep exactly that declaration.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    ALTER TABLE organisation ADD COLUMN edm_versions text[] NOT NULL DEFAULT '{}';
    UPDATE organisation SET edm_versions = '{oots-edm:v1.0}'
        WHERE edelivery_party_id IS NOT NULL;
    ALTER TABLE eu_requirement
        ADD COLUMN description_en text CHECK (length(description_en) BETWEEN 1 AND 5000),
        ADD COLUMN description_de text CHECK (length(description_de) BETWEEN 1 AND 5000);
    """)


def downgrade():
    op.execute("""
    ALTER TABLE organisation DROP COLUMN edm_versions;
    ALTER TABLE eu_requirement DROP COLUMN description_en, DROP COLUMN description_de;
    """)
