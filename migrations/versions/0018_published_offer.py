"""The read model of what is published about offers: `published_offer`, an active offer of
an active provider whose evidence type comes from an active register. The export (RDF) reads
offers only through it; `real_register` says whether one of those registers is a real
(not illustrative) entry, for exports without the demo.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE VIEW published_offer AS
    SELECT o.id, o.code, o.provider_id, o.evidence_type_id, o.endpoint_url, o.environment,
           o.illustrative, o.updated_at,
           EXISTS (SELECT 1 FROM evidence_type_register er JOIN register r
                   ON r.id = er.register_id
                   WHERE er.evidence_type_id = o.evidence_type_id AND r.status = 'active'
                     AND NOT r.illustrative) AS real_register
    FROM offer o JOIN organisation p ON p.id = o.provider_id
    WHERE o.status = 'active' AND p.status = 'active'
      AND EXISTS (SELECT 1 FROM evidence_type_register er JOIN register r
                  ON r.id = er.register_id
                  WHERE er.evidence_type_id = o.evidence_type_id AND r.status = 'active');
    COMMENT ON VIEW published_offer IS
        'Offers as the public catalogue shows them: active, of an active provider, of an '
        'evidence type from an active register (ARCHITECTURE.md, "Read models")';
    """)


def downgrade():
    op.execute("DROP VIEW published_offer")
